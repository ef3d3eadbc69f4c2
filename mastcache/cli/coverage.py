"""``mastcache coverage``: the sky the cache covers, as a MOC file and a summary.

The filter options are shared with ``mastcache cache map`` (:func:`selection_options`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mastcache.cli.output import emit_table, format_options

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.skycoverage import CacheCoverage

__all__ = ["coverage", "coverage_from_options", "selection_options"]

F = TypeVar("F", bound=Callable[..., Any])

_EPILOG = """\b
Examples:
  mastcache coverage
  mastcache coverage --moc cache.fits
  mastcache coverage --collection HST --instrument WFC3 --start 2020-01-01 --moc hst.fits
  mastcache coverage --where "t_exptime > 1000" --order 10
"""


def selection_options(func: F) -> F:
    """``--where``, ``--collection``, ``--instrument``, ``--start``, ``--end``, ``--order``."""
    options = [
        click.option("--order", type=click.IntRange(0, 29), default=None,
                     help="HEALPix order of the MOC (default 12, cells of ~52 arcsec)."),
        click.option("--end", metavar="TIME", help="Only observations before (MJD or ISO)."),
        click.option("--start", metavar="TIME", help="Only observations after (MJD or ISO)."),
        click.option("--instrument", multiple=True, metavar="NAME",
                     help="Only this instrument (WFC3 matches WFC3/UVIS); repeatable."),
        click.option("--collection", multiple=True, metavar="NAME",
                     help="Only this collection (HST, TESS...); repeatable."),
        click.option("--where", metavar="SQL",
                     help="Any SQL condition over the observations view."),
    ]  # fmt: skip
    for option in options:
        func = option(func)
    return func


def coverage_from_options(
    where: str | None,
    collection: tuple[str, ...],
    instrument: tuple[str, ...],
    start: str | None,
    end: str | None,
    order: int | None,
) -> CacheCoverage:
    """The coverage the shared options ask for, over the current settings' cache."""
    from mastcache.runtime import current_settings
    from mastcache.skycoverage import DEFAULT_ORDER
    from mastcache.skycoverage import coverage as build

    return build(
        where,
        collection=collection,
        instrument=instrument,
        start=_time(start),
        end=_time(end),
        order=DEFAULT_ORDER if order is None else order,
        settings=current_settings(),
    )


def _time(text: str | None) -> float | str | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


@click.command(epilog=_EPILOG)
@click.option("--moc", "moc_file", type=click.Path(dir_okay=False),
              help="Write the coverage as a MOC FITS file (Aladin, mocpy).")  # fmt: skip
@selection_options
@format_options
def coverage(
    moc_file: str | None,
    where: str | None,
    collection: tuple[str, ...],
    instrument: tuple[str, ...],
    start: str | None,
    end: str | None,
    order: int | None,
    fmt: str,
    output: str | None,
) -> None:
    """Sky coverage of the cached observations' footprints (a MOC), per collection.

    Prints the sky fraction and the observations and products behind it; --moc writes the
    MOC. Needs mocpy: pip install 'mastcache[plot]'.
    """
    result = coverage_from_options(where, collection, instrument, start, end, order)
    if moc_file:
        result.save(moc_file)
    emit_table(_collections_table(result), fmt, output)
    if fmt == "table" and output is None:
        click.echo(f"\n{result.summary()}")
        if moc_file:
            click.echo(f"MOC written to {moc_file}")


def _collections_table(result: CacheCoverage) -> Any:
    import pyarrow as pa

    rows = result.collections
    return pa.table(
        {
            "collection": pa.array([c.name for c in rows], pa.string()),
            "observations": pa.array([c.observations for c in rows], pa.int64()),
            "sky_fraction": pa.array([float(c.moc.sky_fraction) for c in rows], pa.float64()),
            "square_degrees": pa.array(
                [float(c.moc.sky_fraction) * 41252.96125 for c in rows], pa.float64()
            ),
        }
    )
