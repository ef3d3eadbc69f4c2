"""``mastcache db``: the cache catalog's schema revision, and upgrading it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

__all__ = ["db"]


@contextmanager
def _catalog_errors(where: str) -> Iterator[None]:
    """A database that is down or refuses us: one line, never a driver traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from mastcache.errors import StoreError
    from mastcache.store.outage import catalog_unavailable, first_line, is_catalog_unreachable

    try:
        yield
    except SQLAlchemyError as exc:
        if is_catalog_unreachable(exc):
            raise catalog_unavailable(where, exc) from exc
        raise StoreError(
            f"cannot read the schema of the catalog {where}: {first_line(exc)}; check "
            "MASTCACHE_CATALOG_URL and the database role's rights"
        ) from exc


@click.group()
def db() -> None:
    """Manage the cache catalog schema: upgrade, current."""


@db.command()
def upgrade() -> None:
    """Upgrade the cache catalog to the schema this mastcache needs.

    Safe to run more than once and while nothing else writes the cache. A new cache
    directory is created at the newest revision.
    """
    from mastcache.runtime import current_settings
    from mastcache.store import schema
    from mastcache.store.engine import catalog_url

    settings = current_settings()
    where = catalog_url(settings).render_as_string(hide_password=True)
    with _catalog_errors(where):
        before = schema.current(settings)
        after = schema.upgrade(settings)
    if before == after:
        click.echo(f"{where}: already at schema revision {after} (head)")
    else:
        click.echo(f"{where}: upgraded schema from {before or 'empty'} to {after}")


@db.command()
def current() -> None:
    """Show the cache catalog's schema revision and whether it needs an upgrade."""
    from mastcache.runtime import current_settings
    from mastcache.store import schema
    from mastcache.store.engine import catalog_url

    settings = current_settings()
    where = catalog_url(settings).render_as_string(hide_password=True)
    with _catalog_errors(where):
        found, newest = schema.current(settings), schema.head()
    if found == newest:
        state = "up to date"
    elif not schema.needs_upgrade(found, newest, catalog_url(settings).get_backend_name()):
        state = "up to date (newer revisions change only other databases)"
    elif found is None:
        state = "empty: created at the newest revision on first use"
    else:
        state = "outdated: run `mastcache db upgrade`"
    click.echo(f"catalog:  {where}")
    click.echo(f"revision: {found or 'none'} (head: {newest}) - {state}")
