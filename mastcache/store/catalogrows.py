"""The whole catalog as raw ``sqlite3`` rows, read in one transaction: what a SQL session's
catalog tables are made of (sqlview/catalog.py).

Rows keep the catalog's own text: times as stored (UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``),
parameters, entries and manifest rows as JSON. No record is built, and this module imports
none (``mastcache.store.records`` defines seven dataclasses, ~10 ms for `mastcache sql`
to import); a cache with 100,000 manifest rows makes no 100,000 frozen records per session.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from mastcache.store.engine import BUSY_TIMEOUT_S, read_only_uri

__all__ = [
    "FILE_COLUMNS",
    "PRODUCT_COLUMNS",
    "QUERY_COLUMNS",
    "RESOLUTION_COLUMNS",
    "CatalogRows",
    "connect",
    "read_rows",
]

Row = tuple[Any, ...]
#: queries, resolutions, products (manifest rows), files.
CatalogRows = tuple[list[Row], list[Row], list[Row], list[Row]]

QUERY_COLUMNS = (
    "key", "service", "kind", "params_json", "scope", "table_path", "sha256", "nbytes",
    "nrows", "fetched_at", "expires_at",
)  # fmt: skip
RESOLUTION_COLUMNS = (
    "name", "resolver", "resolve_all", "scope", "entries_json", "fetched_at", "expires_at",
)  # fmt: skip
PRODUCT_COLUMNS = (
    "obsid", "uri", "filename", "scope", "size", "checksum", "product_group", "product_type",
    "fetched_at", "row_json",
)  # fmt: skip
FILE_COLUMNS = (
    "uri", "sha256", "size", "local_path", "status", "downloaded_at", "verified_at", "scope",
)  # fmt: skip

QUERY_ALL = f"SELECT {', '.join(QUERY_COLUMNS)} FROM queries"
RESOLUTION_ALL = f"SELECT {', '.join(RESOLUTION_COLUMNS)} FROM resolutions"
PRODUCTS_ALL = f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products ORDER BY obsid, id"
FILES_ALL = f"SELECT {', '.join(FILE_COLUMNS)} FROM files ORDER BY uri"


def connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    """A reading connection to the SQLite catalog at ``path`` (autocommit, query only);
    ``read_only``: the cache cannot be written (see :func:`~.engine.read_only_uri`)."""
    target = read_only_uri(path) if read_only else str(path)
    connection = sqlite3.connect(
        target,
        timeout=BUSY_TIMEOUT_S,
        isolation_level=None,
        check_same_thread=False,
        uri=read_only,
    )
    connection.execute("PRAGMA query_only = ON")
    return connection


def read_rows(connection: sqlite3.Connection, scopes: tuple[str, ...] | None = None) -> CatalogRows:
    """Every row of the four catalog tables in one read transaction, ordered as the
    repositories' ``list()``; the queries only of ``scopes`` if given."""
    where = "" if scopes is None else f" WHERE scope IN ({', '.join('?' * len(scopes))})"
    connection.execute("BEGIN")
    try:
        queries = connection.execute(
            f"{QUERY_ALL}{where} ORDER BY fetched_at, key", scopes or ()
        ).fetchall()
        resolutions = connection.execute(f"{RESOLUTION_ALL} ORDER BY name, id").fetchall()
        products = connection.execute(PRODUCTS_ALL).fetchall()
        files = connection.execute(FILES_ALL).fetchall()
    finally:
        connection.execute("COMMIT")
    return queries, resolutions, products, files
