"""What the cache holds, read from the store in one transaction for one SQL session.

The catalog is kept as its raw rows (store/catalogrows.py; cached queries as
:class:`QueryRows`): a session over 10,000 cached queries reads them in milliseconds and
makes Python objects only for the results a statement actually names (sqlview/views.py
builds views lazily); resolutions, manifest rows and files are never made records.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from mastcache.settings import Settings
from mastcache.sqlview.naming import query_view_names
from mastcache.store import catalogrows
from mastcache.store.catalogrows import QUERY_COLUMNS, CatalogRows, Row
from mastcache.store.engine import sqlite_catalog_path, sqlite_read_only
from mastcache.store.schemacheck import current_sqlite_catalog

if TYPE_CHECKING:  # only a team store's results are read through pyarrow
    import pyarrow.fs as pafs

    from mastcache.store import FileRecord, ProductRecord, QueryRecord, ResolutionRecord, Store

__all__ = ["CacheContents", "CachedResult", "QueryRows", "parse_utc", "read_contents"]

ANONYMOUS = "anonymous"
_KEY, _SERVICE, _KIND = 0, 1, 2
_V = TypeVar("_V")
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

    Each row holds :data:`~mastcache.store.catalogrows.QUERY_COLUMNS`, times as the
    catalog's UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``), params as canonical JSON text.
    """

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self.rows = rows
        self._remembered: dict[str, Any] = {}
        self._lock = threading.Lock()

    def remember(self, name: str, build: Callable[[], _V]) -> _V:
        """``build()``, once per catalog read: a process's later SQL sessions over the
        same read (see :class:`_Memo`) reuse what their first one derived from it."""
        with self._lock:
            if name not in self._remembered:
                self._remembered[name] = build()
            found: _V = self._remembered[name]
            return found

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
    def view_names(self) -> dict[str, str]:
        """Each key's ``q_`` view name (:func:`~mastcache.sqlview.naming.query_view_names`)."""
        return query_view_names(self.keys)

    @cached_property
    def expires(self) -> list[datetime | None]:
        """Each row's ``expires_at`` as an aware UTC datetime."""
        return [None if t is None else parse_utc(t) for t in self.column("expires_at")]

    @cached_property
    def results(self) -> dict[str, CachedResult]:
        """Each key's :class:`CachedResult` (made on first use: only views need them)."""
        newest_first = sorted(self.rows, key=lambda row: row[_KEY])
        newest_first.sort(key=lambda row: parse_utc(row[_FETCHED]), reverse=True)
        return {
            row[_KEY]: CachedResult(
                row[_KEY], row[_SERVICE], row[_KIND], row[_PATH], int(row[_NBYTES]), rank
            )
            for rank, row in enumerate(newest_first)
        }


@dataclass(frozen=True)
class CacheContents:
    """The catalog rows a SQL session builds its views from (rows of
    :mod:`~mastcache.store.catalogrows`: times as the catalog's UTC text, JSON as text)."""

    cache_dir: Path
    queries: QueryRows
    #: :data:`~mastcache.store.catalogrows.RESOLUTION_COLUMNS` rows.
    resolutions: tuple[Row, ...]
    #: :data:`~mastcache.store.catalogrows.PRODUCT_COLUMNS` rows (product manifests).
    products: tuple[Row, ...]
    #: :data:`~mastcache.store.catalogrows.FILE_COLUMNS` rows.
    files: tuple[Row, ...]
    #: When the rows were read; ``is_expired`` columns are computed against it.
    read_at: datetime
    #: Filesystem of the result files when they live in a team object store (None: local).
    filesystem: pafs.FileSystem | None = None
    #: Root of the result files (the cache directory, another local directory, a bucket).
    store_base: str | None = None

    @property
    def manifest_rows(self) -> list[dict[str, Any]]:
        """Each of :attr:`products`' whole manifest row as MAST sent it, decoded once per
        catalog read (later sessions over the same read reuse it, see :class:`_Memo`)."""
        products = self.products
        return self.queries.remember(
            "manifest rows", lambda: [json.loads(row[_PRODUCT_ROW]) for row in products]
        )

    def table_file(self, result: CachedResult) -> Path:
        """This machine's copy of ``result``'s Parquet file (in the cache directory)."""
        return self.cache_dir / result.table_path

    def table_source(self, result: CachedResult) -> tuple[str, pafs.FileSystem | None]:
        """Where ``result`` is read: a local path and None, or a path of a team store's
        filesystem (a pyarrow dataset opens it)."""
        if self.filesystem is None:
            base = self.cache_dir if self.store_base is None else Path(self.store_base)
            return str(base / result.table_path), None
        copy = self.table_file(result)  # team mode: this machine's verified copy, if any
        if _has_size(copy, result.nbytes):
            return str(copy), None
        return f"{self.store_base}/{result.table_path}", self.filesystem


def read_contents(settings: Settings, scope: str = ANONYMOUS) -> CacheContents:
    """Every query, resolution, manifest row and file record in the cache at ``settings``
    that ``scope`` may see: public (anonymous) ones plus that identity's own (issue 10)."""
    scopes = (ANONYMOUS, scope)
    catalog = current_sqlite_catalog(settings)
    if catalog is not None:  # most caches: plain sqlite3, no Store (nor its imports)
        root = Path(settings.cache_dir)
        everything = _sqlite_everything(catalog, sqlite_read_only(settings), scopes)
        return _contents(root, everything, scope, None, str(root.resolve()))
    from mastcache.store import Store

    with Store.open(settings, serve_local=True, sweep=False) as store:
        filesystem = None if store.objects.is_local else store.objects.filesystem
        everything = _everything(store, scopes)
        return _contents(store.root, everything, scope, filesystem, store.objects.base)


_Everything = tuple[QueryRows, list[Row], list[Row], list[Row]]
#: Where each kind of row holds its scope.
_RESOLUTION_SCOPE = catalogrows.RESOLUTION_COLUMNS.index("scope")
_PRODUCT_SCOPE = catalogrows.PRODUCT_COLUMNS.index("scope")
_FILE_SCOPE = catalogrows.FILE_COLUMNS.index("scope")
_PRODUCT_ROW = catalogrows.PRODUCT_COLUMNS.index("row_json")


def _contents(
    root: Path,
    everything: _Everything,
    scope: str,
    filesystem: pafs.FileSystem | None,
    store_base: str,
) -> CacheContents:
    queries, resolutions, products, files = everything
    return CacheContents(
        cache_dir=root,
        queries=queries,
        resolutions=_visible(resolutions, _RESOLUTION_SCOPE, scope),
        products=_visible(products, _PRODUCT_SCOPE, scope),
        files=_visible(files, _FILE_SCOPE, scope),
        read_at=datetime.now(timezone.utc),
        filesystem=filesystem,
        store_base=store_base,
    )


def _everything(store: Store, scopes: tuple[str, ...]) -> _Everything:
    """The catalog in one read transaction: :func:`_sqlite_everything` for an SQLite
    catalog, the repositories' records as rows for another (PostgreSQL in team mode)."""
    path = sqlite_catalog_path(store.settings)
    if path is not None:
        return _sqlite_everything(path, store.read_only, scopes)
    queries, resolutions, products, files = store.everything()
    visible = (r for r in queries if r.scope in scopes)
    return (
        QueryRows.from_records(visible),
        [_resolution_row(r) for r in resolutions],
        [_product_row(r) for r in products],
        [_file_row(r) for r in files],
    )


def _resolution_row(r: ResolutionRecord) -> Row:
    return (r.name, r.resolver, r.resolve_all, r.scope, _canonical(r.entries),
            _text_time(r.fetched_at), _text_time(r.expires_at))  # fmt: skip


def _product_row(r: ProductRecord) -> Row:
    return (r.obsid, r.uri, r.filename, r.scope, r.size, r.checksum, r.product_group,
            r.product_type, _text_time(r.fetched_at), _canonical(r.row))  # fmt: skip


def _file_row(r: FileRecord) -> Row:
    return (r.uri, r.sha256, r.size, r.local_path, r.status, _text_time(r.downloaded_at),
            _text_time(r.verified_at), r.scope)  # fmt: skip


def _sqlite_everything(path: Path, read_only: bool, scopes: tuple[str, ...]) -> _Everything:
    """The SQLite catalog at ``path`` in one read transaction with plain ``sqlite3``, and
    the same read again while nobody has committed to it since (see :class:`_Memo`)."""
    stamp = None if read_only else _MEMO.stamp(path)
    remembered = _MEMO.get(path, scopes, stamp)
    if remembered is not None:
        return remembered
    connection = catalogrows.connect(path, read_only=read_only)
    try:
        rows: CatalogRows = catalogrows.read_rows(connection, scopes)
    finally:
        connection.close()
    queries, resolutions, products, files = rows
    found = (QueryRows(queries), resolutions, products, files)
    _MEMO.put(path, scopes, stamp, found)
    return found


#: Catalogs whose last read a process keeps (each holds one open ``sqlite3`` connection).
MEMO_CATALOGS = 4


class _Memo:
    """The last catalog read per (catalog, scopes) in this process, handed out again while
    SQLite's ``PRAGMA data_version``, asked on a connection kept for that, is unchanged: it
    changes whenever any other connection (this process's writers, other processes) commits.
    Repeated ``mastcache.sql`` calls in a notebook then skip reading 10,000 rows. A catalog
    file replaced (other inode) gets a new connection; a read-only cache is never memoised
    (it may be read ``immutable``, where the version never moves)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: path -> ((device, inode, serial number of the connection), connection)
        self._probes: dict[Path, tuple[tuple[int, int, int], sqlite3.Connection]] = {}
        self._serials = itertools.count()
        self._reads: dict[tuple[Path, tuple[str, ...]], tuple[tuple[int, ...], _Everything]] = {}

    def stamp(self, path: Path) -> tuple[int, ...] | None:
        """What says the catalog at ``path`` is unchanged: (device, inode, connection
        serial, data_version); data_version counts per connection, hence the serial."""
        try:
            info = path.stat()
            with self._lock:
                probe = self._probes.pop(path, None)  # re-inserted last: most recent
                if probe is None or probe[0][:2] != (info.st_dev, info.st_ino):
                    if probe is not None:
                        probe[1].close()
                    connection = sqlite3.connect(path, isolation_level=None,
                                                 check_same_thread=False)  # fmt: skip
                    probe = ((info.st_dev, info.st_ino, next(self._serials)), connection)
                self._probes[path] = probe
                self._forget_oldest()
                (version,) = probe[1].execute("PRAGMA data_version").fetchone()
        except (OSError, sqlite3.Error):
            return None
        return (*probe[0], int(version))

    def _forget_oldest(self) -> None:
        """Keep :data:`MEMO_CATALOGS` catalogs (a test run opens hundreds of caches)."""
        while len(self._probes) > MEMO_CATALOGS:
            oldest = next(iter(self._probes))
            self._probes.pop(oldest)[1].close()
            for key in [key for key in self._reads if key[0] == oldest]:
                del self._reads[key]

    def get(
        self, path: Path, scopes: tuple[str, ...], stamp: tuple[int, ...] | None
    ) -> _Everything | None:
        with self._lock:
            found = self._reads.get((path, scopes))
        return found[1] if stamp is not None and found and found[0] == stamp else None

    def put(
        self, path: Path, scopes: tuple[str, ...], stamp: tuple[int, ...] | None, read: _Everything
    ) -> None:
        if stamp is not None:
            with self._lock:
                self._reads[(path, scopes)] = (stamp, read)


_MEMO = _Memo()


def _canonical(params: Any) -> str:
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)


def _text_time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_utc(text: str) -> datetime:
    """A catalog time (UTC text, with or without an offset) as an aware UTC datetime."""
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _visible(rows: Iterable[Row], scope_at: int, scope: str) -> tuple[Row, ...]:
    return tuple(row for row in rows if row[scope_at] in (ANONYMOUS, scope))
