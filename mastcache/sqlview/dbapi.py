"""A PEP 249 (DB-API) face on a read-only SQL session, for SQL magics such as jupysql.

``%sql`` takes any DB-API connection; this one runs every statement through the session's
own checks (one SELECT over the cache views, nothing else), so no lockdown is lifted::

    %load_ext sql
    from mastcache.sqlview.dbapi import connect
    cache = connect()
    %sql cache
    %sql SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview.session import CacheSQL

__all__ = ["Connection", "Cursor", "apilevel", "connect", "paramstyle", "threadsafety"]

apilevel = "2.0"
threadsafety = 1
paramstyle = "qmark"  # accepted only without parameters: the views take no placeholders


def connect(
    settings: Settings | None = None,
    *,
    timeout: float | None = None,
    scope: str | None = None,
) -> Connection:
    """A DB-API connection over one read-only SQL session of the cache (close it after)."""
    from mastcache.sqlview.api import connect as open_session

    return Connection(open_session(settings, timeout=timeout, scope=scope))


class Connection:
    """DB-API connection: ``cursor()``; ``commit``/``rollback`` do nothing (nothing changes)."""

    def __init__(self, session: CacheSQL) -> None:
        self._session: CacheSQL | None = session

    @property
    def session(self) -> CacheSQL:
        if self._session is None:
            raise SQLError("this SQL connection to the cache is closed: open a new one")
        return self._session

    def cursor(self) -> Cursor:
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to commit: the cache is read-only here."""

    def rollback(self) -> None:
        """Nothing to roll back: the cache is read-only here."""

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Cursor:
    """DB-API cursor over Arrow results; rows are tuples of Python values."""

    arraysize = 1000

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._rows: list[tuple[Any, ...]] = []
        self._position = 0
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1

    def execute(
        self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Cursor:
        """Run one SELECT (anything else raises :class:`SQLError`, as everywhere)."""
        if parameters:
            raise SQLError("SQL over the cache takes no parameters: write the values inline")
        table = self.connection.session.arrow(operation)
        self.description = [_describe(field) for field in table.schema]
        self._rows = list(zip(*(c.to_pylist() for c in table.columns), strict=True))
        if not table.num_columns:
            self._rows = []
        self._position = 0
        self.rowcount = table.num_rows
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        count = self.arraysize if size is None else size
        rows = self._rows[self._position : self._position + count]
        self._position += len(rows)
        return rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows = self._rows[self._position :]
        self._position = len(self._rows)
        return rows

    def close(self) -> None:
        self._rows = []

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row

    def setinputsizes(self, sizes: Any) -> None:
        """Part of DB-API; nothing to do."""

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        """Part of DB-API; nothing to do."""


def _describe(field: pa.Field) -> tuple[Any, ...]:
    return (field.name, str(field.type), None, None, None, None, field.nullable)
