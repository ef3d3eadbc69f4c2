"""MAST's ``s_region`` footprints (STC-S) as shapes: polygons and circles in ICRS degrees.

MAST writes ``POLYGON ICRS ...``, ``POLYGON J2000 ...``, ``POLYGON GSC1 ...``, ``POLYGON ...``
with no frame, ``CIRCLE ICRS ra dec r``, several shapes one after the other (one per chip),
``UNION (...)`` groups, ``BOX`` and ``POSITION``, sometimes with a reference position
(``TOPOCENTER``) after the frame. Parsing is pure: no mocpy, no astropy for ICRS-like frames.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Circle", "Footprint", "Polygon", "box_corners", "parse_region"]

#: Frames treated as ICRS: FK5/J2000 and GSC1 differ from it by far less than a MOC cell.
_ICRS_LIKE = {"ICRS", "FK5", "J2000", "GSC1", "GSC2", "UNKNOWNFRAME"}
#: Frames converted to ICRS with astropy.
_CONVERTED = {
    "GALACTIC": "galactic",
    "FK4": "fk4",
    "B1950": "fk4",
    "ECLIPTIC": "geocentrictrueecliptic",
}
_SHAPES = {"POLYGON", "CIRCLE", "BOX", "POSITION", "ELLIPSE"}
_TOKEN = re.compile(r"[()]|[^\s()]+")


@dataclass(frozen=True)
class Polygon:
    """A spherical polygon: vertices in ICRS degrees, not closed (last != first)."""

    lon: tuple[float, ...]
    lat: tuple[float, ...]


@dataclass(frozen=True)
class Circle:
    """A cone: centre and radius in ICRS degrees."""

    ra: float
    dec: float
    radius: float


Footprint = Polygon | Circle


def parse_region(text: str | None, *, point_radius: float = 1 / 60) -> list[Footprint]:
    """The shapes of one ``s_region`` (empty when there is none or it cannot be read).

    Groups (``UNION``, ``INTERSECTION``, ``NOT``) give the union of their shapes: a cover
    of the footprint, never less. ``POSITION`` becomes a circle of ``point_radius`` degrees.
    """
    if not text or not text.strip():
        return []
    shapes: list[Footprint] = []
    for shape, frame, numbers in _shape_runs(_TOKEN.findall(text.upper())):
        made = _make(shape, numbers, point_radius)
        if made is not None:
            shapes.append(_to_icrs(made, frame))
    return shapes


def _shape_runs(tokens: list[str]) -> Iterator[tuple[str, str, list[float]]]:
    """(shape, frame, numbers) for each shape keyword in the token stream."""
    shape: str | None = None
    frame = "ICRS"
    numbers: list[float] = []
    for token in tokens:
        if token in _SHAPES:
            if shape is not None:
                yield shape, frame, numbers
            shape, frame, numbers = token, "ICRS", []
        elif shape is None or token in "()":
            continue
        elif (value := _number(token)) is not None:
            numbers.append(value)
        elif not numbers and token in _CONVERTED:
            frame = token
    if shape is not None:
        yield shape, frame, numbers


def _number(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _make(shape: str, numbers: list[float], point_radius: float) -> Footprint | None:
    if shape == "POLYGON":
        return _polygon(numbers)
    if shape == "CIRCLE" and len(numbers) >= 3 and numbers[2] > 0:
        return Circle(numbers[0] % 360.0, numbers[1], numbers[2])
    if shape == "ELLIPSE" and len(numbers) >= 4:  # a cone on the major axis covers it
        return Circle(numbers[0] % 360.0, numbers[1], max(numbers[2], numbers[3]))
    if shape == "POSITION" and len(numbers) >= 2:
        return Circle(numbers[0] % 360.0, numbers[1], point_radius)
    if shape == "BOX" and len(numbers) >= 4:
        lon, lat = box_corners(*numbers[:4])
        return Polygon(lon, lat)
    return None


def _polygon(numbers: list[float]) -> Polygon | None:
    pairs = [(numbers[i] % 360.0, numbers[i + 1]) for i in range(0, len(numbers) - 1, 2)]
    while len(pairs) > 1 and _same(pairs[0], pairs[-1]):
        pairs.pop()
    deduped = [p for i, p in enumerate(pairs) if i == 0 or not _same(p, pairs[i - 1])]
    if len(deduped) < 3:
        return None
    return Polygon(tuple(p[0] for p in deduped), tuple(p[1] for p in deduped))


def _same(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return abs(a[1] - b[1]) < 1e-9 and abs((a[0] - b[0] + 180.0) % 360.0 - 180.0) < 1e-9


def box_corners(
    ra: float, dec: float, width: float, height: float
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The four corners of an STC-S BOX (tangent-plane width and height in degrees)."""
    corners = [_offset(ra, dec, sx * width / 2, sy * height / 2)
               for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]  # fmt: skip
    return tuple(c[0] for c in corners), tuple(c[1] for c in corners)


def _offset(ra: float, dec: float, dx: float, dy: float) -> tuple[float, float]:
    """(ra, dec) moved by (dx, dy) degrees on the tangent plane (inverse gnomonic)."""
    a0, d0 = math.radians(ra), math.radians(dec)
    x, y = math.radians(dx), math.radians(dy)
    rho = math.hypot(x, y)
    if rho == 0.0:
        return ra % 360.0, dec
    c = math.atan(rho)
    new_dec = math.asin(math.cos(c) * math.sin(d0) + y * math.sin(c) * math.cos(d0) / rho)
    den = rho * math.cos(d0) * math.cos(c) - y * math.sin(d0) * math.sin(c)
    new_ra = a0 + math.atan2(x * math.sin(c), den)
    return math.degrees(new_ra) % 360.0, math.degrees(new_dec)


def _to_icrs(shape: Footprint, frame: str) -> Footprint:
    if frame in _ICRS_LIKE or frame not in _CONVERTED:
        return shape
    from astropy.coordinates import SkyCoord

    if isinstance(shape, Circle):
        sky = SkyCoord(shape.ra, shape.dec, unit="deg", frame=_CONVERTED[frame]).icrs
        return Circle(float(sky.ra.deg), float(sky.dec.deg), shape.radius)
    sky = SkyCoord(list(shape.lon), list(shape.lat), unit="deg", frame=_CONVERTED[frame]).icrs
    return Polygon(tuple(float(v) for v in sky.ra.deg), tuple(float(v) for v in sky.dec.deg))
