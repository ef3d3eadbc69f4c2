"""Cutout requests as data: sizes read the way astroquery 0.4.11 reads them, checked against
the services' limits, and the canonical parameters a cached cutout is keyed by.

A cutout is keyed by (service, position, size, sector/survey/format...). Positions are
quantized to a grid of 0.1 arcsec in RA and Dec (``POSITION_STEP_ARCSEC``): two requests
whose coordinates round to the same grid point get the same stored cutout. Pixel sizes are
kept as numbers (5 == 5.0); angular sizes are converted to degrees, so ``1 arcmin`` and
``1/60 deg`` share a key, but a size in pixels never shares one with a size in degrees.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import astropy.units as u
import numpy as np

from mastcache.errors import InputWarning, InvalidQueryError
from mastcache.mast.cutouts import IMAGE_FORMATS, LIMITS, STRETCHES, Limit  # emulator's too

__all__ = [
    "IMAGE_FORMATS",
    "LIMITS",
    "POSITION_STEP_ARCSEC",
    "CutoutSize",
    "Limit",
    "image_params",
    "parse_sectors",
    "parse_size",
    "position_key",
]

POSITION_STEP_ARCSEC: Final = 0.1
#: Sectors beyond this are refused before asking (TESS reached sector 100 in 2025).
MAX_SECTOR: Final = 200
IMAGE_PARAMS: Final = ("stretch", "minmax_percent", "minmax_value", "invert")


@dataclass(frozen=True)
class CutoutSize:
    """astroquery's ``{"x", "y", "units"}``: values exactly as it sends them."""

    x: Any
    y: Any
    units: str

    def wire(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "units": self.units}

    def key(self) -> dict[str, Any]:
        return {"x": float(self.x), "y": float(self.y), "units": self.units}


def parse_size(size: Any, service: str) -> CutoutSize:
    """astroquery's ``_parse_cutout_size``, then checked: finite, positive, within limits."""
    parsed = _astroquery_size(size)
    _check_size(parsed, size, service)
    return parsed


def _astroquery_size(size: Any) -> CutoutSize:
    if np.isscalar(size):
        size = np.repeat(size, 2)
    if isinstance(size, u.Quantity):
        size = np.atleast_1d(size)
        if len(size) == 1:
            size = np.repeat(size, 2)
    if not hasattr(size, "__len__") or len(size) < 1:
        raise InvalidQueryError(
            f"cannot read cutout size {size!r}: expected 5, (ny, nx) or 5*u.pix"
        )
    if len(size) > 2:
        warnings.warn(
            "Too many dimensions in cutout size, only the first two will be used.", InputWarning, 4
        )
    if len(size) < 2:
        raise InvalidQueryError(f"cutout size {size!r} needs two values (ny, nx) or one scalar")
    return _size_values(size[0], size[1])


def _size_values(y: Any, x: Any) -> CutoutSize:
    if np.isscalar(y) and not isinstance(y, str):
        return CutoutSize(x, y, "px")
    if isinstance(y, u.Quantity) and isinstance(x, u.Quantity):
        if y.unit == u.pixel:
            return CutoutSize(x.value, y.value, "px")
        if y.unit.physical_type == "angle":
            return CutoutSize(x.to(u.deg).value, y.to(u.deg).value, "d")
    raise InvalidQueryError("Cutout size must be in pixels or angular quantity.")


def _check_size(parsed: CutoutSize, size: Any, service: str) -> None:
    limit = LIMITS[service]
    unit = "pixels" if parsed.units == "px" else "degrees"
    top = limit.max_pixels if parsed.units == "px" else limit.max_degrees
    for value in (parsed.x, parsed.y):
        if isinstance(value, bool) or not isinstance(value, int | float | np.number):
            raise InvalidQueryError(f"cutout size {size!r} is not numeric: expected 5 or [5, 7]")
        if not math.isfinite(float(value)) or float(value) <= 0:
            raise InvalidQueryError(f"cutout size {size!r} must be positive and finite")
        if float(value) > top:
            raise InvalidQueryError(
                f"cutout size {size!r} is too large: {service} cuts at most {top:g} {unit} on "
                "a side; ask for a smaller cutout"
            )


def parse_sectors(sector: Any) -> int | list[int] | None:
    """The ``sector`` argument checked: None, a sector number or a list of them."""
    if sector is None:
        return None
    many = isinstance(sector, Sequence | np.ndarray) and not isinstance(sector, str)
    values = [_sector(s) for s in (sector if many else [sector])]
    if many and not values:
        raise InvalidQueryError("sector=[] names no sector; pass None for every sector")
    return values if many else values[0]


def _sector(value: Any) -> int:
    text = f"sector {value!r} is not a TESS sector"
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise InvalidQueryError(f"{text}: expected a whole number such as 14 (or a list of them)")
    if not float(value).is_integer() or not 1 <= value <= MAX_SECTOR:
        raise InvalidQueryError(f"{text}: sectors are whole numbers from 1 to {MAX_SECTOR}")
    return int(value)


def position_key(ra: float, dec: float) -> dict[str, int]:
    """(ra, dec) as whole multiples of ``POSITION_STEP_ARCSEC`` (RA wrapped into 0..360)."""
    steps = 3600.0 / POSITION_STEP_ARCSEC
    return {
        "ra_step": round((ra % 360.0) * steps) % round(360 * steps),
        "dec_step": round(dec * steps),
    }


def image_params(cutout_format: str, img_params: Mapping[str, Any]) -> dict[str, Any]:
    """Zcut's format and the picture options astroquery forwards (others are ignored)."""
    if not isinstance(cutout_format, str) or cutout_format.lower() not in IMAGE_FORMATS:
        raise InvalidQueryError(
            f"cutout_format={cutout_format!r} is not a Zcut format; use 'fits', 'jpg' or 'png'"
        )
    chosen = {k: v for k, v in img_params.items() if k in IMAGE_PARAMS}
    stretch = chosen.get("stretch")
    if stretch is not None and str(stretch).lower() not in STRETCHES:
        raise InvalidQueryError(f"stretch={stretch!r} is not valid; use one of {STRETCHES}")
    return chosen
