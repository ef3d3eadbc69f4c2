"""Positions and radii read as astroquery reads them, with clearer errors."""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import FK5, Galactic, SkyCoord

from mastcache.client.coordinates import (
    cone_params,
    degrees_of,
    parse_coordinates,
    parse_radius,
    plain_degrees,
    position_string,
    position_text,
    radius_degrees,
)
from mastcache.errors import InputWarning, InvalidQueryError, ResolverError

M31 = SkyCoord(10.684708, 41.26875, unit="deg")


def _resolver(name: str) -> SkyCoord:
    if name == "M31":
        return M31
    raise ResolverError(f'Could not resolve "{name}" to a sky position.')


def test_strings_are_icrs_sexagesimal_or_degrees() -> None:
    with pytest.warns(InputWarning, match="ICRS coordinate"):
        coord = parse_coordinates("00h42m44.33s +41d16m07.5s", _resolver)
    assert coord.ra.deg == pytest.approx(10.684708, abs=1e-5)
    with pytest.warns(InputWarning, match="in degrees"):
        coord = parse_coordinates("10.684708 41.26875", _resolver)
    assert (coord.ra.deg, coord.dec.deg) == (10.684708, 41.26875)


def test_other_frames_are_converted_to_icrs() -> None:
    galactic = SkyCoord(l=121.17 * u.deg, b=-21.57 * u.deg, frame=Galactic)
    assert parse_coordinates(galactic, _resolver).frame.name == "icrs"
    assert parse_coordinates(FK5(ra=1 * u.deg, dec=2 * u.deg), _resolver).frame.name == "icrs"


def test_a_name_string_goes_through_the_resolver() -> None:
    assert parse_coordinates("M31", _resolver) is M31


@pytest.mark.parametrize(
    "bad", ["not a place", (10, 20), 12.5, SkyCoord([1, 2], [3, 4], unit="deg")]
)
def test_malformed_coordinates_are_invalid_queries(bad: object) -> None:
    with pytest.raises(InvalidQueryError):
        parse_coordinates(bad, _resolver)


def test_radius_accepts_numbers_strings_and_quantities() -> None:
    assert parse_radius(0.2).deg == pytest.approx(0.2)
    assert parse_radius("3 arcmin").deg == pytest.approx(0.05)
    assert parse_radius(36 * u.arcsec).deg == pytest.approx(0.01)
    assert parse_radius(0).deg == 0


@pytest.mark.parametrize("bad", [-0.1, "-1 deg", 5 * u.m, "wide", float("nan"), [1, 2]])
def test_bad_radius_is_an_invalid_query(bad: object) -> None:
    with pytest.raises(InvalidQueryError, match="radius"):
        parse_radius(bad)


def test_wire_forms_match_astroquery() -> None:
    radius = parse_radius(0.2)
    assert cone_params(M31, radius) == {"ra": 10.684708, "dec": 41.26875, "radius": 0.2}
    assert position_string(M31, radius) == "10.684708, 41.26875, 0.2"


@pytest.mark.parametrize(
    "radius", [0, 1, 0.2, 0.1 + 0.2, 1e-7, 359.99999999999994, 2**60, 0.2 * u.deg, "3 arcmin"]
)
def test_radius_degrees_is_the_angle_astroquery_builds(radius: object) -> None:
    expected = parse_radius(radius).deg
    assert radius_degrees(radius) == expected and type(radius_degrees(radius)) is float
    assert position_text((10.5, -3.25), radius_degrees(radius)) == position_string(
        SkyCoord(10.5, -3.25, unit="deg"), parse_radius(radius)
    )


QUANTITIES = [
    0.2 * u.deg, 3 * u.arcmin, 10 * u.arcsec, 0.1 * u.rad, 1 * u.hourangle, 250 * u.mas,
    (0.1 + 0.2) * u.deg, 1e-300 * u.deg, 0 * u.deg, -0.0 * u.deg, 180 * u.deg, 1e300 * u.arcsec,
    np.float32(0.3) * u.arcmin, u.Quantity(7, u.arcsec, dtype=int), np.inf * u.deg,
]  # fmt: skip


@pytest.mark.parametrize("radius", QUANTITIES, ids=str)
def test_a_quantity_radius_is_the_angle_astroquery_builds(radius: u.Quantity) -> None:
    """Quantities skip astropy.coordinates (~0.1 s to import): bit for bit Angle's degrees."""
    got, expected = radius_degrees(radius), float(parse_radius(radius).deg)
    assert type(got) is float and np.array([got]).tobytes() == np.array([expected]).tobytes()


@pytest.mark.parametrize(
    "bad",
    [-1 * u.deg, np.nan * u.deg, 5 * u.s, 2 * u.dimensionless_unscaled, [1, 2] * u.deg, 1 * u.hour],
    ids=str,
)
def test_a_quantity_radius_is_refused_as_parse_radius_refuses_it(bad: u.Quantity) -> None:
    with pytest.raises(InvalidQueryError) as expected:
        parse_radius(bad)
    with pytest.raises(InvalidQueryError) as got:
        radius_degrees(bad)
    assert str(got.value) == str(expected.value)


@pytest.mark.parametrize("bad", [-1, -0.5, float("nan"), True, "wide"])
def test_radius_degrees_refuses_what_parse_radius_refuses(bad: object) -> None:
    try:
        expected: object = parse_radius(bad).deg
    except InvalidQueryError as exc:
        with pytest.raises(InvalidQueryError, match=str(exc)[:30]):
            radius_degrees(bad)
    else:
        assert radius_degrees(bad) == expected


@pytest.mark.parametrize(
    ("ra", "dec"),
    [(10.684708, 41.26875), (0.0, -90.0), (359.99999999999994, 90.0), (1e-300, 1e-300)],
)
def test_plain_degrees_are_the_skycoord_degrees(ra: float, dec: float) -> None:
    entry = {"ra": ra, "decl": dec}
    assert plain_degrees([entry]) == degrees_of(SkyCoord(ra, dec, unit="deg"))


@pytest.mark.parametrize(
    "entry",
    [{"ra": 360.0, "decl": 0.0}, {"ra": -1.0, "decl": 0.0}, {"ra": 1.0, "decl": 91.0},
     {"ra": 10, "decl": 41.0}, {"ra": "10.6", "decl": 41.0}, {"ra": float("nan"), "decl": 0.0},
     {"decl": 1.0}],
)  # fmt: skip
def test_entries_skycoord_would_change_take_the_skycoord(entry: dict[str, object]) -> None:
    assert plain_degrees([entry]) is None
    assert plain_degrees([]) is None
