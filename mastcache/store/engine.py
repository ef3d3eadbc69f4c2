"""The catalog's SQLAlchemy engine: SQLite in the cache directory by default, PostgreSQL
in team mode (``settings.catalog_url``, DESIGN.md section 10).

Both give the repositories one guarantee: a writing transaction runs alone. SQLite takes the
write lock up front (``BEGIN IMMEDIATE``, :func:`_configure_sqlite`); PostgreSQL takes one
transaction-level advisory lock at BEGIN (:func:`_configure_postgresql`), so read-then-write
units (``get`` then insert) from many machines never race into duplicate keys. Read-only
transactions (:data:`READ_ONLY`) take no lock on either backend.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from mastcache.access import is_read_only_dir
from mastcache.settings import Settings

if TYPE_CHECKING:  # SQLAlchemy is imported when an engine is made, not before
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

__all__ = [
    "BUSY_TIMEOUT_S",
    "CATALOG_FILENAME",
    "READ_ONLY",
    "WRITER_LOCK_ID",
    "catalog_identity",
    "catalog_url",
    "is_read_only_dir",
    "is_sqlite",
    "make_engine",
    "may_write",
    "read_only_uri",
    "sqlite_catalog_path",
    "sqlite_read_only",
]

CATALOG_FILENAME = "catalog.sqlite"
BUSY_TIMEOUT_S = 30.0
#: Execution option marking a transaction that only reads: it may begin DEFERRED.
READ_ONLY = "mastcache_read_only"
#: PostgreSQL advisory lock key held by every writing transaction ("mastcach" in ASCII).
WRITER_LOCK_ID = 0x6D61737463616368


def catalog_url(settings: Settings) -> URL:
    """``settings.catalog_url`` if set (team mode), else ``catalog.sqlite`` in the cache dir."""
    from sqlalchemy.engine import URL, make_url

    if settings.catalog_url:
        return make_url(settings.catalog_url)
    path = Path(settings.cache_dir) / CATALOG_FILENAME
    return URL.create("sqlite+pysqlite", database=str(path))


def sqlite_catalog_path(settings: Settings) -> Path | None:
    """The catalog's SQLite file, or None for another backend (or an in-memory SQLite).

    The default catalog needs no SQLAlchemy to locate: the hot path and ``cache stats`` read
    it with :mod:`sqlite3` alone (store/catalogindex.py).
    """
    if not settings.catalog_url:
        return Path(settings.cache_dir) / CATALOG_FILENAME
    url = catalog_url(settings)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def catalog_identity(settings: Settings) -> str:
    """A string naming the catalog (the same for every Store on it), without SQLAlchemy."""
    path = sqlite_catalog_path(settings)
    return f"sqlite:{path.resolve()}" if path is not None else str(settings.catalog_url)


def sqlite_read_only(settings: Settings) -> bool:
    """Whether the SQLite catalog must be opened read-only: its folder or the file itself
    cannot be written by this process. Always False in team mode (PostgreSQL)."""
    if settings.catalog_url:
        return False
    folder = Path(settings.cache_dir)
    catalog = folder / CATALOG_FILENAME
    if is_read_only_dir(folder):
        return True
    return catalog.is_file() and not os.access(catalog, os.W_OK)


def read_only_uri(path: Path) -> str:
    """The sqlite3 URI that reads ``path`` without writing it or creating a file beside it.

    A WAL catalog needs its ``-shm`` index. If a writer elsewhere has one open (the ``-shm``
    file exists), ``mode=ro`` reads through it and sees that writer's commits. Without one
    (a closed catalog: fully checkpointed, no ``-wal``), SQLite cannot create the index in a
    folder it cannot write, so the file is opened ``immutable=1``: no locks, no ``-shm``.
    That is exact for a read-only mount or a cache nobody writes; a writer that starts later
    is not seen by this (short-lived) reader, which is the price of not writing at all.
    """
    shm = path.with_name(path.name + "-shm")
    query = "mode=ro" if shm.exists() else "mode=ro&immutable=1"
    return f"file:{quote(str(path))}?{query}"


def make_engine(settings: Settings) -> Engine:
    """A new engine on the catalog; the caller disposes of it.

    A catalog this process cannot write is opened read-only (:func:`read_only_uri`).
    """
    from sqlalchemy import create_engine

    url = catalog_url(settings)
    if url.get_backend_name() == "sqlite":
        if sqlite_read_only(settings):
            return _read_only_sqlite(Path(url.database or ""))
        return _configure_sqlite(
            create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
        )
    if url.get_backend_name() == "postgresql":
        return _configure_postgresql(url)
    return create_engine(url, pool_pre_ping=True)


def may_write(engine: Engine, table: str) -> bool:
    """Whether this PostgreSQL role may insert and update ``table`` (a SELECT-only member may
    not); True on other backends and when the question itself fails (the write then says)."""
    if engine.dialect.name != "postgresql":
        return True
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    query = "SELECT has_table_privilege(:t, 'INSERT') AND has_table_privilege(:t, 'UPDATE')"
    try:
        with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
            return bool(connection.execute(text(query), {"t": table}).scalar())
    except SQLAlchemyError:
        return True


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_postgresql(url: URL) -> Engine:
    """A small pool (one cache client needs few connections) and the writer lock at BEGIN.

    ``lock_timeout`` bounds the wait for the lock like SQLite's busy timeout; the per-test
    or per-team schema comes from the URL (``?options=-csearch_path%3Dname``).
    """
    from sqlalchemy import create_engine, event

    options = f"-c lock_timeout={int(BUSY_TIMEOUT_S * 1000)}"
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=4,
        pool_recycle=1800,
        connect_args={"options": _join_options(url, options)},
    )
    event.listen(engine, "begin", _on_postgresql_begin)
    return engine


def _join_options(url: URL, extra: str) -> str:
    given = url.query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    return f"{given} {extra}".strip()


def _on_postgresql_begin(conn: Any) -> None:
    if not conn.get_execution_options().get(READ_ONLY, False):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITER_LOCK_ID})")


def _configure_sqlite(engine: Engine) -> Engine:
    """WAL, busy timeout, foreign keys, and SQLAlchemy-issued BEGIN (IMMEDIATE for writers).

    pysqlite's own deferred BEGIN lets two read-then-write transactions deadlock into
    ``database is locked`` (DESIGN.md section 11); the begin-event recipe takes the write
    lock up front instead, and waits for it under the busy timeout.
    """
    from sqlalchemy import event

    event.listen(engine, "connect", _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _read_only_sqlite(path: Path) -> Engine:
    """An engine that never writes the catalog nor creates a file beside it."""
    from sqlalchemy import create_engine, event

    uri = read_only_uri(path)

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, check_same_thread=False)

    engine = create_engine("sqlite+pysqlite://", creator=connect)
    event.listen(engine, "connect", _on_read_only_connect)
    event.listen(engine, "begin", _on_read_only_begin)
    return engine


def _on_read_only_connect(dbapi_connection: Any, connection_record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA query_only = ON")
    finally:
        cursor.close()


def _on_read_only_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


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
