"""``mastcache.coverage(...)``: the sky the cache covers, as a MOC with the counts behind it."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastcache.errors import ConfigurationError
from mastcache.settings import Settings
from mastcache.skycoverage.moc import DEFAULT_ORDER, footprints_moc
from mastcache.skycoverage.regions import Circle, Footprint, parse_region
from mastcache.skycoverage.selection import (
    ObservationRows,
    Selection,
    as_tuple,
    select_observations,
)
from mastcache.store.files import export_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from mastcache.sqlview.session import CacheSQL

__all__ = ["CacheCoverage", "CollectionCoverage", "Target", "coverage"]

#: Square degrees on the whole sky.
SKY_SQUARE_DEGREES = 41252.96125

UNKNOWN_COLLECTION = "(unknown)"


@dataclass(frozen=True)
class Target:
    """A name the cache resolved, at its position (ICRS degrees)."""

    name: str
    ra: float
    dec: float


@dataclass(frozen=True)
class CollectionCoverage:
    """The coverage of one collection (``obs_collection``)."""

    name: str
    moc: Any
    observations: int


@dataclass(frozen=True)
class CacheCoverage:
    """The footprints of the selected cached observations as one MOC, and what is behind it.

    ``observations`` counts those placed on the sky (``points`` of them as a circle of
    ``point_radius`` around ``s_ra``/``s_dec`` for want of a footprint); ``unplaced`` had no
    position at all. ``products`` counts the cached products of the selected observations.
    """

    moc: Any
    order: int
    observations: int
    products: int
    points: int
    unplaced: int
    collections: tuple[CollectionCoverage, ...]
    targets: tuple[Target, ...]
    selection: Selection = field(default_factory=Selection)

    @property
    def sky_fraction(self) -> float:
        """The fraction of the whole sky the MOC covers (0 to 1)."""
        return float(self.moc.sky_fraction)

    @property
    def square_degrees(self) -> float:
        return self.sky_fraction * SKY_SQUARE_DEGREES

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the MOC as a standard MOC FITS file (Aladin, mocpy), atomically."""
        return write_moc(self.moc, Path(path))

    def plot(self, **options: Any) -> Figure:
        """An all-sky map of the coverage, coloured by collection (needs ``mastcache[plot]``)."""
        from mastcache.skycoverage.skymap import draw_map

        return draw_map(self, **options)

    def summary(self) -> str:
        """One line: sky fraction, observations and products behind it."""
        extra = f" ({self.points} as points)" if self.points else ""
        return (
            f"{self.sky_fraction:.3g} of the sky ({self.square_degrees:.4g} deg²) at order "
            f"{self.order}: {self.observations} observations{extra}, {self.products} products"
        )

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{c.observations}</td>"
            f"<td>{c.moc.sky_fraction:.3g}</td></tr>"
            for c in self.collections
        )
        return (
            f"<div><strong>Cache coverage</strong>: {html.escape(self.summary())}"
            "<table><thead><tr><th>collection</th><th>observations</th><th>sky fraction</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div>"
        )


def coverage(
    where: str | None = None,
    *,
    collection: str | Sequence[str] | None = None,
    instrument: str | Sequence[str] | None = None,
    start: Any = None,
    end: Any = None,
    order: int = DEFAULT_ORDER,
    point_radius: float = 1 / 60,
    settings: Settings | None = None,
) -> CacheCoverage:
    """The sky covered by the cached observations' footprints (``s_region``), as a MOC.

    ``where`` is any SQL condition over the ``observations`` view (``"t_exptime > 100"``);
    ``collection`` / ``instrument`` pick by name (``"HST"``, ``"WFC3"`` matches
    ``WFC3/UVIS``); ``start`` / ``end`` (MJD, ISO text, datetime or astropy Time) keep the
    observations overlapping that time. Needs mocpy (``pip install 'mastcache[plot]'``).
    """
    selection = Selection(
        collections=as_tuple(collection),
        instruments=as_tuple(instrument),
        start_mjd=to_mjd(start),
        end_mjd=to_mjd(end),
        where=where,
    )
    if not 0 <= order <= 29:
        raise ConfigurationError(f"a MOC order is between 0 and 29, got {order}")
    from mastcache.sqlview.api import connect

    with connect(settings) as session:
        rows = select_observations(session, selection)
        targets = _targets(session)
    return build_coverage(rows, targets, selection, order=order, point_radius=point_radius)


def build_coverage(
    rows: ObservationRows,
    targets: Sequence[Target],
    selection: Selection,
    *,
    order: int,
    point_radius: float,
) -> CacheCoverage:
    """The coverage of ``rows``: one MOC per collection, and their union."""
    shapes: dict[str, list[Footprint]] = {}
    counts: dict[str, int] = {}
    points = unplaced = 0
    for i, region in enumerate(rows.s_region):
        found = parse_region(region, point_radius=point_radius)
        if not found:
            found = _point(rows.s_ra[i], rows.s_dec[i], point_radius)
            points += bool(found)
            unplaced += not found
        if found:
            name = rows.collection[i] or UNKNOWN_COLLECTION
            shapes.setdefault(name, []).extend(found)
            counts[name] = counts.get(name, 0) + 1
    collections = tuple(
        CollectionCoverage(name, footprints_moc(shapes[name], order), counts[name])
        for name in sorted(counts, key=lambda n: (-counts[n], n))
    )
    moc = footprints_moc([s for group in shapes.values() for s in group], order)
    return CacheCoverage(
        moc=moc,
        order=order,
        observations=sum(counts.values()),
        products=rows.products,
        points=points,
        unplaced=unplaced,
        collections=collections,
        targets=tuple(targets),
        selection=selection,
    )


def _point(ra: float | None, dec: float | None, radius: float) -> list[Footprint]:
    if ra is None or dec is None or not -90 <= dec <= 90:
        return []
    return [Circle(ra % 360.0, dec, radius)]


def _targets(session: CacheSQL) -> list[Target]:
    rows = session.arrow(
        "SELECT coalesce(canonical_name, name) AS name, ra, dec FROM resolutions "
        "WHERE ra IS NOT NULL AND dec IS NOT NULL ORDER BY name"
    ).to_pylist()
    seen: dict[str, Target] = {}
    for row in rows:
        seen.setdefault(row["name"], Target(row["name"], float(row["ra"]), float(row["dec"])))
    return list(seen.values())


def to_mjd(value: Any) -> float | None:
    """``value`` (MJD number, ISO text, datetime, astropy Time) as an MJD, or None."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    from astropy.time import Time

    try:
        moment = value if isinstance(value, Time) else Time(value)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(
            f"cannot read the time {value!r}: give an MJD, an ISO date such as 2024-01-31, "
            "a datetime or an astropy Time"
        ) from exc
    return float(moment.mjd)


def write_moc(moc: Any, path: Path) -> Path:
    """``moc`` as a MOC FITS file at ``path``: temp file in place, then rename."""
    return export_atomic(path, lambda temp: moc.save(temp, format="fits", overwrite=True))
