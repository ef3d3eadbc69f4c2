"""``mastcache resolve`` and ``mastcache query``: observations and names from the shell.

Both are thin layers over :data:`mastcache.Observations` and :data:`mastcache.Mast`; what
they fetch lands in the same cache the Python API reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import click

from mastcache.cli.auth import account_option
from mastcache.cli.output import emit_table, format_options
from mastcache.errors import InvalidQueryError

__all__ = ["parse_criteria", "query", "resolve"]

_RANGE = re.compile(r"^\s*(-?[\d.eE+-]*)\s*\.\.\s*(-?[\d.eE+-]*)\s*$")


def _number(text: str, item: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidQueryError(
            f"criterion {item!r}: {text!r} is not a number (ranges are written MIN..MAX)"
        ) from None


def _criterion_value(value: str, item: str) -> Any:
    """``a,b`` is a list, ``MIN..MAX`` a range, anything else a single value."""
    match = _RANGE.match(value)
    if match and (match.group(1) or match.group(2)):
        low, high = match.group(1), match.group(2)
        if not (low and high):
            raise InvalidQueryError(
                f"criterion {item!r}: a range needs both ends, e.g. t_exptime=100..500"
            )
        return [_number(low, item), _number(high, item)]
    if "," in value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def parse_criteria(items: Sequence[str]) -> dict[str, Any]:
    """Turn ``KEY=VALUE`` arguments into astroquery-style criteria keywords."""
    criteria: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidQueryError(
                f"cannot read criterion {item!r}: expected KEY=VALUE, e.g. "
                "obs_collection=HST,JWST or t_exptime=100..500"
            )
        criteria[key.strip()] = _criterion_value(value.strip(), item)
    return criteria


def _position(region: str | None) -> Any:
    if region is None:
        return None
    from astropy.coordinates import SkyCoord

    try:
        return SkyCoord(region, unit="deg") if _looks_numeric(region) else SkyCoord(region)
    except (ValueError, TypeError) as exc:
        raise InvalidQueryError(
            f"cannot read position {region!r}: give 'RA DEC' in degrees (e.g. '210.8 54.35') "
            "or sexagesimal ('14h03m12s +54d20m56s')"
        ) from exc


def _looks_numeric(text: str) -> bool:
    return all(_is_float(part) for part in text.replace(",", " ").split())


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@click.command()
@account_option("Mast")
@click.argument("names", nargs=-1, required=True)
@click.option("--resolver", type=click.Choice(["SIMBAD", "NED"], case_sensitive=False))
@click.option("--all", "resolve_all", is_flag=True, help="Show every resolver's answer.")
@format_options
def resolve(
    names: tuple[str, ...], resolver: str | None, resolve_all: bool, fmt: str, output: str | None
) -> None:
    """Resolve object NAMES to sky positions (cached; works offline once resolved).

    Example: mastcache resolve M101 "Barnard's Star" --resolver SIMBAD
    """
    from astropy.table import Table

    from mastcache.client import Mast

    rows: list[tuple[str, str, float, float]] = []
    for name in names:
        found = Mast.resolve_object(
            name, resolver=resolver.upper() if resolver else None, resolve_all=resolve_all
        )
        answers = found if isinstance(found, dict) else {resolver or "": found}
        for source, coord in answers.items():
            rows.append((name, source, float(coord.ra.deg), float(coord.dec.deg)))
    table = Table(
        rows=rows, names=("name", "resolver", "ra", "dec"), dtype=(str, str, float, float)
    )
    emit_table(table, fmt, output)


@click.command()
@account_option("Observations")
@click.option("--region", metavar="'RA DEC'", help="Cone centre: degrees or sexagesimal.")
@click.option("--object", "objectname", metavar="NAME", help="Cone around a named object.")
@click.option("--radius", default="0.2 deg", show_default=True, help="Cone radius with unit.")
@click.option(
    "--criteria",
    "-c",
    multiple=True,
    metavar="KEY=VALUE",
    help="Criterion; VALUE may be a list a,b,c or a range MIN..MAX. Repeatable.",
)
@click.option("--count", is_flag=True, help="Print only the number of matching observations.")
@click.option("--columns", help="Comma-separated columns to show (default: all).")
@format_options
def query(
    region: str | None,
    objectname: str | None,
    radius: str,
    criteria: tuple[str, ...],
    count: bool,
    columns: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Query MAST observations by region, object or criteria (cached).

    Examples: mastcache query --object M101 --radius "3 arcmin";
    mastcache query -c obs_collection=TESS -c t_exptime=100..2000 --count
    """
    from astropy import units as u

    if region and objectname:
        raise click.UsageError("give --region or --object, not both")
    try:
        radius_q = u.Quantity(radius)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(f"{radius!r} is not an angle such as '0.2 deg'") from exc
    result = _run_query(_position(region), objectname, radius_q, parse_criteria(criteria), count)
    if count:
        click.echo(str(result))
        return
    if columns:
        result = result[[name.strip() for name in columns.split(",")]]
    emit_table(result, fmt, output)


def _run_query(
    position: Any, objectname: str | None, radius: Any, criteria: dict[str, Any], count: bool
) -> Any:
    from mastcache.client import Observations

    if criteria:
        if position is not None:
            criteria["coordinates"] = position
            criteria["radius"] = radius
        elif objectname:
            criteria["objectname"] = objectname
            criteria["radius"] = radius
        if count:
            return Observations.query_criteria_count(**criteria)
        return Observations.query_criteria(**criteria)
    if position is not None:
        if count:
            return Observations.query_region_count(position, radius=radius)
        return Observations.query_region(position, radius=radius)
    if objectname:
        if count:
            return Observations.query_object_count(objectname, radius=radius)
        return Observations.query_object(objectname, radius=radius)
    raise click.UsageError("give --region, --object or at least one --criteria")
