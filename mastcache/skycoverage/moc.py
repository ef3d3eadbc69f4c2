"""Footprints to a MOC (mocpy): one union at a chosen HEALPix order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mastcache.skycoverage.extras import require
from mastcache.skycoverage.regions import Circle, Footprint, Polygon

__all__ = ["DEFAULT_ORDER", "empty_moc", "footprints_moc"]

#: HEALPix order of a coverage MOC by default: cells of about 52 arcseconds.
DEFAULT_ORDER = 12


def empty_moc(order: int) -> Any:
    """The MOC that covers nothing."""
    return require("mocpy").MOC.new_empty(order)


def footprints_moc(footprints: Sequence[Footprint], order: int = DEFAULT_ORDER) -> Any:
    """The union of ``footprints`` at ``order``: every cell a footprint touches."""
    mocpy = require("mocpy")
    parts = [*_polygon_mocs(mocpy, [f for f in footprints if isinstance(f, Polygon)], order)]
    circles = [f for f in footprints if isinstance(f, Circle)]
    if circles:
        parts.append(_cones_moc(mocpy, circles, order))
    if not parts:
        return empty_moc(order)
    return _union(parts)


def _polygon_mocs(mocpy: Any, polygons: Sequence[Polygon], order: int) -> list[Any]:
    if not polygons:
        return []
    by_size: dict[int, list[Polygon]] = {}
    for polygon in polygons:  # mocpy's fast path wants polygons of one vertex count
        by_size.setdefault(len(polygon.lon), []).append(polygon)
    mocs: list[Any] = []
    for group in by_size.values():
        vertices = np.array([row for p in group for row in (p.lon, p.lat)], dtype=np.float64)
        mocs.extend(mocpy.MOC.from_polygons(vertices, max_depth=order))
    return mocs


def _cones_moc(mocpy: Any, circles: Sequence[Circle], order: int) -> Any:
    import astropy.units as u

    lon = np.array([c.ra for c in circles]) * u.deg
    lat = np.array([c.dec for c in circles]) * u.deg
    radius = np.array([c.radius for c in circles]) * u.deg
    if len(circles) == 1:
        return mocpy.MOC.from_cone(lon[0], lat[0], radius=radius[0], max_depth=order)
    return mocpy.MOC.from_cones(
        lon, lat, radius=radius, max_depth=order, union_strategy="large_cones"
    )


def _union(mocs: list[Any]) -> Any:
    """Union in a balanced tree: thousands of footprints stay fast."""
    while len(mocs) > 1:
        mocs = [_union_all(mocs[i : i + 64]) for i in range(0, len(mocs), 64)]
    return mocs[0]


def _union_all(mocs: list[Any]) -> Any:
    return mocs[0].union(*mocs[1:]) if len(mocs) > 1 else mocs[0]
