"""Spherical geometry of the synthetic sky: separations, footprints and STC-S regions.

A footprint is a circle (radius) or a square (half-size, rotation) on the tangent plane at
the observation's centre. MAST's `distance` is the separation from the searched position to
the footprint (0 inside it), in arcseconds (columnsconfig says `arcsec`; caom.json agrees).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

CIRCLE: Final = 0
SQUARE: Final = 1
ARCSEC_PER_DEG: Final = 3600.0


def _libm(function: Callable[..., float], arity: int = 1) -> Callable[..., FloatArray]:
    """``function`` of the math module over arrays, element by element.

    numpy picks its transcendental functions by CPU: with AVX-512 it uses SVML, whose last
    bits differ from the C library's, so the emulator's replies (and its golden digests)
    differed from one machine to the next. The C library gives every x86-64 machine the
    same bits, and this sky is small enough to pay ~0.1 us a value for that."""
    ufunc = np.frompyfunc(function, arity, 1)

    def apply(*values: Any) -> FloatArray:
        return np.asarray(ufunc(*values), dtype=np.float64)

    return apply


def _finite(function: Callable[[float], float]) -> Callable[[float], float]:
    """``function``, NaN outside its domain (infinities, |x| > 1 for asin) as numpy gives,
    where the math module raises ValueError."""

    def guarded(value: float) -> float:
        try:
            return function(value)
        except ValueError:
            return math.nan

    return guarded


sin = _libm(_finite(math.sin))
cos = _libm(_finite(math.cos))
arcsin = _libm(_finite(math.asin))
arctan = _libm(math.atan)
arctan2 = _libm(math.atan2, 2)


def separation_deg(ra1: float, dec1: float, ra2: FloatArray, dec2: FloatArray) -> FloatArray:
    """Great-circle separation in degrees (haversine, stable at small angles)."""
    r1, d1 = math.radians(ra1), math.radians(dec1)
    r2, d2 = np.radians(ra2), np.radians(dec2)
    hav = sin((d2 - d1) / 2) ** 2 + math.cos(d1) * cos(d2) * sin((r2 - r1) / 2) ** 2
    return np.asarray(np.degrees(2 * arcsin(np.sqrt(np.clip(hav, 0.0, 1.0)))), np.float64)


def tangent_offsets(
    ra0: FloatArray, dec0: FloatArray, ra: float, dec: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Gnomonic (x, y) in degrees of (ra, dec) on each tangent plane at (ra0, dec0), and cos c."""
    a0, d0 = np.radians(ra0), np.radians(dec0)
    a, d = math.radians(ra), math.radians(dec)
    cos_c = sin(d0) * math.sin(d) + cos(d0) * math.cos(d) * cos(a - a0)
    safe = np.where(cos_c > 1e-9, cos_c, 1e-9)
    x = math.cos(d) * sin(a - a0) / safe
    y = (cos(d0) * math.sin(d) - sin(d0) * math.cos(d) * cos(a - a0)) / safe
    return np.degrees(x), np.degrees(y), cos_c


def footprint_distance_deg(
    ra: float,
    dec: float,
    centre: tuple[FloatArray, FloatArray],
    shape: tuple[npt.NDArray[np.int8], FloatArray, FloatArray],
) -> FloatArray:
    """Separation in degrees from (ra, dec) to each footprint; 0 where the point is inside."""
    kind, size, rotation = shape
    sep = separation_deg(ra, dec, centre[0], centre[1])
    x, y, cos_c = tangent_offsets(centre[0], centre[1], ra, dec)
    cos_r, sin_r = cos(rotation), sin(rotation)
    u = np.abs(x * cos_r + y * sin_r) - size
    v = np.abs(-x * sin_r + y * cos_r) - size
    square = np.hypot(np.maximum(u, 0.0), np.maximum(v, 0.0))
    far = np.maximum(sep - size * math.sqrt(2.0), 0.0)
    square = np.where(cos_c > 0.5, square, far)
    circle = np.maximum(sep - size, 0.0)
    return np.asarray(np.where(kind == CIRCLE, circle, square), np.float64)


def offset_position(ra: float, dec: float, dx: float, dy: float) -> tuple[float, float]:
    """Move (ra, dec) by (dx, dy) degrees on the tangent plane (inverse gnomonic)."""
    a0, d0 = math.radians(ra), math.radians(dec)
    x, y = math.radians(dx), math.radians(dy)
    rho = math.hypot(x, y)
    if rho == 0.0:
        return ra % 360.0, dec
    c = math.atan(rho)
    sin_c, cos_c = math.sin(c), math.cos(c)
    new_dec = math.asin(cos_c * math.sin(d0) + y * sin_c * math.cos(d0) / rho)
    num = x * sin_c
    den = rho * math.cos(d0) * cos_c - y * math.sin(d0) * sin_c
    new_ra = a0 + math.atan2(num, den)
    return math.degrees(new_ra) % 360.0, math.degrees(new_dec)


def region_string(ra: float, dec: float, kind: int, size: float, rotation: float) -> str:
    """The STC-S `s_region` MAST sends: ``CIRCLE ICRS ra dec r`` or a closed ``POLYGON``."""
    if kind == CIRCLE:
        return f"CIRCLE ICRS {ra:.8f} {dec:.8f} {size:.6g}"
    cos_r, sin_r = math.cos(rotation), math.sin(rotation)
    parts = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        dx = size * (sx * cos_r - sy * sin_r)
        dy = size * (sx * sin_r + sy * cos_r)
        cra, cdec = offset_position(ra, dec, dx, dy)
        parts.append(f"{cra:.8f} {cdec:.8f}")
    return "POLYGON ICRS " + " ".join([*parts, parts[0]])


def random_point_in_cone(
    ra: float, dec: float, radius: float, u: float, v: float
) -> tuple[float, float]:
    """A point uniformly inside a cone of `radius` degrees, from two uniforms in [0, 1)."""
    r = radius * math.sqrt(u) * 0.999
    theta = 2.0 * math.pi * v
    return offset_position(ra, dec, r * math.cos(theta), r * math.sin(theta))


def random_point_on_sphere(u: float, v: float) -> tuple[float, float]:
    """A point uniform on the celestial sphere, from two uniforms in [0, 1)."""
    ra = 360.0 * u
    dec = math.degrees(math.asin(2.0 * v - 1.0))
    return ra, dec


def offset_positions(
    ra: FloatArray, dec: FloatArray, dx: FloatArray, dy: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """`offset_position` for arrays: move each (ra, dec) by (dx, dy) degrees."""
    a0, d0 = np.radians(ra), np.radians(dec)
    x, y = np.radians(dx), np.radians(dy)
    rho = np.hypot(x, y)
    safe = np.where(rho == 0.0, 1.0, rho)
    c = arctan(rho)
    sin_c, cos_c = sin(c), cos(c)
    new_dec = arcsin(np.clip(cos_c * sin(d0) + y * sin_c * cos(d0) / safe, -1.0, 1.0))
    den = rho * cos(d0) * cos_c - y * sin(d0) * sin_c
    new_ra = np.degrees(a0 + arctan2(x * sin_c, den)) % 360.0
    still = rho == 0.0
    return np.where(still, ra % 360.0, new_ra), np.where(still, dec, np.degrees(new_dec))


def region_strings(
    ra: FloatArray,
    dec: FloatArray,
    square: npt.NDArray[np.bool_],
    size: FloatArray,
    rotation: FloatArray,
) -> list[str]:
    """`region_string` for arrays: each centre with its own footprint (square or circle)."""
    out = np.empty(ra.shape[0], dtype=object)
    circle = ~square
    if circle.any():
        texts = [
            f"CIRCLE ICRS {a:.8f} {d:.8f} {r:.6g}"
            for a, d, r in zip(
                ra[circle].tolist(), dec[circle].tolist(), size[circle].tolist(), strict=True
            )
        ]
        out[circle] = _objects(texts)
    if square.any():
        out[square] = _objects(_polygons(ra[square], dec[square], size[square], rotation[square]))
    return list(out.tolist())


def _polygons(ra: FloatArray, dec: FloatArray, size: FloatArray, rotation: FloatArray) -> list[str]:
    cos_r, sin_r = cos(rotation), sin(rotation)
    corners: list[list[float]] = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        dx = size * (sx * cos_r - sy * sin_r)
        dy = size * (sx * sin_r + sy * cos_r)
        cra, cdec = offset_positions(ra, dec, dx, dy)
        corners.extend((cra.tolist(), cdec.tolist()))
    template = "POLYGON ICRS" + " %.8f %.8f" * 5
    return [template % (*c, c[0], c[1]) for c in zip(*corners, strict=True)]


def _objects(values: list[str]) -> npt.NDArray[np.object_]:
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array


def random_points_in_cone(
    ra: float, dec: float, radius: float, u: FloatArray, v: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """`random_point_in_cone` for arrays of uniforms."""
    r = radius * np.sqrt(u) * 0.999
    theta = 2.0 * math.pi * v
    centre_ra, centre_dec = np.full(u.shape, ra), np.full(u.shape, dec)
    return offset_positions(centre_ra, centre_dec, r * cos(theta), r * sin(theta))


def random_points_on_sphere(u: FloatArray, v: FloatArray) -> tuple[FloatArray, FloatArray]:
    """`random_point_on_sphere` for arrays of uniforms."""
    return 360.0 * u, np.degrees(arcsin(2.0 * v - 1.0))
