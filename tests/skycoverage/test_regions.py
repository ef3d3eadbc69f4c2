"""Every s_region form MAST writes parses to the shapes it describes."""

from __future__ import annotations

import pytest

from mastcache.skycoverage.regions import Circle, Polygon, parse_region


def test_polygon_icrs_closed_loses_its_closing_vertex() -> None:
    shapes = parse_region("POLYGON ICRS 10 20 11 20 11 21 10 20")
    assert shapes == [Polygon((10.0, 11.0, 11.0), (20.0, 20.0, 21.0))]


@pytest.mark.parametrize("frame", ["J2000", "GSC1", "FK5", "ICRS TOPOCENTER", "", "icrs"])
def test_icrs_like_frames_and_no_frame(frame: str) -> None:
    assert parse_region(f"POLYGON {frame}  1 2  3 2  3 4") == [
        Polygon((1.0, 3.0, 3.0), (2.0, 2.0, 4.0))
    ]


def test_circle_and_multi_part_and_union() -> None:
    assert parse_region("CIRCLE ICRS 209.9 53.9 0.625") == [Circle(209.9, 53.9, 0.625)]
    two = parse_region("POLYGON ICRS 1 1 2 1 2 2 POLYGON ICRS 5 5 6 5 6 6")
    assert [type(s) for s in two] == [Polygon, Polygon] and two[1].lon == (5.0, 6.0, 6.0)
    union = parse_region("UNION (CIRCLE ICRS 1 2 0.1 POLYGON ICRS 5 5 6 5 6 6)")
    assert union == [Circle(1.0, 2.0, 0.1), Polygon((5.0, 6.0, 6.0), (5.0, 5.0, 6.0))]


def test_negative_ra_wraps_and_position_gets_the_point_radius() -> None:
    assert parse_region("POLYGON -0.1 0 0.1 0 0.1 0.1")[0].lon == pytest.approx((359.9, 0.1, 0.1))
    assert parse_region("POSITION ICRS 3 4", point_radius=0.5) == [Circle(3.0, 4.0, 0.5)]


def test_box_is_a_polygon_around_its_centre() -> None:
    (box,) = parse_region("BOX ICRS 180 0 2 1")
    assert isinstance(box, Polygon)
    assert sorted(box.lon) == pytest.approx([179.0, 179.0, 181.0, 181.0], abs=1e-3)
    assert sorted(box.lat) == pytest.approx([-0.5, -0.5, 0.5, 0.5], abs=1e-2)


def test_galactic_frame_is_converted_to_icrs() -> None:
    (circle,) = parse_region("CIRCLE GALACTIC 0 0 1")
    assert isinstance(circle, Circle)
    assert (circle.ra, circle.dec) == pytest.approx((266.405, -28.936), abs=1e-3)


@pytest.mark.parametrize(
    "text",
    [None, "", "   ", "POLYGON ICRS 1 2 3", "CIRCLE ICRS 1 2", "CIRCLE ICRS 1 2 0", "nonsense"],
)
def test_unusable_regions_give_no_shape(text: str | None) -> None:
    assert parse_region(text) == []
