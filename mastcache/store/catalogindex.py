"""The catalog lookups of a cache hit, in microseconds: plain SQL plus an in-memory index.

An ORM round trip (session, BEGIN, identity map, row -> record) costs ~1 ms, more than the
rest of a warm hit. For an SQLite catalog, :class:`CatalogIndex` answers
``get_query``/``get_resolution`` from a dict of frozen records, filled from one primary-key
``SELECT`` on a plain ``sqlite3`` connection of its own (one per thread).

The dict is never stale: before each lookup the index asks SQLite for ``PRAGMA
data_version``, which changes whenever any other connection - this process's writers or
another process - has committed to the catalog, and drops every remembered record when it
did. Missing keys are remembered too (a later insert changes the version). The dict holds at
most :data:`MAX_REMEMBERED` records per thread, so its cost is flat however large the catalog.

Other backends (PostgreSQL in team mode) keep the repository path (:attr:`is_available`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mastcache.store import catalogrows
from mastcache.store.catalogrows import QUERY_ALL, RESOLUTION_ALL
from mastcache.store.records import FileRecord, ProductRecord, QueryRecord, ResolutionRecord

__all__ = ["MAX_REMEMBERED", "CatalogIndex"]

#: Records remembered per thread before the index starts afresh.
MAX_REMEMBERED = 4096

_QUERY_SQL = f"{QUERY_ALL} WHERE key = ?"
_RESOLUTION_SQL = (
    f"{RESOLUTION_ALL} WHERE name = ? AND resolver = ? AND resolve_all = ? AND scope = ?"
)


class _ThreadState:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.pid = os.getpid()
        self.version: int | None = None
        self.remembered: dict[Any, Any] = {}


class CatalogIndex:
    """Fast, always-current reads of ``queries`` and ``resolutions`` rows (SQLite only)."""

    def __init__(self, path: Path | None, *, read_only: bool = False) -> None:
        """``path``: the SQLite catalog (engine.sqlite_catalog_path); None: not available.
        ``read_only``: the cache cannot be written (opened as engine.read_only_uri says)."""
        self.is_available = path is not None
        self._read_only = read_only
        self._path = Path(path or "")
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def query(self, key: str) -> QueryRecord | None:
        """The ``queries`` row of ``key`` as a record, or None."""
        state = self._current()
        found = state.remembered.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            row = state.connection.execute(_QUERY_SQL, (key,)).fetchone()
            found = None if row is None else _query_record(row)
            _remember(state, key, found)
        return found  # type: ignore[no-any-return]

    def resolution(
        self, name: str, resolver: str | None, resolve_all: bool, scope: str
    ) -> ResolutionRecord | None:
        """The ``resolutions`` row of this ask as a record (entries copied), or None."""
        ask = ("resolution", name.lower(), resolver or "", bool(resolve_all), scope)
        state = self._current()
        found = state.remembered.get(ask, _UNKNOWN)
        if found is _UNKNOWN:
            row = state.connection.execute(_RESOLUTION_SQL, ask[1:]).fetchone()
            found = None if row is None else _resolution_record(row)
            _remember(state, ask, found)
        if found is None:
            return None
        record: ResolutionRecord = found
        entries = [dict(entry) for entry in record.entries]  # the caller's to edit
        return ResolutionRecord(
            record.name,
            record.resolver,
            record.resolve_all,
            record.scope,
            entries,
            record.fetched_at,
            record.expires_at,
        )

    def table_paths(self) -> set[str]:
        """Every result file a ``queries`` row points to."""
        rows = self._current().connection.execute("SELECT table_path FROM queries")
        return {path for (path,) in rows}

    def everything(
        self,
    ) -> tuple[list[QueryRecord], list[ResolutionRecord], list[ProductRecord], list[FileRecord]]:
        """Every query, resolution, product and file record, read in one transaction and
        ordered as the repositories' ``list()``."""
        connection = self._current().connection
        queries, resolutions, products, files = catalogrows.read_rows(connection)
        return (
            [_query_record(row) for row in queries],
            [_resolution_record(row) for row in resolutions],
            [_product_record(row) for row in products],
            [_file_record(row) for row in files],
        )

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def _current(self) -> _ThreadState:
        state: _ThreadState | None = getattr(self._local, "state", None)
        if state is None or state.pid != os.getpid():  # a forked child opens its own
            state = self._local.state = _ThreadState(self._connect())
        version = state.connection.execute("PRAGMA data_version").fetchone()[0]
        if version != state.version:
            state.remembered.clear()
            state.version = version
        return state

    def _connect(self) -> sqlite3.Connection:
        connection = catalogrows.connect(self._path, read_only=self._read_only)
        with self._lock:
            self._connections.append(connection)
        return connection


_UNKNOWN = object()


def _remember(state: _ThreadState, ask: Any, found: Any) -> None:
    if len(state.remembered) >= MAX_REMEMBERED:
        state.remembered.clear()
    state.remembered[ask] = found


def _utc(value: str | None) -> datetime | None:
    """A stored SQLite datetime (``YYYY-MM-DD HH:MM:SS[.ffffff]``, UTC) as aware UTC."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _query_record(row: tuple[Any, ...]) -> QueryRecord:
    key, service, kind, params_json, scope, table_path, sha256, nbytes, nrows = row[:9]
    fetched_at = _utc(row[9])
    assert fetched_at is not None  # NOT NULL in the schema
    return QueryRecord(
        key=key,
        service=service,
        kind=kind,
        params=json.loads(params_json),
        scope=scope,
        table_path=table_path,
        sha256=sha256,
        nbytes=int(nbytes),
        nrows=int(nrows),
        fetched_at=fetched_at,
        expires_at=_utc(row[10]),
    )


def _resolution_record(row: tuple[Any, ...]) -> ResolutionRecord:
    name, resolver, resolve_all, scope, entries_json = row[:5]
    fetched_at = _utc(row[5])
    assert fetched_at is not None  # NOT NULL in the schema
    return ResolutionRecord(
        name=name,
        resolver=resolver or None,
        resolve_all=bool(resolve_all),
        scope=scope,
        entries=json.loads(entries_json),
        fetched_at=fetched_at,
        expires_at=_utc(row[6]),
    )


def _product_record(row: tuple[Any, ...]) -> ProductRecord:
    obsid, uri, filename, scope, size, checksum, group, type_, fetched_at, row_json = row
    return ProductRecord(
        obsid=obsid,
        uri=uri,
        filename=filename,
        scope=scope,
        size=size,
        checksum=checksum,
        product_group=group,
        product_type=type_,
        fetched_at=_utc(fetched_at),
        row=json.loads(row_json),
    )


def _file_record(row: tuple[Any, ...]) -> FileRecord:
    uri, sha256, size, local_path, status, downloaded_at, verified_at, scope = row
    return FileRecord(
        uri=uri,
        sha256=sha256,
        size=size,
        local_path=local_path,
        status=status,
        downloaded_at=_utc(downloaded_at),
        verified_at=_utc(verified_at),
        scope=scope,
    )
