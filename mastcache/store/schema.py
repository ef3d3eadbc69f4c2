"""Alembic glue: where the migrations are, which revision a catalog is at, upgrading it.

The revisions live in the top-level ``migrations/`` folder, installed as the package
``mastcache._migrations``; a source checkout without that mapping falls back to the folder
beside the package. No ``alembic.ini`` is needed: the config is built here.
"""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from mastcache.errors import SchemaOutdatedError, StoreError
from mastcache.settings import Settings
from mastcache.store.engine import READ_ONLY, catalog_url, make_engine
from mastcache.store.schemacheck import is_current, migrations_dir

_ALEMBIC_LOCK = threading.Lock()

__all__ = [
    "alembic_config",
    "current",
    "ensure_current",
    "ensure_current_read_only",
    "head",
    "migrations_dir",
    "needs_upgrade",
    "upgrade",
]

UPGRADE_HINT = "run `mastcache db upgrade` (back up the cache directory first if it matters)"


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config over :func:`migrations_dir`, using ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision this mastcache knows."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if revision is None:
        raise StoreError("the Alembic migrations have no revisions; reinstall mastcache")
    return revision


def current(settings: Settings) -> str | None:
    """The catalog's revision (``None`` for an empty or missing catalog)."""
    url = catalog_url(settings)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return None  # do not create a catalog just to look at it
    engine = make_engine(settings)
    try:
        with engine.connect() as connection:
            return _revision(connection)
    finally:
        engine.dispose()


def upgrade(settings: Settings, revision: str = "head") -> str:
    """Upgrade the catalog to ``revision``; returns the revision it is now at."""
    Path(settings.cache_dir).mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            _run_upgrade(connection, revision)
        with engine.connect() as connection:
            return _revision(connection) or ""
    finally:
        engine.dispose()


def ensure_current(engine: Engine) -> str:
    """Create a new catalog at head, or check that an existing one is at head.

    An older catalog raises :class:`SchemaOutdatedError` naming ``mastcache db upgrade``;
    one made by a newer mastcache raises :class:`StoreError`.
    """
    newest = head()
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        found = _revision(connection)
    if found is None:
        found = _create(engine)
    if not _same_schema(engine, found, newest):
        raise _mismatch(engine, found, newest)
    assert found is not None
    return found


def needs_upgrade(found: str | None, newest: str, dialect: str) -> bool:
    """Whether a catalog of ``dialect`` at ``found`` lacks part of ``newest``'s schema
    (revisions limited to other dialects do not count; schemacheck.is_current)."""
    return found != newest and not is_current(found, dialect)


def _same_schema(engine: Engine, found: str | None, newest: str) -> bool:
    return not needs_upgrade(found, newest, engine.dialect.name)


def ensure_current_read_only(engine: Engine, where: str) -> str:
    """Check, without writing, that the catalog ``where`` (opened read-only) is at head."""
    newest = head()
    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        found = _revision(connection)
    if found is None:
        raise StoreError(
            f"the cache catalog {where} holds no mastcache schema, and the cache is read-only "
            "here so it cannot be created; point --cache-dir / MASTCACHE_DIR at a prepared cache"
        )
    if not _same_schema(engine, found, newest):
        error = _mismatch(engine, found, newest)
        message = str(error).replace(engine.url.render_as_string(hide_password=True), where)
        raise type(error)(
            f"{message} (the cache is read-only here: upgrade it where it is writable)"
        )
    return found


def _create(engine: Engine) -> str | None:
    """Build the schema at head, unless a concurrent process did it first."""
    with engine.begin() as connection:  # BEGIN IMMEDIATE: one creator at a time
        found = _revision(connection)
        if found is None:
            _refuse_foreign(connection, engine)
            _run_upgrade(connection, "head")
            found = _revision(connection)
    return found


def _run_upgrade(connection: Connection, revision: str) -> None:
    """Alembic's ``command.upgrade`` under a process-wide lock: Alembic installs its context in
    module globals, so two threads creating catalogs at once broke each other's migration."""
    with _ALEMBIC_LOCK:
        command.upgrade(alembic_config(connection), revision)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _refuse_foreign(connection: Connection, engine: Engine) -> None:
    tables = set(inspect(connection).get_table_names())
    if tables - {"alembic_version"}:
        raise StoreError(
            f"the catalog {engine.url.render_as_string(hide_password=True)} holds tables "
            f"({', '.join(sorted(tables))}) but no mastcache schema revision: it is not a "
            "mastcache catalog; point MASTCACHE_DIR at another directory"
        )


def _mismatch(engine: Engine, found: str | None, newest: str) -> StoreError:
    where = engine.url.render_as_string(hide_password=True)
    known = {script.revision for script in _scripts().walk_revisions()}
    if found in known:
        return SchemaOutdatedError(
            f"the cache catalog {where} is at schema revision {found}, but this mastcache "
            f"needs {newest}: {UPGRADE_HINT}"
        )
    return StoreError(
        f"the cache catalog {where} is at schema revision {found}, which this mastcache "
        f"(newest revision {newest}) does not know: it was made by a newer mastcache; "
        "upgrade mastcache or use another cache directory"
    )


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())
