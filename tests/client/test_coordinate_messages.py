"""Radius and coordinate errors speak the user's terms, never Python reprs (issue #18)."""

from __future__ import annotations

from typing import Any

import astropy.units as u
import pytest

from mastcache.client.coordinates import parse_coordinates, parse_radius
from mastcache.errors import InvalidQueryError


@pytest.mark.parametrize(
    ("radius", "shown"),
    [(-1 * u.deg, "got -1 deg"), ([1, 2] * u.deg, "got [1, 2] deg"), (3 * u.m, "radius 3 m"),
     ("abc", "radius 'abc'"), (float("nan"), "got nan")],
)  # fmt: skip
def test_radius_errors_show_what_was_given(radius: Any, shown: str) -> None:
    with pytest.raises(InvalidQueryError) as error:
        parse_radius(radius)
    assert shown in str(error.value)
    assert "<Quantity" not in str(error.value)


def test_coordinates_of_a_wrong_type() -> None:
    with pytest.raises(InvalidQueryError) as error:
        parse_coordinates(5 * u.deg, lambda name: pytest.fail("no resolving"))
    assert "Quantity 5 deg" in str(error.value) and "<Quantity" not in str(error.value)
