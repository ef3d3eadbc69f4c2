"""What the cache holds, read from the store in one transaction for one SQL session.

Cached queries are kept as the catalog's raw rows (:class:`QueryRows`): a session over
10,000 of them reads them in milliseconds and makes Python objects only for the results a
statement actually names (sqlview/views.py builds views lazily).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pyarrow.fs as pafs

from mastcache.settings import Settings
from mastcache.store import FileRecord, ProductRecord, QueryRecord, ResolutionRecord, Store
from mastcache.store.catalogindex import QUERY_COLUMNS, CatalogIndex
from mastcache.store.engine import sqlite_catalog_path
from mastcache.store.records import utcnow

__all__ = ["CacheContents", "CachedResult", "QueryRows", "read_contents"]

ANONYMOUS = "anonymous"
_KEY, _SERVICE, _KIND = 0, 1, 2
_PATH, _NBYTES, _FETCHED = 5, 7, 9


@dataclass(frozen=True)
class CachedResult:
    """A cached query's result file, as the views need it."""

    key: str
    service: str
    kind: str
    table_path: str
    nbytes: int
    #: 0 for the newest fetch (ties broken by key); a lower rank wins a duplicated id.
    rank: int


class QueryRows:
    """The visible ``queries`` rows, in catalog order (fetched_at, key).

    Each row holds :data:`~mastcache.store.catalogindex.QUERY_COLUMNS`, times as the
    catalog's UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``), params as canonical JSON text.
    """

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.rows = rows

    @classmethod
    def from_records(cls, records: Iterable[QueryRecord]) -> QueryRows:
        """Rows of repository records (catalogs other than SQLite, e.g. PostgreSQL)."""
        return cls(
            [
                (r.key, r.service, r.kind, _canonical(r.params), r.scope, r.table_path, r.sha256,
                 r.nbytes, r.nrows, _text_time(r.fetched_at), _text_time(r.expires_at))
                for r in records
            ]
        )  # fmt: skip

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> Sequence[Any]:
        """One column's values, in row order."""
        return self._columns[QUERY_COLUMNS.index(name)]

    @property
    def keys(self) -> Sequence[str]:
        return self._columns[_KEY]

    @cached_property
    def _columns(self) -> list[tuple[Any, ...]]:
        if not self.rows:
            return [() for _ in QUERY_COLUMNS]
        return list(zip(*self.rows, strict=True))

    @cached_property
    def results(self) -> dict[str, CachedResult]:
        """Each key's :class:`CachedResult` (made on first use: only views need them)."""
        newest_first = sorted(self.rows, key=lambda row: row[_KEY])
        newest_first.sort(key=lambda row: _parse_time(row[_FETCHED]), reverse=True)
        return {
            row[_KEY]: CachedResult(
                row[_KEY], row[_SERVICE], row[_KIND], row[_PATH], int(row[_NBYTES]), rank
            )
            for rank, row in enumerate(newest_first)
        }


@dataclass(frozen=True)
class CacheContents:
    """The catalog records a SQL session builds its views from."""

    cache_dir: Path
    queries: QueryRows
    resolutions: tuple[ResolutionRecord, ...]
    products: tuple[ProductRecord, ...]
    files: tuple[FileRecord, ...]
    #: When the records were read; ``is_expired`` columns are computed against it.
    read_at: datetime
    #: Filesystem and root of the result files when they live in a team object store.
    filesystem: pafs.FileSystem | None = None
    store_base: str | None = None

    def table_file(self, result: CachedResult) -> Path:
        """The Parquet file holding ``result`` (in local mode)."""
        return self.cache_dir / result.table_path

    def table_source(self, result: CachedResult) -> tuple[str, pafs.FileSystem | None]:
        """Where a pyarrow dataset opens ``result``: a path and its filesystem."""
        if self.filesystem is None or self.store_base is None:
            return str(self.table_file(result)), None
        copy = self.table_file(result)  # team mode: this machine's verified copy, if any
        if _has_size(copy, result.nbytes):
            return str(copy), None
        return f"{self.store_base}/{result.table_path}", self.filesystem


def read_contents(settings: Settings, scope: str = ANONYMOUS) -> CacheContents:
    """Every query, resolution, manifest row and file record in the cache at ``settings``
    that ``scope`` may see: public (anonymous) ones plus that identity's own (issue 10)."""
    with Store.open(settings, serve_local=True, sweep=False) as store:
        queries, resolutions, products, files = _everything(store, (ANONYMOUS, scope))
        return CacheContents(
            cache_dir=store.root,
            queries=queries,
            resolutions=_visible(resolutions, scope),
            products=_visible(products, scope),
            files=_visible(files, scope),
            read_at=utcnow(),
            filesystem=store.objects.filesystem,
            store_base=store.objects.base,
        )


def _everything(
    store: Store, scopes: tuple[str, ...]
) -> tuple[QueryRows, list[ResolutionRecord], list[ProductRecord], list[FileRecord]]:
    """The catalog in one read transaction: plain ``sqlite3`` for an SQLite catalog."""
    path = sqlite_catalog_path(store.settings)
    if path is None:  # PostgreSQL (team mode): the repositories
        queries, resolutions, products, files = store.everything()
        visible = (r for r in queries if r.scope in scopes)
        return QueryRows.from_records(visible), resolutions, products, files
    index = CatalogIndex(path, read_only=store.read_only)
    try:
        rows, resolutions, products, files = index.everything_rows(scopes)
    finally:
        index.close()
    return QueryRows(rows), resolutions, products, files


def _canonical(params: Any) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def _text_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def _parse_time(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


class _Scoped(Protocol):
    @property
    def scope(self) -> str: ...


_R = TypeVar("_R", bound=_Scoped)


def _visible(records: Iterable[_R], scope: str) -> tuple[_R, ...]:
    return tuple(r for r in records if r.scope in (ANONYMOUS, scope))
