"""Reading user positions and radii the way astroquery.mast does, with clearer errors.

Mirrors ``astroquery.utils.commons.parse_coordinates`` and the ``coord.Angle(radius, u.deg)``
idiom of ``astroquery.mast.observations``, except that a string which is not a coordinate is
resolved through mastcache's own (cached) resolver instead of CDS Sesame.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import astropy.units as u
from astropy.coordinates import Angle, BaseCoordinateFrame, SkyCoord

from mastcache.errors import InputWarning, InvalidQueryError, ResolverError

__all__ = ["cone_params", "parse_coordinates", "parse_radius", "position_string", "shown"]

NameResolver = Callable[[str], SkyCoord]

_EXAMPLES = "e.g. '10.684 41.269' (degrees), '00h42m44.3s +41d16m09s' or a SkyCoord"


def parse_coordinates(coordinates: Any, resolve: NameResolver) -> SkyCoord:
    """An ICRS SkyCoord from a string, a SkyCoord or a coordinate frame.

    A string that is not a position is taken as an object name and resolved with ``resolve``.
    """
    if isinstance(coordinates, str):
        coord = _parse_string(coordinates, resolve)
    elif isinstance(coordinates, SkyCoord):
        coord = coordinates
    elif isinstance(coordinates, BaseCoordinateFrame):
        coord = SkyCoord(coordinates)
    else:
        raise InvalidQueryError(
            f"cannot use {type(coordinates).__name__} {shown(coordinates)} as coordinates: "
            f"expected a string or an astropy coordinate object ({_EXAMPLES})"
        )
    if not coord.isscalar:
        raise InvalidQueryError(
            f"expected a single sky position, got {len(coord)} positions; query them one at a time"
        )
    return _to_icrs(coord)


def _parse_string(text: str, resolve: NameResolver) -> SkyCoord:
    try:
        coord = SkyCoord(text, frame="icrs")
    except u.UnitsError as exc:
        raise InvalidQueryError(
            f"cannot read coordinates {text!r}: only ICRS positions may be given as strings; "
            "for other frames pass an astropy.coordinates object"
        ) from exc
    except ValueError as exc:
        if isinstance(exc.__context__, u.UnitsError):
            return _parse_degrees(text, resolve)
        return _resolve_name(text, resolve)
    warnings.warn(
        "Coordinate string is being interpreted as an ICRS coordinate.", InputWarning, stacklevel=4
    )
    return coord


def _parse_degrees(text: str, resolve: NameResolver) -> SkyCoord:
    try:
        coord = SkyCoord(text, unit="deg", frame="icrs")
    except ValueError:
        return _resolve_name(text, resolve)
    warnings.warn(
        "Coordinate string is being interpreted as an ICRS coordinate provided in degrees.",
        InputWarning,
        stacklevel=5,
    )
    return coord


def _resolve_name(text: str, resolve: NameResolver) -> SkyCoord:
    try:
        return resolve(text)
    except ResolverError as exc:
        raise InvalidQueryError(
            f"cannot read {text!r} as coordinates ({_EXAMPLES}), and it is not an object name "
            f"the resolver knows: {exc}"
        ) from exc


def _to_icrs(coord: SkyCoord) -> SkyCoord:
    if coord.frame.name == "icrs":
        return coord
    try:
        return coord.transform_to("icrs")
    except Exception as exc:  # astropy raises several types for impossible transforms
        raise InvalidQueryError(
            f"cannot convert coordinates in frame {coord.frame.name!r} to ICRS: {exc}"
        ) from exc


def parse_radius(radius: Any) -> Angle:
    """An Angle from a number (degrees), a string or a Quantity; never negative or NaN."""
    try:
        angle = Angle(radius, u.deg)
    except (u.UnitsError, ValueError, TypeError) as exc:
        raise InvalidQueryError(
            f"cannot read radius {shown(radius)}: expected an angle such as 0.2 (degrees), "
            "'3 arcmin' or 5 * u.arcsec"
        ) from exc
    if not angle.isscalar:
        raise InvalidQueryError(f"radius must be a single angle, got {shown(radius)}")
    if math.isnan(angle.deg) or angle.deg < 0:
        raise InvalidQueryError(
            f"radius must be a non-negative angle, got {shown(radius)}; "
            "pass e.g. radius=0.2 (degrees) or radius='3 arcmin'"
        )
    return angle


def shown(value: Any) -> str:
    """``value`` as the user wrote it: ``-1 deg`` for a Quantity, never ``<Quantity -1. deg>``."""
    if isinstance(value, u.Quantity):
        if value.isscalar:
            return f"{value.value:g} {value.unit}".strip()
        return f"[{', '.join(f'{v:g}' for v in value.value.ravel()[:5])}] {value.unit}"
    return repr(value) if isinstance(value, str) else str(value)


def cone_params(coord: SkyCoord, radius: Angle) -> dict[str, float]:
    """``Mast.Caom.Cone`` parameters in degrees, as astroquery sends them."""
    return {"ra": float(coord.ra.deg), "dec": float(coord.dec.deg), "radius": float(radius.deg)}


def position_string(coord: SkyCoord, radius: Angle) -> str:
    """The ``position`` parameter of the Filtered.Position services (``"ra, dec, r"``)."""
    return ", ".join(str(x) for x in (coord.ra.deg, coord.dec.deg, radius.deg))
