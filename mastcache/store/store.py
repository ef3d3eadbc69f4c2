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

from mastcache.errors import CorruptEntryError, StoreError
from mastcache.settings import Settings
from mastcache.store import hitcounts
from mastcache.store.catalogindex import CatalogIndex
from mastcache.store.engine import READ_ONLY, make_engine, sqlite_catalog_path
from mastcache.store.files import HashMemo, sweep_temp_files
from mastcache.store.objectstore import ObjectStore, open_object_store, table_folder
from mastcache.store.records import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    QueryStats,
    ResolutionRecord,
    SnapshotRecord,
    as_utc,
    utcnow,
)
from mastcache.store.schemacheck import known_head, sqlite_revision

if TYPE_CHECKING:  # imported when first needed: a cache hit needs neither (see open())
    from astropy.table import Table
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from mastcache.store.unit_of_work import UnitOfWork

__all__ = ["ORPHAN_GRACE_S", "STAGING_DIR", "Store"]

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
        self._index = CatalogIndex(sqlite_catalog_path(settings))
        self.schema_revision = ""

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
    def open(cls, settings: Settings) -> Store:
        """Open (creating if needed) the cache at ``settings.cache_dir``.

        A new catalog is created at the Alembic head; an older one raises
        :class:`~mastcache.errors.SchemaOutdatedError` naming ``mastcache db upgrade``.
        Orphans of killed writers (temp files, unreferenced results) are swept.
        """
        _make_cache_dir(Path(settings.cache_dir))
        store = cls(settings)
        try:
            store.schema_revision = store._quick_revision() or store._checked_revision()
            store.sweep_orphans()
        except BaseException as exc:
            store.close()
            if _is_sqlalchemy_error(exc):
                where = store.engine.url.render_as_string(hide_password=True)
                raise StoreError(
                    f"cannot open the cache catalog {where}: {getattr(exc, 'orig', None) or exc}"
                    "; if the file is damaged, move the cache directory aside (or set "
                    "MASTCACHE_DIR elsewhere) and fetch again"
                ) from exc
            raise
        return store

    def _quick_revision(self) -> str | None:
        """The catalog's revision if it is an SQLite file already at the newest one."""
        path = sqlite_catalog_path(self.settings)
        if path is None:
            return None
        try:
            found = sqlite_revision(path)
        except sqlite3.Error:
            return None  # the full check says what is wrong
        return found if found is not None and found == known_head() else None

    def _checked_revision(self) -> str:
        """Create the schema, or check it, with Alembic (see store/schema.py)."""
        from mastcache.store.schema import ensure_current

        return ensure_current(self.engine)

    def close(self) -> None:
        self._index.close()
        if self._engine is not None:
            self._engine.dispose()

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

        writers, readers = self._session_makers()
        return UnitOfWork(
            readers if read_only else writers, where=f"the cache catalog in {self.root}"
        )

    # ---- query results ---------------------------------------------------------------

    def get_query(self, key: str) -> QueryRecord | None:
        if self._index.is_available:
            return self._index.query(key)
        with self.unit_of_work(read_only=True) as uow:
            return uow.queries.get(key)

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
        """Store ``table`` as the result of query ``key`` (file first, then the row)."""
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
        return self.commit_query(record)

    def write_table_file(
        self, key: str, table: Table, provenance: Mapping[str, Any] | None = None
    ) -> tuple[str, str, int]:
        """Step 1 of :meth:`put_query`: the Parquet file alone. Returns
        ``(table_path relative to the cache dir, sha256, nbytes)``; nothing is served
        from it until :meth:`commit_query` records it."""
        from mastcache.store import parquet

        folder = table_folder((provenance or {}).get("service"))
        directory = self.root / (folder if self._direct else STAGING_DIR)
        # unique per write, not only per content: a concurrent delete of the previous row of
        # an unchanged result must never remove the file this write is about to commit
        unique = uuid.uuid4().hex[:8]
        path, sha256, nbytes = parquet.write_table_named(
            table, directory, lambda sha: f"{key}-{sha[:16]}-{unique}.parquet", provenance
        )
        if not self._direct:
            return self._publish(path, f"{folder}/{path.name}", sha256, nbytes)
        self._memo.remember(path, path.stat(), sha256)
        return path.relative_to(self.root).as_posix(), sha256, nbytes

    def _publish(
        self, staged: Path, relative: str, sha256: str, nbytes: int
    ) -> tuple[str, str, int]:
        """Upload a staged file to the object store and verify it there (team mode)."""
        try:
            self.objects.publish(staged, relative, sha256, nbytes)
        finally:
            staged.unlink(missing_ok=True)
        return relative, sha256, nbytes

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
            raise self._corrupt(record, f"{stat.st_size} bytes instead of {record.nbytes}")
        slot = (str(self.root), record.key)  # tables kept in memory: see store/hotcache.py
        identity = FileIdentity(record.sha256, stat.st_ino, stat.st_mtime_ns, stat.st_size)
        return hot_cache().serve(slot, identity, lambda: self._read_verified(record, path, stat))

    def delete_query(self, key: str) -> None:
        with self.unit_of_work() as uow:
            record = uow.queries.delete(key)
            if record is not None:
                uow.after_commit(lambda: self._remove(record.table_path))

    def record_hit(self, key: str) -> None:
        """Count a hit; written in batches (store/hitcounts.py: within 2 s, at exit)."""
        hitcounts.count(self, key, hit=True)

    def record_miss(self, key: str) -> None:
        """Count a miss; written in batches like :meth:`record_hit`."""
        hitcounts.count(self, key, hit=False)

    def query_stats(self, key: str | None = None) -> QueryStats:
        """Hit/miss counters of ``key``, or totals over every key when ``key`` is None.

        Counts of this process not yet written are written first, so they are included.
        """
        hitcounts.flush_cache(self)
        with self.unit_of_work(read_only=True) as uow:
            return uow.stats.totals() if key is None else uow.stats.get(key)

    def _read_verified(self, record: QueryRecord, path: Path, stat: os.stat_result) -> Any:
        """The Arrow table in ``path``, hashed unless its identity is memoised."""
        from mastcache.store import parquet

        if self._memo.lookup(path, stat) == record.sha256:
            return parquet.read_arrow(path)
        data = path.read_bytes()  # hash and parse one in-memory copy: one read from disk
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != record.sha256:
            raise self._corrupt(
                record, f"sha256 {sha256[:12]}... instead of {record.sha256[:12]}..."
            )
        self._memo.remember(path, stat, sha256)
        return parquet.read_arrow(data)

    def _read_object(self, record: QueryRecord) -> Table:
        from mastcache.store import parquet

        try:
            data = self.objects.read_bytes(record.table_path)
        except FileNotFoundError:
            return self._read_replaced(record)
        if len(data) != record.nbytes:
            raise self._corrupt(record, f"{len(data)} bytes instead of {record.nbytes}")
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != record.sha256:
            raise self._corrupt(
                record, f"sha256 {sha256[:12]}... instead of {record.sha256[:12]}..."
            )
        return parquet.read_table(data)

    def _read_replaced(self, record: QueryRecord) -> Table:
        newer = self.get_query(record.key)
        if newer is None or newer.table_path == record.table_path:
            raise self._corrupt(record, "the file is missing")
        return self.read_table(newer)

    def _corrupt(self, record: QueryRecord, detail: str) -> CorruptEntryError:
        return CorruptEntryError(
            f"the cached result of query {record.key[:12]} ({record.service}) is damaged: "
            f"{self.objects.url}/{record.table_path} has {detail}; it will be fetched again in "
            "cache-first mode, or run `mastcache cache verify` to find other damage"
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
            return uow.resolutions.get(name, resolver, resolve_all, scope)

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
        with self.unit_of_work() as uow:
            return uow.resolutions.put(record)

    def put_products(self, records: Iterable[ProductRecord]) -> int:
        with self.unit_of_work() as uow:
            return uow.products.put_many(records)

    def get_products(self, obsids: Iterable[str], scope: str = "anonymous") -> list[ProductRecord]:
        with self.unit_of_work(read_only=True) as uow:
            return uow.products.for_obsids(obsids, scope)

    def get_file(self, uri: str) -> FileRecord | None:
        with self.unit_of_work(read_only=True) as uow:
            return uow.files.get(uri)

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
        """Remove temp files and unreferenced result files older than ``older_than`` s."""
        removed = sweep_temp_files(self.tables_dir, older_than=older_than)
        removed += sweep_temp_files(self.products_dir, older_than=older_than)
        removed += sweep_temp_files(self.root / STAGING_DIR, older_than=older_than)
        return removed + self._sweep_unreferenced_tables(older_than)

    def _sweep_unreferenced_tables(self, older_than: float) -> int:
        """Result files no catalog row points to: left by writers killed before commit."""
        if self._index.is_available:
            referenced = self._index.table_paths()
        else:
            with self.unit_of_work(read_only=True) as uow:
                referenced = uow.queries.table_paths()
        cutoff = utcnow().timestamp() - older_than
        removed = 0
        for found in self.objects.list_files("tables"):
            if not found.path.endswith(".parquet") or found.path in referenced:
                continue
            if found.mtime < cutoff:
                self._remove(found.path)
                removed += 1
        return removed


def _is_sqlalchemy_error(exc: BaseException) -> bool:
    if "sqlalchemy" not in sys.modules:
        return False
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError)


def _make_cache_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the cache directory {path}: {exc.strerror or exc}; "
            "set MASTCACHE_DIR (or --cache-dir) to a writable directory"
        ) from exc
