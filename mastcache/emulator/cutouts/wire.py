"""What a cutout request says, read the way MAST's cutout services read it (MAST_PROTOCOL.md
section 7): form, query string or JSON body; sizes in pixels or degrees; sector lists sent
repeated (``sector=28&sector=68``) or as astroquery's hand-built ``sector=[28, 68]``.

Bad values raise :class:`BadCutoutRequest`, which the routes answer with HTTP 400.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mastcache.emulator.request import Request
from mastcache.mast.cutouts import LIMITS, Limit

__all__ = [
    "LIMITS",
    "BadCutoutRequest",
    "CutoutSize",
    "Params",
    "read_params",
    "zip_bytes",
]

Params = Mapping[str, list[str]]
#: Zip entries carry this date, so equal requests give equal bytes.
ZIP_DATE: Final = (2020, 12, 1, 12, 41, 22)


class BadCutoutRequest(ValueError):
    """A request MAST would refuse with HTTP 400; the message says what to send instead."""


@dataclass(frozen=True)
class CutoutSize:
    """``x`` and ``y`` as sent, in ``units`` (``px`` or ``d``)."""

    x: float
    y: float
    units: str

    @classmethod
    def read(cls, params: Params, service: str) -> CutoutSize:
        units = first(params, "units", "px").strip().lower()
        if units not in ("px", "d"):
            raise BadCutoutRequest(f"units={units!r} is not valid; use 'px' or 'd' (degrees).")
        size = cls(_positive(params, "x"), _positive(params, "y"), units)
        size.check(LIMITS[service], service)
        return size

    def check(self, limit: Limit, service: str) -> None:
        biggest = max(self.x, self.y)
        top = limit.max_pixels if self.units == "px" else limit.max_degrees
        if biggest > top:
            unit = "pixels" if self.units == "px" else "degrees"
            raise BadCutoutRequest(
                f"Cutout size {self.x} x {self.y} {unit} is too large: {service} cuts at most "
                f"{top:g} {unit} on a side. Request a smaller cutout."
            )

    def pixels(self, scale_arcsec: float) -> tuple[int, int]:
        """(nx, ny) in pixels of ``scale_arcsec``; angles round up to whole pixels."""
        if self.units == "px":
            return max(1, round(self.x)), max(1, round(self.y))
        scale = scale_arcsec / 3600.0
        return (max(1, math.ceil(self.x / scale - 1e-6)), max(1, math.ceil(self.y / scale - 1e-6)))


def read_params(request: Request) -> dict[str, list[str]]:
    """Query string, then the form or JSON body (JSON values become lists of strings)."""
    params = dict(request.query)
    if request.method == "POST" and "json" in request.headers.get("content-type", ""):
        params.update(_json_params(request.body))
    elif request.method == "POST":
        params.update(request.form)
    return params


def first(params: Params, name: str, default: str | None = None) -> str:
    """The first value of ``name``; a missing required value is a 400."""
    values = params.get(name) or []
    if values and values[0].strip():
        return values[0]
    if default is not None:
        return default
    raise BadCutoutRequest(f"Missing required parameter {name!r}.")


def number(params: Params, name: str, default: float | None = None) -> float:
    text = first(params, name, None if default is None else repr(default))
    try:
        value = float(text)
    except ValueError:
        raise BadCutoutRequest(f"{name}={text!r} is not a number.") from None
    if not math.isfinite(value):
        raise BadCutoutRequest(f"{name}={text!r} is not a finite number.")
    return value


def position(params: Params) -> tuple[float, float]:
    """(ra, dec) in degrees; dec must lie in -90..90."""
    ra, dec = number(params, "ra"), number(params, "dec")
    if not -90.0 <= dec <= 90.0:
        raise BadCutoutRequest(f"dec={dec} is outside -90..90 degrees.")
    return ra % 360.0, dec


def sectors(params: Params) -> list[int] | None:
    """The sectors asked for, or None for all of them."""
    wanted: list[int] = []
    for value in params.get("sector", []):
        for part in value.strip().strip("[]()").split(","):
            if part.strip():
                wanted.append(_sector(part.strip()))
    return sorted(set(wanted)) or None


def _sector(text: str) -> int:
    try:
        sector = int(float(text))
    except ValueError:
        raise BadCutoutRequest(f"sector={text!r} is not a sector number.") from None
    if sector < 1 or sector != float(text):
        raise BadCutoutRequest(f"sector={text!r} is not a sector number (1, 2, ...).")
    return sector


def _positive(params: Params, name: str) -> float:
    value = number(params, name)
    if value <= 0:
        raise BadCutoutRequest(f"Cutout size {name}={value} must be positive.")
    return value


def _json_params(body: bytes) -> dict[str, list[str]]:
    try:
        document = json.loads(body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise BadCutoutRequest("The request body is not valid JSON.") from None
    if not isinstance(document, dict):
        raise BadCutoutRequest("The JSON body must be an object of parameters.")
    return {
        str(k): [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in document.items()
    }


def zip_bytes(members: list[tuple[str, bytes]], *, deflate: bool) -> bytes:
    """A zip of ``members`` with fixed dates and permissions (byte-identical every time)."""
    import io

    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = method
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=method, compresslevel=6 if deflate else None)
    return out.getvalue()
