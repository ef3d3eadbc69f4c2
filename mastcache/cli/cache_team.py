"""``mastcache cache push|pull``: copy entries between the personal and the team cache.

The personal cache is the local one (``--cache-dir``: SQLite and files in that directory);
the team cache is a catalog URL plus a store URL (``--team-catalog``/``--team-store``, or
``MASTCACHE_CATALOG_URL``/``MASTCACHE_STORE_URL``). See docs/team-mode.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mastcache.errors import ConfigurationError

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.settings import Settings
    from mastcache.store.transfer import TransferReport

__all__ = ["pull", "push"]


def team_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--team-catalog`` and ``--team-store``, defaulting to the team-mode variables."""
    command = click.option(
        "--team-store",
        metavar="URL",
        help="Team object store: s3://bucket/prefix or a shared directory "
        "(default: MASTCACHE_STORE_URL).",
    )(command)
    command = click.option(
        "--team-catalog",
        metavar="URL",
        help="Team catalog, e.g. postgresql+psycopg://user@host/db "
        "(default: MASTCACHE_CATALOG_URL).",
    )(command)
    return click.argument("keys", nargs=-1)(command)


@click.command()
@team_options
def push(keys: tuple[str, ...], team_catalog: str | None, team_store: str | None) -> None:
    """Copy results from the personal cache to the team cache.

    Copies every entry (or only the query KEYS given) and every downloaded product file,
    verifying sizes and sha256 hashes; an entry the team cache already holds as new or
    newer is kept as it is.
    """
    personal, team = _both(team_catalog, team_store)
    _echo("pushed", _run(personal, team, keys))


@click.command()
@team_options
def pull(keys: tuple[str, ...], team_catalog: str | None, team_store: str | None) -> None:
    """Copy results from the team cache into the personal cache (then usable offline).

    Copies every entry (or only the query KEYS given) and every product file, verifying
    sizes and sha256 hashes; an entry the personal cache already holds as new or newer is
    kept as it is.
    """
    personal, team = _both(team_catalog, team_store)
    _echo("pulled", _run(team, personal, keys))


def _both(team_catalog: str | None, team_store: str | None) -> tuple[Settings, Settings]:
    """The personal (local) settings and the team settings."""
    from mastcache.runtime import current_settings

    settings = current_settings()
    catalog = team_catalog or settings.catalog_url
    store = team_store or settings.store_url
    if not catalog or not store:
        raise ConfigurationError(
            "no team cache given: pass --team-catalog URL and --team-store URL, or set "
            "MASTCACHE_CATALOG_URL and MASTCACHE_STORE_URL (see docs/team-mode.md)"
        )
    personal = settings.new(catalog_url=None, store_url=None)
    return personal, settings.new(catalog_url=catalog, store_url=store)


def _run(source: Settings, target: Settings, keys: tuple[str, ...]) -> TransferReport:
    from mastcache.store import Store
    from mastcache.store.transfer import transfer

    with Store.open(source) as from_store, Store.open(target) as to_store:
        return transfer(from_store, to_store, keys or None)


def _echo(verb: str, report: TransferReport) -> None:
    click.echo(
        f"{verb} {len(report.copied)} results, kept {len(report.kept)} that were as new or "
        f"newer; {report.resolutions} resolutions, {report.products} product manifest rows, "
        f"{report.files} product files; restored {len(report.restored)} missing objects"
    )
