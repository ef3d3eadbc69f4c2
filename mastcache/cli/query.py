"""``mastcache resolve`` and ``mastcache query``: observations and names from the shell.

Both are thin layers over :data:`mastcache.Observations` and :data:`mastcache.Mast`; what
they fetch lands in the same cache the Python API reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import click

from mastcache.cli.auth import account_option
from mastcache.cli.output import emit_table, format_options
from mastcache.errors import InvalidQueryError

__all__ = ["parse_criteria", "parse_radius", "query", "resolve"]


def _number(text: str, item: str) -> float:
    try:
        number = float(text)
        if not math.isfinite(number):
            raise ValueError(text)
        return number
    except ValueError:
        raise InvalidQueryError(
            f"criterion {item!r}: {text!r} is not a number; a range is MIN..MAX with numbers, "
            "e.g. t_exptime=100..500"
        ) from None


def _criterion_value(value: str, item: str) -> Any:
    """``a,b`` is a list, ``MIN..MAX`` a range, anything else a single value."""
    if ".." in value:
        return _range(value, item)
    if "," in value:
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _range(value: str, item: str) -> list[float]:
    """``MIN..MAX``: two numbers, MIN <= MAX; anything else is refused (never dropped)."""
    low, _, high = (part.strip() for part in value.partition(".."))
    if not (low and high) or ".." in high:
        raise InvalidQueryError(
            f"criterion {item!r}: a range is MIN..MAX with both ends, e.g. t_exptime=100..500"
        )
    bounds = [_number(low, item), _number(high, item)]
    if bounds[0] > bounds[1]:
        raise InvalidQueryError(
            f"criterion {item!r}: the range is empty ({low} is more than {high}); "
            "write MIN..MAX, e.g. t_exptime=100..500"
        )
    return bounds


def parse_radius(text: str) -> Any:
    """``--radius``: an angle with a unit ('3 arcmin', '0.2 deg') or a number of degrees,
    greater than 0 and at most 180 degrees."""
    from astropy import units as u

    accepted = "an angle such as '0.2 deg', '3 arcmin', '10 arcsec' or a number of degrees"
    try:
        value = u.Quantity(text)
    except (ValueError, TypeError):
        raise click.BadParameter(f"{text!r} is not {accepted}", param_hint="'--radius'") from None
    if value.unit == u.dimensionless_unscaled:
        value = value.value * u.deg
    if not value.unit.is_equivalent(u.deg) or not value.isscalar:
        raise click.BadParameter(f"{text!r} is not {accepted}", param_hint="'--radius'")
    degrees = float(value.to_value(u.deg))
    if not 0 < degrees <= 180:  # also refuses nan
        raise click.BadParameter(
            f"{text!r} is outside the accepted radii: more than 0 and at most 180 deg",
            param_hint="'--radius'",
        )
    return value


def _pick_columns(result: Any, columns: str) -> Any:
    """The ``--columns`` of ``result``, by name (as given, else case-insensitively)."""
    names = list(result.colnames)
    lower = {name.lower(): name for name in names}
    chosen = []
    for given in (part.strip() for part in columns.split(",")):
        if not given:
            continue
        name = given if given in names else lower.get(given.lower())
        if name is None:
            shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
            raise click.BadParameter(
                f"no column {given!r} in the result; it has {shown}",
                param_hint="'--columns'",
            )
        chosen.append(name)
    if not chosen:
        raise click.BadParameter(
            "give column names, e.g. obsid,target_name", param_hint="'--columns'"
        )
    return result[chosen]


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
        source = resolver.upper() if resolver else _answering_resolver(name)
        answers = found if isinstance(found, dict) else {source: found}
        for source, coord in answers.items():
            rows.append((name, source, float(coord.ra.deg), float(coord.dec.deg)))
    table = Table(
        rows=rows, names=("name", "resolver", "ra", "dec"), dtype=(str, str, float, float)
    )
    emit_table(table, fmt, output)


def _answering_resolver(name: str) -> str:
    """Which resolver gave the position of ``name`` (asked without --resolver): the first
    stored entry's, as astroquery uses the first entry. Blank only if it was not stored."""
    from mastcache.auth.account import active_scope
    from mastcache.runtime import current_settings
    from mastcache.store import Store

    with Store.open(current_settings()) as store:
        for scope in dict.fromkeys((active_scope() or "anonymous", "anonymous")):
            record = store.get_resolution(name, None, False, scope)
            if record is not None and record.entries:
                return str(record.entries[0].get("resolver") or "")
    return ""


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
    if region and objectname:
        raise click.UsageError("give --region or --object, not both")
    radius_q = parse_radius(radius)
    result = _run_query(_position(region), objectname, radius_q, parse_criteria(criteria), count)
    if count:
        click.echo(str(result))
        return
    if columns:
        result = _pick_columns(result, columns)
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
