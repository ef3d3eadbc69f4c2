"""Reading user positions and radii the way astroquery.mast does, with clearer errors.

Mirrors ``astroquery.utils.commons.parse_coordinates`` and the ``coord.Angle(radius, u.deg)``
idiom of ``astroquery.mast.observations``, except that a string which is not a coordinate is
resolved through mastcache's own (cached) resolver instead of CDS Sesame.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import astropy.units as u
import numpy as np

from mastcache.errors import InputWarning, InvalidQueryError, ResolverError

if TYPE_CHECKING:  # pragma: no cover
    from astropy.coordinates import Angle, SkyCoord

__all__ = [
    "cone_degrees",
    "cone_params",
    "degrees_of",
    "parse_coordinates",
    "parse_radius",
    "plain_degrees",
    "position_string",
    "position_text",
    "radius_degrees",
    "shown",
]

NameResolver = Callable[[str], "SkyCoord"]

_EXAMPLES = "e.g. '10.684 41.269' (degrees), '00h42m44.3s +41d16m09s' or a SkyCoord"


def parse_coordinates(coordinates: Any, resolve: NameResolver) -> SkyCoord:
    """An ICRS SkyCoord from a string, a SkyCoord or a coordinate frame.

    A string that is not a position is taken as an object name and resolved with ``resolve``.
    """
    # astropy.coordinates is imported by the calls that read a position (~0.1 s): a query by
    # object name with a resolved, plain position needs none of it
    from astropy.coordinates import BaseCoordinateFrame, SkyCoord

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
    from astropy.coordinates import SkyCoord

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
    from astropy.coordinates import SkyCoord

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
    from astropy.coordinates import Angle

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


def radius_degrees(radius: Any) -> float:
    """``float(parse_radius(radius).deg)``, without building an Angle for a plain number."""
    if type(radius) is float and 0.0 <= radius < math.inf:  # NaN and negatives: the errors
        return radius  # what Angle(radius, u.deg).deg holds
    if type(radius) is int and 0 <= radius < 2**53:
        return float(radius)
    if type(radius) is u.Quantity and radius.isscalar:  # e.g. the default 0.2 * u.deg
        degrees = _quantity_degrees(radius)
        if 0.0 <= degrees < math.inf:
            return degrees
    return float(parse_radius(radius).deg)


def _quantity_degrees(radius: u.Quantity) -> float:
    """``Angle(radius, u.deg).deg`` of a plain scalar Quantity (NaN if not an angle), without
    astropy.coordinates: Angle converts a Quantity with ``radius.to(u.deg)``, as here."""
    try:
        return float(radius.to(u.deg).value)
    except u.UnitsError:
        return math.nan


def plain_degrees(entries: Sequence[Mapping[str, Any]]) -> tuple[float, float] | None:
    """(ra, dec) of the first resolver entry when ``SkyCoord(ra, decl, unit="deg")`` would
    keep both as they are (floats, ra in [0, 360), dec in [-90, 90]); else None, and the
    caller builds the SkyCoord (wrapping, validation, errors)."""
    if not entries:
        return None
    ra, dec = entries[0].get("ra"), entries[0].get("decl")
    if type(ra) is not float or type(dec) is not float:
        return None
    return (ra, dec) if 0.0 <= ra < 360.0 and -90.0 <= dec <= 90.0 else None


def degrees_of(coord: SkyCoord) -> tuple[float, float]:
    """(ra, dec) of an ICRS SkyCoord in degrees."""
    return float(coord.ra.deg), float(coord.dec.deg)


def shown(value: Any) -> str:
    """``value`` as the user wrote it: ``-1 deg`` for a Quantity, never ``<Quantity -1. deg>``."""
    if isinstance(value, u.Quantity):
        if value.isscalar:
            return f"{value.value:g} {value.unit}".strip()
        return f"[{', '.join(f'{v:g}' for v in value.value.ravel()[:5])}] {value.unit}"
    return repr(value) if isinstance(value, str) else str(value)


def cone_params(coord: SkyCoord, radius: Angle) -> dict[str, float]:
    """``Mast.Caom.Cone`` parameters in degrees, as astroquery sends them."""
    return cone_degrees(degrees_of(coord), float(radius.deg))


def cone_degrees(position: tuple[float, float], radius_deg: float) -> dict[str, float]:
    """:func:`cone_params` of a position and radius already in degrees."""
    ra, dec = position
    return {"ra": ra, "dec": dec, "radius": radius_deg}


def position_string(coord: SkyCoord, radius: Angle) -> str:
    """The ``position`` parameter of the Filtered.Position services (``"ra, dec, r"``)."""
    return position_text(degrees_of(coord), float(radius.deg))


def position_text(position: tuple[float, float], radius_deg: float) -> str:
    """:func:`position_string` of degrees, each number written as astroquery writes the
    numpy float ``coord.ra.deg``."""
    return ", ".join(str(np.float64(x)) for x in (*position, radius_deg))
