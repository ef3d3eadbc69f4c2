"""``mastcache cache push|pull``: copy entries between the personal and the team cache;
``mastcache cache team grant|revoke|scope``: who may read results shared with a scope.

The personal cache is the local one (``--cache-dir``: SQLite and files in that directory);
the team cache is a catalog URL plus a store URL (``--team-catalog``/``--team-store``, or
``MASTCACHE_CATALOG_URL``/``MASTCACHE_STORE_URL``). See docs/team-mode.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from mastcache.errors import ConfigurationError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.settings import Settings
    from mastcache.store.transfer import TransferReport

__all__ = ["pull", "push", "team"]


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
        + (
            f"; {report.private} entries fetched under a login stayed here (not shared "
            "with their scope: see MASTCACHE_SHARE_SCOPED in docs/team-mode.md)"
            if report.private
            else ""
        )
    )


@click.group()
def team() -> None:
    """Share results fetched under a MAST login with the members of their scope.

    A member who sets MASTCACHE_SHARE_SCOPED=1 publishes such results to the team cache,
    readable only by the database roles granted the scope (PostgreSQL row-level security)
    and stored under the scope's bucket prefix. See docs/team-mode.md.
    """


def _scope_arguments(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option(
        "--team-catalog",
        metavar="URL",
        help="The team catalog, as a role that may create roles (default: MASTCACHE_CATALOG_URL).",
    )(command)
    command = click.argument("roles", nargs=-1, required=True)(command)
    return click.argument("scope")(command)


@team.command()
@_scope_arguments
def grant(scope: str, roles: tuple[str, ...], team_catalog: str | None) -> None:
    """Let database ROLES read and write the results of SCOPE.

    SCOPE is a member's identity scope (user:..., printed by `mastcache auth status`);
    ROLES are existing PostgreSQL roles. Creates the scope's role (mc_scope_...) if needed.
    """
    from mastcache.store.scopes import grant_scope, scope_prefix

    role = _administer(scope, team_catalog, lambda c: grant_scope(c, scope, list(roles)))
    click.echo(
        f"granted {role} to {', '.join(roles)}; their bucket credentials need the prefix "
        f"{scope_prefix(scope)} under the team store"
    )


@team.command()
@_scope_arguments
def revoke(scope: str, roles: tuple[str, ...], team_catalog: str | None) -> None:
    """Stop database ROLES from reading the results of SCOPE (revoke the scope's role)."""
    from mastcache.store.scopes import revoke_scope

    role = _administer(scope, team_catalog, lambda c: revoke_scope(c, scope, list(roles)))
    click.echo(f"revoked {role} from {', '.join(roles)}")


@team.command(name="scope")
@click.argument("scope")
def show_scope(scope: str) -> None:
    """Print SCOPE's database role and bucket prefix (for grants and bucket policies)."""
    from mastcache.store.scopes import scope_prefix, scope_role

    _check_scope(scope)
    click.echo(
        f"scope {scope}: database role {scope_role(scope)}, bucket prefix {scope_prefix(scope)}"
    )


def _check_scope(scope: str) -> None:
    import re

    if not re.fullmatch(r"user:[0-9a-f]{32}", scope):
        raise ConfigurationError(
            f"{scope!r} is not a login's identity scope: expected user: and 32 hex digits, as "
            "`mastcache auth status` prints it (anonymous results are readable by everyone)"
        )


def _administer(scope: str, team_catalog: str | None, action: Callable[[Any], str]) -> str:
    """Run ``action`` on a connection to the team catalog, in one transaction."""
    from sqlalchemy.exc import SQLAlchemyError

    from mastcache.runtime import current_settings
    from mastcache.store.engine import catalog_url, make_engine
    from mastcache.store.outage import first_line

    _check_scope(scope)
    url = team_catalog or current_settings().catalog_url
    settings = current_settings().new(catalog_url=url)
    if not url or catalog_url(settings).get_backend_name() != "postgresql":
        raise ConfigurationError(
            "scopes are enforced by a PostgreSQL team catalog: pass --team-catalog "
            "postgresql+psycopg://admin@host/db or set MASTCACHE_CATALOG_URL"
        )
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            return action(connection)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"could not change the members of scope {scope}: {first_line(exc)}; run this as "
            "the team's admin (a role with CREATEROLE) and name existing database roles"
        ) from exc
    finally:
        engine.dispose()
