"""Sky coverage of the cache: MOCs (mocpy) of the cached observations' footprints, and maps.

``mastcache.coverage(...)`` is :func:`coverage` here. mocpy and matplotlib are optional
(``pip install 'mastcache[plot]'``): they are imported when a coverage is first built.
"""

from __future__ import annotations

from mastcache.skycoverage.api import CacheCoverage, CollectionCoverage, Target, coverage
from mastcache.skycoverage.moc import DEFAULT_ORDER, footprints_moc
from mastcache.skycoverage.regions import Circle, Footprint, Polygon, parse_region

__all__ = [
    "DEFAULT_ORDER",
    "CacheCoverage",
    "Circle",
    "CollectionCoverage",
    "Footprint",
    "Polygon",
    "Target",
    "coverage",
    "footprints_moc",
    "parse_region",
]
