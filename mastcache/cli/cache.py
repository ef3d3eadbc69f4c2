"""``mastcache cache``: stats, verify, prune and clear the local cache, and map its coverage."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click

from mastcache.cli.coverage import coverage_from_options, selection_options
from mastcache.cli.output import emit_table, format_options
from mastcache.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.settings import Settings

__all__ = ["cache", "parse_size"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def parse_size(text: str) -> int:
    """Bytes in ``text``: ``500MB``, ``10GB``, ``2GiB``, ``1048576``."""
    match = _SIZE.match(text)
    if match is None:
        raise ConfigurationError(
            f"cannot read size {text!r}: expected a number with an optional unit such as "
            "500MB, 10GB or 2GiB"
        )
    unit = match.group(2).lower()
    binary = "i" in unit
    factor = 1024 ** "bkmgt".index(unit[0]) if binary else _UNITS[unit.rstrip("b")[:1]]
    return int(float(match.group(1)) * factor)


def _age(text: str, parse: Callable[[str], float]) -> timedelta:
    """``--older-than``: a finite age ('30d', '12h'); 'never' would prune nothing."""
    seconds = parse(text)
    if seconds == float("inf"):
        raise click.BadParameter(
            f"{text!r} is not an age: expected e.g. 30d, 12h or 2w", param_hint="'--older-than'"
        )
    return timedelta(seconds=seconds)


def _human(nbytes: float) -> str:
    from mastcache.stats import human_bytes  # one spelling of sizes, imported when printing

    return human_bytes(nbytes)


def _settings() -> Settings:
    from mastcache.runtime import current_settings

    return current_settings()


@click.group()
@click.pass_context
def cache(ctx: click.Context) -> None:
    """Inspect and maintain the local cache."""
    if ctx.invoked_subcommand != "stats":  # stats defers it itself, when it needs pyarrow
        from mastcache.cli.lean import defer_pandas_probe

        defer_pandas_probe()


@cache.command()
@format_options
def stats(fmt: str, output: str | None) -> None:
    """Entries, rows, bytes, hits and misses per service, plus files and resolutions."""
    from mastcache.stats import cache_stats

    report = cache_stats(_settings())
    rows = [(s.service, s.kind, s.entries, s.rows, s.bytes, s.hits, s.misses)
            for s in report.services]  # fmt: skip
    names = ("service", "kind", "entries", "rows", "bytes", "hits", "misses")
    if fmt == "table" and not sys.stdout.isatty():  # astropy's layout without astropy
        # (cli/texttable.py); a terminal gets astropy's, which fits the table to its width
        from mastcache.cli.output import emit_text
        from mastcache.cli.texttable import render

        columns = [list(column) for column in zip(*rows, strict=True)] or [[] for _ in names]
        emit_text(render(names, columns), output)
    else:
        from astropy.table import Table

        from mastcache.cli.lean import defer_pandas_probe

        defer_pandas_probe()  # csv, json, files: pyarrow, without its pandas probe
        dtype = (str, str, int, int, int, int, int)
        table = (
            Table(rows=rows, names=names, dtype=dtype) if rows else Table(names=names, dtype=dtype)
        )
        emit_table(table, fmt, output)
    if fmt == "table" and output is None:
        click.echo(
            f"\n{report.resolutions} resolutions, {report.files} files "
            f"({_human(report.file_bytes)}), HTTP cache {_human(report.http_cache_bytes)}, "
            f"catalog {_human(report.catalog_bytes)}; {_human(report.total_bytes)} in "
            f"{report.cache_dir}"
        )


@cache.command()
@click.option(
    "--repair",
    is_flag=True,
    help="Repair what is damaged or missing: in a team cache, re-upload it from this "
    "machine's verified copy when there is one; else fetch an intact file from MAST (needs "
    "the network) or drop a damaged result (fetched again on its next use).",
)
def verify(repair: bool) -> None:
    """Rehash every cached result and downloaded file; exit 1 if any is damaged or missing
    (with --repair: if any could not be repaired)."""
    from mastcache.maintenance import repair_cache, verify_cache

    settings = _settings()
    problems = verify_cache(settings, repair=repair)
    for problem in problems:
        click.echo(
            f"{problem.state.upper()} {problem.kind} {problem.identifier}: {problem.path}: "
            f"{problem.problem}"
        )
    if problems and repair:
        repairs = repair_cache(settings, problems)
        for done in repairs:
            verdict = "repaired" if done.repaired else "NOT repaired"
            click.echo(f"{verdict} {done.problem.kind} {done.problem.identifier}: {done.detail}")
        if all(done.repaired for done in repairs):
            click.echo(f"cache repaired: {len(repairs)} problem(s) fixed")
            return
    if problems:
        if not repair:
            click.echo("run `mastcache cache verify --repair` to fetch intact copies", err=True)
        raise click.exceptions.Exit(1)
    click.echo("cache verified: every result and file matches its recorded hash")


@cache.command()
@click.option("--expired", is_flag=True, help="Remove entries past their time to live.")
@click.option("--older-than", metavar="AGE", help="Remove entries fetched longer ago (30d).")
@click.option("--max-size", metavar="SIZE", help="Evict the oldest until the cache fits (10GB).")
@click.option("--dry-run", is_flag=True, help="Only show what would be removed.")
@click.option("--team", is_flag=True, help="Required to prune a team cache (every member's).")
def prune(
    expired: bool, older_than: str | None, max_size: str | None, dry_run: bool, team: bool
) -> None:
    """Remove expired, old, or over-budget entries, never leaving a dangling row.

    On a team cache (MASTCACHE_CATALOG_URL/MASTCACHE_STORE_URL) it needs --team, and it also
    sweeps objects no row points to (left by writers that died before their commit)."""
    from mastcache.maintenance import prune_cache
    from mastcache.settings import parse_duration

    if not (expired or older_than or max_size):
        raise click.UsageError("say what to prune: --expired, --older-than AGE or --max-size SIZE")
    _guard_team(_settings(), "prune", team, dry_run)
    age = _age(older_than, parse_duration) if older_than else None
    budget = parse_size(max_size) if max_size else None
    report = prune_cache(
        _settings(), expired=expired, older_than=age, max_bytes=budget, dry_run=dry_run
    )
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {len(report.queries)} results, {report.resolutions} resolutions, "
        f"{len(report.files)} files and {report.partials} unfinished downloads "
        f"({_human(report.freed_bytes)})"
    )


@cache.command()
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--team", is_flag=True, help="Required to clear a team cache (every member's).")
def clear(yes: bool, team: bool) -> None:
    """Remove everything cached (results, resolutions, manifests, files, HTTP pages).

    On a team cache it needs --team: it removes every member's shared results and files."""
    from mastcache.maintenance import clear_cache

    settings = _settings()
    _guard_team(settings, "clear", team, False)
    if not yes and not click.confirm(f"Remove everything cached in {_where(settings)}?"):
        click.echo("cache clear cancelled: nothing was removed", err=True)
        raise click.exceptions.Exit(1)
    report = clear_cache(settings)
    click.echo(
        f"removed {len(report.queries)} results, {report.resolutions} resolutions and "
        f"{len(report.files)} files ({_human(report.freed_bytes)})"
    )


def _is_team(settings: Settings) -> bool:
    return bool(settings.catalog_url or settings.store_url)


def _where(settings: Settings) -> str:
    """What a removal empties: the cache directory, or the team cache by name."""
    if not _is_team(settings):
        return str(settings.cache_dir)
    from mastcache.store.engine import catalog_url

    catalog = catalog_url(settings).render_as_string(hide_password=True)
    store = settings.store_url or settings.cache_dir
    return (
        f"the TEAM cache shared by every member (catalog {catalog}, store {store}) and "
        f"this machine's copies in {settings.cache_dir}"
    )


def _guard_team(settings: Settings, command: str, team: bool, dry_run: bool) -> None:
    """A team cache is only cleared or pruned when the member says --team."""
    if _is_team(settings) and not team and not dry_run:
        raise click.UsageError(
            f"this is a team cache ({settings.store_url or settings.catalog_url}): `cache "
            f"{command}` would remove every member's entries; pass --team to do that, or unset "
            "MASTCACHE_CATALOG_URL and MASTCACHE_STORE_URL to work on this machine's cache"
        )


@cache.command(
    "map",
    epilog="""\b
Examples:
  mastcache cache map -o cache.png
  mastcache cache map --collection HST --where "t_exptime > 1000" -o hst.svg
""",
)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Image file to write: .png, .svg or .pdf.")  # fmt: skip
@click.option("--title", help="Title of the map (default: what it shows, with counts).")
@selection_options
def cache_map(output: str, title: str | None, **selection: Any) -> None:
    """Draw an all-sky map of the cached coverage, coloured by collection (needs mocpy and
    matplotlib: pip install 'mastcache[plot]')."""
    from mastcache.skycoverage.skymap import image_format, save_map

    image_format(output)  # a wrong suffix fails before any work
    save_map(coverage_from_options(**selection), output, title=title)
    click.echo(f"map written to {output}")


from mastcache.cli.cache_team import pull, push, team  # noqa: E402

cache.add_command(push)
cache.add_command(pull)
cache.add_command(team)
