"""The catalog's SQLAlchemy engine: SQLite in the cache directory by default.

SQLite specifics (WAL, busy timeout, ``BEGIN IMMEDIATE`` writers, foreign keys) are isolated
in :func:`_configure_sqlite`, so a PostgreSQL ``settings.catalog_url`` plugs in unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

from mastcache.settings import Settings

__all__ = ["BUSY_TIMEOUT_S", "CATALOG_FILENAME", "READ_ONLY", "catalog_url", "make_engine"]

CATALOG_FILENAME = "catalog.sqlite"
BUSY_TIMEOUT_S = 30.0
#: Execution option marking a transaction that only reads: it may begin DEFERRED.
READ_ONLY = "mastcache_read_only"


def catalog_url(settings: Settings) -> URL:
    """``settings.catalog_url`` if set (team mode), else ``catalog.sqlite`` in the cache dir."""
    if settings.catalog_url:
        return make_url(settings.catalog_url)
    path = Path(settings.cache_dir) / CATALOG_FILENAME
    return URL.create("sqlite+pysqlite", database=str(path))


def make_engine(settings: Settings) -> Engine:
    """A new engine on the catalog; the caller disposes of it."""
    url = catalog_url(settings)
    if url.get_backend_name() == "sqlite":
        return _configure_sqlite(
            create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        )
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> Engine:
    """WAL, busy timeout, foreign keys, and SQLAlchemy-issued BEGIN (IMMEDIATE for writers).

    pysqlite's own deferred BEGIN lets two read-then-write transactions deadlock into
    ``database is locked`` (DESIGN.md section 11); the begin-event recipe takes the write
    lock up front instead, and waits for it under the busy timeout.
    """
    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
