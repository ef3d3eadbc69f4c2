"""The result store: the catalog plus the Parquet result files beside it.

Order of operations for a result (DESIGN.md section 4, STYLE.md habit 6):

1. write the Parquet file to a temp file in ``tables/``, fsync, hash, rename it to a
   content-derived name (``<key>-<sha256[:16]>.parquet``), fsync the folder;
2. upsert the ``queries`` row in one ``BEGIN IMMEDIATE`` unit of work and commit;
3. only after that commit, remove the file the old row pointed to.

A crash before 2 leaves an unreferenced file (swept at the next open), never a served half
result; readers check size, and sha256 unless the file's (inode, mtime, size) is memoised.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
import threading
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from mastcache.errors import (
    CorruptEntryError,
    ReadOnlyCacheError,
    StoreError,
    StoreUnavailableError,
)
from mastcache.settings import Settings
from mastcache.store import hitcounts
from mastcache.store.catalogindex import CatalogIndex
from mastcache.store.engine import (
    CATALOG_FILENAME,
    READ_ONLY,
    is_sqlite,
    make_engine,
    may_write,
    sqlite_catalog_path,
    sqlite_read_only,
)
from mastcache.store.files import HashMemo
from mastcache.store.localcopy import LocalCopies
from mastcache.store.objectstore import ObjectStore, open_object_store, table_folder
from mastcache.store.records import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    QueryStats,
    ResolutionRecord,
    SnapshotRecord,
    as_utc,
)
from mastcache.store.schemacheck import is_current, sqlite_revision
from mastcache.store.scopes import ANONYMOUS, scoped_path

if TYPE_CHECKING:  # imported when first needed: a cache hit needs neither (see open())
    from astropy.table import Table
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from mastcache.store.unit_of_work import UnitOfWork

__all__ = ["ORPHAN_GRACE_S", "STAGING_DIR", "Store"]

logger = logging.getLogger(__name__)

#: Files younger than this may belong to a live writer and are never swept.
ORPHAN_GRACE_S = 60.0
#: Local folder where files bound for a remote object store are written before upload.
STAGING_DIR = "staging"


class Store:
    """The cache directory's catalog and files. Open with :meth:`open`; close when done.

    The SQLAlchemy engine is made on first use (:attr:`engine`): cache hits read an SQLite
    catalog through :mod:`.catalogindex`, so a process that only reads hits never imports
    SQLAlchemy or Alembic.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.root = Path(settings.cache_dir)
        self.tables_dir = self.root / "tables"
        self.products_dir = self.root / "products"
        #: Where result files live: this directory, or the team store (settings.store_url).
        self.objects: ObjectStore = open_object_store(settings)
        self._direct = self.objects.is_local and Path(self.objects.base) == self.root.resolve()
        self._engine = engine
        self._sessions: tuple[sessionmaker[Session], sessionmaker[Session]] | None = None
        self._engine_lock = threading.Lock()
        self._memo = HashMemo()
        #: plain-SQL reads of the hot path (SQLite catalogs): see store/catalogindex.py
        #: The catalog and folder cannot be written by this process (see store/engine.py):
        #: everything can be read; any write raises ReadOnlyCacheError; nothing is swept.
        self.read_only = sqlite_read_only(settings)
        self._index = CatalogIndex(sqlite_catalog_path(settings), read_only=self.read_only)
        self.schema_revision = ""
        self._counts_hits: bool | None = None  # see counts_hits()
        #: Team mode: this machine's personal cache, holding verified copies of what it used
        #: and what it must not share (store/localcopy.py); None for a local cache.
        #: Whether lookups that miss the team catalog look in the personal cache (serving
        #: callers only: queries and SQL, never maintenance, snapshots or push/pull).
        self._serve_local = False
        self.local: LocalCopies | None = (
            LocalCopies(settings) if settings.catalog_url and self.shares_files else None
        )

    @property
    def engine(self) -> Engine:
        """The catalog's SQLAlchemy engine, made on first use."""
        return self._session_makers()[0].kw["bind"]  # type: ignore[no-any-return]

    def _session_makers(self) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
        """(writers, readers) session factories, made with the engine on first use."""
        sessions = self._sessions
        if sessions is not None:
            return sessions
        with self._engine_lock:
            if self._sessions is None:
                from sqlalchemy.orm import sessionmaker

                engine = self._engine or make_engine(self.settings)
                self._engine = engine
                readers = engine.execution_options(**{READ_ONLY: True})
                self._sessions = (
                    sessionmaker(bind=engine, expire_on_commit=False, autobegin=False),
                    sessionmaker(bind=readers, expire_on_commit=False, autobegin=False),
                )
            return self._sessions

    @property
    def shares_files(self) -> bool:
        """Whether files live in a store other than this cache directory (team mode)."""
        return not self._direct

    @classmethod
    def open(cls, settings: Settings, *, serve_local: bool = False, sweep: bool = True) -> Store:
        """Open (creating if needed) the cache at ``settings.cache_dir``.

        A new catalog is created at the Alembic head; an older one raises
        :class:`~mastcache.errors.SchemaOutdatedError` naming ``mastcache db upgrade``.
        Temp files of killed writers in the cache directory are swept; nothing here lists
        the team store (its orphans are swept by ``cache prune``).

        An unreachable team catalog raises :class:`StoreUnavailableError`; with
        ``serve_local`` (queries and SQL) this machine's personal cache is opened instead,
        after one warning, so what is on the machine is still served. ``sweep=False``: a
        reader (a SQL session) leaves the sweeping to the next writer; listing 10,000 result
        files cost more than the rest of its set-up.
        """
        try:
            store = cls._open(settings, sweep)
            store._serve_local = serve_local
            return store
        except StoreUnavailableError as exc:
            if not (serve_local and settings.catalog_url):
                raise
            from mastcache.store.localcopy import personal_settings

            logger.warning(
                "mastcache: %s (serving this machine's copies in %s)", exc, settings.cache_dir
            )
            return cls._open(personal_settings(settings), sweep)

    @classmethod
    def _open(cls, settings: Settings, sweep: bool = True) -> Store:
        _make_cache_dir(Path(settings.cache_dir))
        store = cls(settings)
        if store.read_only:
            _require_catalog(store.root)
        try:
            # an SQLite catalog at the newest revision needs no Alembic; any other catalog
            # (a team's PostgreSQL) is checked here, so an unreachable one fails at open
            store.schema_revision = store._quick_revision() or store._checked_revision()
            if sweep:
                store.sweep_local_orphans()
        except BaseException as exc:
            store.close()
            if _is_sqlalchemy_error(exc):
                from mastcache.store.outage import open_failure

                raise open_failure(settings, exc) from exc
            raise
        return store

    def _quick_revision(self) -> str | None:
        """The catalog's revision if it is an SQLite file already at the newest schema."""
        path = sqlite_catalog_path(self.settings)
        if path is None:
            return None
        try:
            found = sqlite_revision(path)
        except sqlite3.Error:
            return None  # the full check says what is wrong
        return found if is_current(found, "sqlite") else None

    def _checked_revision(self) -> str:
        """Create the schema, or check it, with Alembic (see store/schema.py)."""
        from mastcache.store.schema import ensure_current, ensure_current_read_only

        if self.read_only:
            where = str(self.root / CATALOG_FILENAME)
            return ensure_current_read_only(self.engine, where)
        return ensure_current(self.engine)

    def close(self) -> None:
        self._index.close()
        if self._engine is not None:
            self._engine.dispose()
        if self.local is not None:
            self.local.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def unit_of_work(self, *, read_only: bool = False) -> UnitOfWork:
        """A transaction over every repository; writers take the lock at the start."""
        from mastcache.store.unit_of_work import UnitOfWork

        if not read_only and self.read_only:
            raise self.read_only_error()
        writers, readers = self._session_makers()
        sessions = readers if read_only else writers
        if is_sqlite(self.engine):
            return UnitOfWork(sessions, where=f"the cache catalog in {self.root}")
        where = self.engine.url.render_as_string(hide_password=True)
        return UnitOfWork(sessions, where=f"the team catalog {where}", remote=True)

    def read_only_error(self, action: str = "store anything in it") -> ReadOnlyCacheError:
        """The one-line error of a write to a cache this process may only read."""
        return ReadOnlyCacheError(
            f"the cache {self.root} is read-only for this process, so mastcache cannot "
            f"{action}; it can still serve what is stored (offline, SQL, stats, snapshots); "
            "to store new results use a writable --cache-dir / MASTCACHE_DIR"
        )

    # ---- query results ---------------------------------------------------------------

    def get_query(self, key: str) -> QueryRecord | None:
        if self._index.is_available:
            found = self._index.query(key)
        else:
            with self.unit_of_work(read_only=True) as uow:
                found = uow.queries.get(key)
        if self.local is not None and self._serve_local:  # kept here: login, outage
            from mastcache.store.teamresults import newer

            return newer(found, self.local.get_query(key))
        return found

    def everything(
        self,
    ) -> tuple[list[QueryRecord], list[ResolutionRecord], list[ProductRecord], list[FileRecord]]:
        """Every query, resolution, product and file record, from one read transaction."""
        if self._index.is_available:
            return self._index.everything()
        with self.unit_of_work(read_only=True) as uow:
            return (
                uow.queries.list(),
                uow.resolutions.list(),
                list(uow.products.list()),
                uow.files.list(),
            )

    def list_queries(
        self, *, service: str | None = None, kind: str | None = None
    ) -> list[QueryRecord]:
        with self.unit_of_work(read_only=True) as uow:
            return uow.queries.list(service=service, kind=kind)

    def put_query(
        self,
        key: str,
        *,
        service: str,
        kind: str,
        params: Mapping[str, Any],
        scope: str,
        table: Table,
        fetched_at: datetime,
        expires_at: datetime | None,
    ) -> QueryRecord:
        """Store ``table`` as the result of query ``key`` (file first, then the row).

        Team mode (store/teamresults.py): a result fetched under a login (``scope`` not
        anonymous) is kept in this machine's personal cache unless the member opted in to
        sharing it with its scope; so is any result while the team store is unreachable.
        """
        args = dict(
            key=key, service=service, kind=kind, params=params, scope=scope, table=table,
            fetched_at=fetched_at, expires_at=expires_at,
        )  # fmt: skip
        if self.local is None:
            return self._put_query(**args)
        from mastcache.store import teamresults

        return teamresults.put_query(self, args, lambda: self._put_query(**args))

    def _put_query(
        self,
        *,
        key: str,
        service: str,
        kind: str,
        params: Mapping[str, Any],
        scope: str,
        table: Table,
        fetched_at: datetime,
        expires_at: datetime | None,
    ) -> QueryRecord:
        provenance = {"key": key, "service": service, "kind": kind, "scope": scope}
        table_path, sha256, nbytes = self.write_table_file(key, table, provenance)
        record = QueryRecord(
            key=key,
            service=service,
            kind=kind,
            params=dict(params),
            scope=scope,
            table_path=table_path,
            sha256=sha256,
            nbytes=nbytes,
            nrows=len(table),
            fetched_at=as_utc(fetched_at),
            expires_at=None if expires_at is None else as_utc(expires_at),
        )
        self.commit_query(record)
        if self.local is not None and self.local.table_file(record).exists():
            self.local.keep_query(record)
        return record

    def write_table_file(
        self, key: str, table: Table, provenance: Mapping[str, Any] | None = None
    ) -> tuple[str, str, int]:
        """Step 1 of :meth:`put_query`: the Parquet file alone. Returns
        ``(table_path relative to the cache dir, sha256, nbytes)``; nothing is served
        from it until :meth:`commit_query` records it."""
        from mastcache.store import parquet

        if self.read_only:
            raise self.read_only_error()
        folder = table_folder((provenance or {}).get("service"))
        if not self._direct:  # a result shared with its scope: under the scope's prefix
            folder = scoped_path((provenance or {}).get("scope", ANONYMOUS), folder)
        directory = self.root / (folder if self._direct else STAGING_DIR)
        # unique per write, not only per content: a concurrent delete of the previous row of
        # an unchanged result must never remove the file this write is about to commit
        unique = uuid.uuid4().hex[:8]
        path, sha256, nbytes = parquet.write_table_named(
            table, directory, lambda sha: f"{key}-{sha[:16]}-{unique}.parquet", provenance
        )
        if not self._direct:
            from mastcache.store.teamresults import publish_staged

            return publish_staged(self, path, f"{folder}/{path.name}", sha256, nbytes)
        self._memo.remember(path, path.stat(), sha256)
        return path.relative_to(self.root).as_posix(), sha256, nbytes

    def commit_query(self, record: QueryRecord) -> QueryRecord:
        """Step 2 of :meth:`put_query`: point the catalog at an already written file."""
        with self.unit_of_work() as uow:
            previous = uow.queries.replace(record)
            if previous is not None and previous.table_path != record.table_path:
                uow.after_commit(lambda: self._remove(previous.table_path))
        return record

    def read_table(self, record: QueryRecord) -> Table:
        """The result table of ``record``, verified against its recorded size and hash.

        A mismatch raises :class:`CorruptEntryError`. If a concurrent writer replaced the
        result since ``record`` was read, the newer result is served.
        """
        from mastcache.store.hotcache import FileIdentity, hot_cache

        if not self._direct:
            return self._read_object(record)
        path = self.root / record.table_path
        try:
            stat = path.stat()
        except FileNotFoundError:
            return self._read_replaced(record)
        if stat.st_size != record.nbytes:
            raise self.corrupt(record, f"{stat.st_size} bytes instead of {record.nbytes}")
        slot = (str(self.root), record.key)  # tables kept in memory: see store/hotcache.py
        identity = FileIdentity(record.sha256, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        return hot_cache().serve(slot, identity, lambda: self.read_verified(record, path, stat))

    def delete_query(self, key: str) -> None:
        with self.unit_of_work() as uow:
            record = uow.queries.delete(key)
            if record is not None:
                uow.after_commit(lambda: self._remove(record.table_path))

    def record_hit(self, key: str) -> None:
        """Count a hit; written in batches (store/hitcounts.py: within 2 s, at exit).
        A read-only cache counts nothing (:meth:`counts_hits`)."""
        if self.counts_hits():
            hitcounts.count(self, key, hit=True)

    def record_miss(self, key: str) -> None:
        """Count a miss; written in batches like :meth:`record_hit`."""
        if self.counts_hits():
            hitcounts.count(self, key, hit=False)

    def counts_hits(self) -> bool:
        """Whether hit counters can be written: not for a read-only cache directory, nor
        for a team catalog whose role may not write them (a read-only member, asked once)."""
        if self.read_only:
            return False
        if self._counts_hits is None:
            self._counts_hits = not self.settings.catalog_url or may_write(
                self.engine, "query_stats"
            )
        return self._counts_hits

    def query_stats(self, key: str | None = None) -> QueryStats:
        """Hit/miss counters of ``key``, or totals over every key when ``key`` is None.

        Counts of this process not yet written are written first, so they are included.
        """
        if self.counts_hits():
            hitcounts.flush_cache(self)
        with self.unit_of_work(read_only=True) as uow:
            return uow.stats.totals() if key is None else uow.stats.get(key)

    def read_verified(self, record: QueryRecord, path: Path, stat: os.stat_result) -> Any:
        """The Arrow table in ``path``, hashed unless its identity is memoised."""
        from mastcache.store import parquet

        if self._memo.lookup(path, stat) == record.sha256:
            return parquet.read_arrow(path)
        data = path.read_bytes()  # hash and parse one in-memory copy: one read from disk
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != record.sha256:
            raise self.corrupt(
                record, f"sha256 {sha256[:12]}... instead of {record.sha256[:12]}..."
            )
        self._memo.remember(path, stat, sha256)
        return parquet.read_arrow(data)

    def _read_object(self, record: QueryRecord) -> Table:
        """A team result (store/teamresults.py), or the newer one if it was replaced."""
        from mastcache.store import teamresults

        found = teamresults.read_table(self, record)
        return self._read_replaced(record) if found is None else found

    def check_bytes(self, record: QueryRecord, data: bytes) -> None:
        if len(data) != record.nbytes:
            raise self.corrupt(record, f"{len(data)} bytes instead of {record.nbytes}")
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != record.sha256:
            raise self.corrupt(
                record, f"sha256 {sha256[:12]}... instead of {record.sha256[:12]}..."
            )

    def _read_replaced(self, record: QueryRecord) -> Table:
        newer = self.get_query(record.key)
        if newer is None or newer.table_path == record.table_path:
            raise CorruptEntryError(
                f"the cached result of query {record.key[:12]} ({record.service}) is missing: "
                f"{self.objects.url}/{record.table_path} is not there; it is fetched again "
                "outside offline mode, and `mastcache cache verify` finds other damage"
            )
        return self.read_table(newer)

    def corrupt(self, record: QueryRecord, detail: str) -> CorruptEntryError:
        return CorruptEntryError(
            f"the cached result of query {record.key[:12]} ({record.service}) is damaged: "
            f"{self.objects.url}/{record.table_path} has {detail}; it is fetched again outside "
            "offline mode, and `mastcache cache verify` finds other damage"
        )

    def _remove(self, table_path: str) -> None:
        if not self._direct:
            self.objects.remove(table_path)
            return
        path = self.root / table_path
        self._memo.forget(path)
        path.unlink(missing_ok=True)

    # ---- resolutions, products, files, snapshots -------------------------------------

    def get_resolution(
        self, name: str, resolver: str | None, resolve_all: bool, scope: str = "anonymous"
    ) -> ResolutionRecord | None:
        if self._index.is_available:
            return self._index.resolution(name, resolver, resolve_all, scope)
        with self.unit_of_work(read_only=True) as uow:
            found = uow.resolutions.get(name, resolver, resolve_all, scope)
        if found is None and self._looks_local(scope):
            return self._personal().get_resolution(name, resolver, resolve_all, scope)
        return found

    def put_resolution(
        self,
        name: str,
        resolver: str | None,
        resolve_all: bool,
        scope: str,
        entries: list[dict[str, Any]],
        fetched_at: datetime,
        expires_at: datetime | None,
    ) -> ResolutionRecord:
        record = ResolutionRecord(
            name=name.lower(),
            resolver=resolver or None,
            resolve_all=resolve_all,
            scope=scope,
            entries=list(entries),
            fetched_at=as_utc(fetched_at),
            expires_at=None if expires_at is None else as_utc(expires_at),
        )
        writer = self._writer_for(scope, f"the name resolution of {name!r}")
        with writer.unit_of_work() as uow:
            return uow.resolutions.put(record)

    def put_products(self, records: Iterable[ProductRecord]) -> int:
        by_scope: dict[str, list[ProductRecord]] = {}
        for record in records:
            by_scope.setdefault(record.scope, []).append(record)
        written = 0
        for scope, rows in by_scope.items():
            writer = self._writer_for(scope, f"the product list of obsid {rows[0].obsid}")
            with writer.unit_of_work() as uow:
                written += uow.products.put_many(rows)
        return written

    def get_products(self, obsids: Iterable[str], scope: str = "anonymous") -> list[ProductRecord]:
        obsids = list(obsids)
        with self.unit_of_work(read_only=True) as uow:
            found = uow.products.for_obsids(obsids, scope)
        if not found and self._looks_local(scope):
            return self._personal().get_products(obsids, scope)
        return found

    def _writer_for(self, scope: str, what: str) -> Store:
        """This store, or (team mode) this machine's personal cache for rows of a login's
        scope that are not shared with the team (store/teamresults.py)."""
        if self.local is None or scope == ANONYMOUS:
            return self
        from mastcache.store.teamresults import may_share

        return self if may_share(self, scope, what) else self._personal()

    def _personal(self) -> Store:
        """This machine's personal cache (team mode only)."""
        assert self.local is not None
        return self.local.store()

    def _looks_local(self, scope: str) -> bool:
        """Whether a lookup that missed the team catalog looks in the personal cache."""
        return self.local is not None and self._serve_local and scope != ANONYMOUS

    def get_file(self, uri: str) -> FileRecord | None:
        with self.unit_of_work(read_only=True) as uow:
            found = uow.files.get(uri)
        if found is None and self.local is not None and self._serve_local:
            return self.local.store().get_file(uri)  # kept on this machine only
        return found

    def put_file(self, record: FileRecord) -> FileRecord:
        with self.unit_of_work() as uow:
            return uow.files.put(record)

    def put_snapshot(self, record: SnapshotRecord) -> SnapshotRecord:
        with self.unit_of_work() as uow:
            return uow.snapshots.put(record)

    def list_snapshots(self) -> list[SnapshotRecord]:
        with self.unit_of_work(read_only=True) as uow:
            return uow.snapshots.list()

    # ---- housekeeping -----------------------------------------------------------------

    def sweep_orphans(self, *, older_than: float = ORPHAN_GRACE_S) -> int:
        """Remove temp files, unreferenced result files older than ``older_than`` s and, in
        team mode, empty folder markers (store/orphans.py: lists the team store, so
        maintenance only, never at start-up). A read-only cache sweeps nothing."""
        from mastcache.store.orphans import sweep_orphans

        return sweep_orphans(self, older_than)

    def sweep_local_orphans(self, *, older_than: float = ORPHAN_GRACE_S) -> int:
        """What :meth:`open` sweeps: temp files in the cache directory and, for a local
        cache, unreferenced result files there; never a listing of the team store."""
        from mastcache.store.orphans import sweep_local_orphans

        return sweep_local_orphans(self, older_than)

    @property
    def is_direct(self) -> bool:
        """Whether result files live in this cache directory itself (not team mode)."""
        return self._direct

    def referenced_tables(self) -> set[str]:
        """Every ``table_path`` the catalog points to."""
        if self._index.is_available:
            return self._index.table_paths()
        with self.unit_of_work(read_only=True) as uow:
            return uow.queries.table_paths()

    def remove_table_file(self, table_path: str) -> None:
        """Remove a result file no row points to (the sweep's doing)."""
        self._remove(table_path)


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    if "sqlalchemy" not in sys.modules:
        return False
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)


def _require_catalog(root: Path) -> None:
    if not (root / CATALOG_FILENAME).is_file():
        raise ReadOnlyCacheError(
            f"the cache directory {root} is read-only for this process and holds no mastcache "
            f"catalog ({CATALOG_FILENAME}); point --cache-dir / MASTCACHE_DIR at a prepared "
            "cache or at a writable directory"
        )


def _make_cache_dir(path: Path) -> None:
    if path.is_dir():
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the cache directory {path}: {exc.strerror or exc}; "
            "set MASTCACHE_DIR (or --cache-dir) to a writable directory"
        ) from exc
