"""One repository per catalog table. Each takes a Session inside a unit of work and speaks
records (:mod:`.records`) only: no ORM object ever leaves this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from mastcache.errors import StoreError
from mastcache.store.models import (
    FileRow,
    ProductRow,
    QueryRow,
    QueryStatsRow,
    ResolutionRow,
    SnapshotRow,
)
from mastcache.store.records import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    QueryStats,
    ResolutionRecord,
    SnapshotRecord,
)

__all__ = [
    "FileRepository",
    "ProductRepository",
    "QueryRepository",
    "ResolutionRepository",
    "SnapshotRepository",
    "StatsRepository",
]


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StoreError(f"{what} cannot be stored as JSON ({exc}): expected JSON values") from exc


class QueryRepository:
    """``queries``: one row per logical query and its Parquet result."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str) -> QueryRecord | None:
        row = self._session.get(QueryRow, key)
        return None if row is None else _query_record(row)

    def replace(self, record: QueryRecord) -> QueryRecord | None:
        """Insert or overwrite ``record``; returns the record it replaced, if any."""
        row = self._session.get(QueryRow, record.key)
        previous = None if row is None else _query_record(row)
        if row is None:
            row = QueryRow(key=record.key)
            self._session.add(row)
        row.service, row.kind, row.scope = record.service, record.kind, record.scope
        row.params_json = _dumps(record.params, f"the parameters of query {record.key}")
        row.table_path, row.sha256 = record.table_path, record.sha256
        row.nbytes, row.nrows = record.nbytes, record.nrows
        row.fetched_at, row.expires_at = record.fetched_at, record.expires_at
        self._session.flush()
        return previous

    def list(self, *, service: str | None = None, kind: str | None = None) -> list[QueryRecord]:
        statement = select(QueryRow).order_by(QueryRow.fetched_at, QueryRow.key)
        if service is not None:
            statement = statement.where(QueryRow.service == service)
        if kind is not None:
            statement = statement.where(QueryRow.kind == kind)
        return [_query_record(row) for row in self._session.scalars(statement)]

    def delete(self, key: str) -> QueryRecord | None:
        row = self._session.get(QueryRow, key)
        if row is None:
            return None
        record = _query_record(row)
        self._session.delete(row)
        self._session.flush()
        return record

    def table_paths(self) -> set[str]:
        return set(self._session.scalars(select(QueryRow.table_path)))


def _query_record(row: QueryRow) -> QueryRecord:
    return QueryRecord(
        key=row.key,
        service=row.service,
        kind=row.kind,
        params=json.loads(row.params_json),
        scope=row.scope,
        table_path=row.table_path,
        sha256=row.sha256,
        nbytes=row.nbytes,
        nrows=row.nrows,
        fetched_at=row.fetched_at,
        expires_at=row.expires_at,
    )


class ResolutionRepository:
    """``resolutions``: one row per (lower-cased name, resolver, resolve_all, scope)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(
        self, name: str, resolver: str | None, resolve_all: bool, scope: str
    ) -> ResolutionRecord | None:
        row = self._find(name, resolver, resolve_all, scope)
        return None if row is None else _resolution_record(row)

    def put(self, record: ResolutionRecord) -> ResolutionRecord:
        row = self._find(record.name, record.resolver, record.resolve_all, record.scope)
        if row is None:
            row = ResolutionRow(
                name=record.name.lower(),
                resolver=record.resolver or "",
                resolve_all=record.resolve_all,
                scope=record.scope,
            )
            self._session.add(row)
        row.entries_json = _dumps(record.entries, f"the resolution of {record.name!r}")
        row.fetched_at, row.expires_at = record.fetched_at, record.expires_at
        self._session.flush()
        return _resolution_record(row)

    def list(self) -> list[ResolutionRecord]:
        statement = select(ResolutionRow).order_by(ResolutionRow.name, ResolutionRow.id)
        return [_resolution_record(row) for row in self._session.scalars(statement)]

    def delete(self, record: ResolutionRecord) -> bool:
        """Remove the row of ``record``; False when it was already gone."""
        row = self._find(record.name, record.resolver, record.resolve_all, record.scope)
        if row is None:
            return False
        self._session.delete(row)
        self._session.flush()
        return True

    def _find(
        self, name: str, resolver: str | None, resolve_all: bool, scope: str
    ) -> ResolutionRow | None:
        statement = select(ResolutionRow).where(
            ResolutionRow.name == name.lower(),
            ResolutionRow.resolver == (resolver or ""),
            ResolutionRow.resolve_all == resolve_all,
            ResolutionRow.scope == scope,
        )
        return self._session.scalars(statement).one_or_none()


def _resolution_record(row: ResolutionRow) -> ResolutionRecord:
    return ResolutionRecord(
        name=row.name,
        resolver=row.resolver or None,
        resolve_all=row.resolve_all,
        scope=row.scope,
        entries=json.loads(row.entries_json),
        fetched_at=row.fetched_at,
        expires_at=row.expires_at,
    )


class ProductRepository:
    """``products``: observation product manifests, one row per (obsid, uri, scope)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def put_many(self, records: Iterable[ProductRecord]) -> int:
        """Insert or update ``records``; returns how many were written."""
        count = 0
        for record in records:
            row = self._find(record.obsid, record.uri, record.scope)
            if row is None:
                row = ProductRow(obsid=record.obsid, uri=record.uri, scope=record.scope)
                self._session.add(row)
            row.filename, row.size, row.checksum = record.filename, record.size, record.checksum
            row.product_group, row.product_type = record.product_group, record.product_type
            row.fetched_at = record.fetched_at
            row.row_json = _dumps(record.row, f"the manifest row of {record.uri}")
            count += 1
        self._session.flush()
        return count

    def delete_all(self) -> int:
        """Remove every manifest row; returns how many there were."""
        result = self._session.execute(delete(ProductRow))
        return int(getattr(result, "rowcount", 0) or 0)

    def for_obsids(self, obsids: Iterable[str], scope: str) -> list[ProductRecord]:
        wanted = list(dict.fromkeys(obsids))
        statement = (
            select(ProductRow)
            .where(ProductRow.obsid.in_(wanted), ProductRow.scope == scope)
            .order_by(ProductRow.obsid, ProductRow.id)
        )
        return [_product_record(row) for row in self._session.scalars(statement)]

    def for_uri(self, uri: str, scope: str) -> ProductRecord | None:
        """The newest manifest row naming ``uri`` in ``scope`` (MAST's size and checksum)."""
        statement = (
            select(ProductRow)
            .where(ProductRow.uri == uri, ProductRow.scope == scope)
            .order_by(ProductRow.id.desc())
            .limit(1)
        )
        row = self._session.scalars(statement).one_or_none()
        return None if row is None else _product_record(row)

    def list(self, *, scope: str | None = None) -> list[ProductRecord]:
        """Every stored manifest row (of one ``scope`` if given)."""
        statement = select(ProductRow).order_by(ProductRow.obsid, ProductRow.id)
        if scope is not None:
            statement = statement.where(ProductRow.scope == scope)
        return [_product_record(row) for row in self._session.scalars(statement)]

    def _find(self, obsid: str, uri: str, scope: str) -> ProductRow | None:
        statement = select(ProductRow).where(
            ProductRow.obsid == obsid, ProductRow.uri == uri, ProductRow.scope == scope
        )
        return self._session.scalars(statement).one_or_none()


def _product_record(row: ProductRow) -> ProductRecord:
    return ProductRecord(
        obsid=row.obsid,
        uri=row.uri,
        filename=row.filename,
        scope=row.scope,
        size=row.size,
        checksum=row.checksum,
        product_group=row.product_group,
        product_type=row.product_type,
        fetched_at=row.fetched_at,
        row=json.loads(row.row_json),
    )


class FileRepository:
    """``files``: downloaded, content-addressed product files."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, uri: str) -> FileRecord | None:
        row = self._session.get(FileRow, uri)
        return None if row is None else _file_record(row)

    def put(self, record: FileRecord) -> FileRecord:
        row = self._session.get(FileRow, record.uri)
        if row is None:
            row = FileRow(uri=record.uri)
            self._session.add(row)
        row.sha256, row.size, row.local_path = record.sha256, record.size, record.local_path
        row.status, row.downloaded_at = record.status, record.downloaded_at
        row.verified_at, row.scope = record.verified_at, record.scope
        self._session.flush()
        return _file_record(row)

    def mark_verified(self, uri: str, when: datetime, status: str = "complete") -> None:
        statement = update(FileRow).where(FileRow.uri == uri)
        self._session.execute(statement.values(verified_at=when, status=status))

    def by_sha256(self, sha256: str) -> list[FileRecord]:
        statement = select(FileRow).where(FileRow.sha256 == sha256).order_by(FileRow.uri)
        return [_file_record(row) for row in self._session.scalars(statement)]

    def list(self) -> list[FileRecord]:
        statement = select(FileRow).order_by(FileRow.uri)
        return [_file_record(row) for row in self._session.scalars(statement)]

    def delete(self, uri: str) -> None:
        row = self._session.get(FileRow, uri)
        if row is not None:
            self._session.delete(row)
            self._session.flush()


def _file_record(row: FileRow) -> FileRecord:
    return FileRecord(
        uri=row.uri,
        sha256=row.sha256,
        size=row.size,
        local_path=row.local_path,
        status=row.status,
        downloaded_at=row.downloaded_at,
        verified_at=row.verified_at,
        scope=row.scope,
    )


class SnapshotRepository:
    """``snapshots``: bundles made from or restored into this cache."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> SnapshotRecord | None:
        row = self._session.get(SnapshotRow, name)
        return None if row is None else _snapshot_record(row)

    def put(self, record: SnapshotRecord) -> SnapshotRecord:
        row = self._session.get(SnapshotRow, record.name)
        if row is None:
            row = SnapshotRow(name=record.name)
            self._session.add(row)
        row.path, row.sha256, row.created_at = record.path, record.sha256, record.created_at
        row.query_keys_json = _dumps(record.query_keys, f"snapshot {record.name!r}")
        row.mastcache_version = record.mastcache_version
        row.schema_revision = record.schema_revision
        self._session.flush()
        return _snapshot_record(row)

    def list(self) -> list[SnapshotRecord]:
        statement = select(SnapshotRow).order_by(SnapshotRow.created_at, SnapshotRow.name)
        return [_snapshot_record(row) for row in self._session.scalars(statement)]

    def delete(self, name: str) -> None:
        row = self._session.get(SnapshotRow, name)
        if row is not None:
            self._session.delete(row)
            self._session.flush()


def _snapshot_record(row: SnapshotRow) -> SnapshotRecord:
    return SnapshotRecord(
        name=row.name,
        path=row.path,
        sha256=row.sha256,
        created_at=row.created_at,
        query_keys=json.loads(row.query_keys_json),
        mastcache_version=row.mastcache_version,
        schema_revision=row.schema_revision,
    )


class StatsRepository:
    """``query_stats``: hit and miss counters per query key."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record_hit(self, key: str, when: datetime) -> None:
        self._bump(key, hits=QueryStatsRow.hits + 1, last_hit_at=when)

    def record_miss(self, key: str, when: datetime) -> None:
        self._bump(key, misses=QueryStatsRow.misses + 1, last_miss_at=when)

    def add(
        self,
        key: str,
        *,
        hits: int = 0,
        misses: int = 0,
        last_hit_at: datetime | None = None,
        last_miss_at: datetime | None = None,
    ) -> None:
        """Add ``hits`` and ``misses`` to ``key``'s counters in one statement."""
        values: dict[str, Any] = {}
        if hits:
            values.update(hits=QueryStatsRow.hits + hits, last_hit_at=last_hit_at)
        if misses:
            values.update(misses=QueryStatsRow.misses + misses, last_miss_at=last_miss_at)
        if values:
            self._bump(key, **values)

    def get(self, key: str) -> QueryStats:
        row = self._session.get(QueryStatsRow, key)
        return QueryStats(key=key) if row is None else _stats_record(row)

    def totals(self) -> QueryStats:
        """Sums over every key (``key`` is ``"*"``)."""
        statement = select(
            func.coalesce(func.sum(QueryStatsRow.hits), 0),
            func.coalesce(func.sum(QueryStatsRow.misses), 0),
        )
        hits, misses = self._session.execute(statement).one()
        return QueryStats(key="*", hits=int(hits), misses=int(misses))

    def _bump(self, key: str, **values: Any) -> None:
        statement = update(QueryStatsRow).where(QueryStatsRow.key == key).values(**values)
        if self._session.execute(statement).rowcount == 0:  # type: ignore[attr-defined]
            row = QueryStatsRow(key=key, hits=0, misses=0)
            self._session.add(row)
            self._session.flush()
            self._session.execute(statement)


def _stats_record(row: QueryStatsRow) -> QueryStats:
    return QueryStats(
        key=row.key,
        hits=row.hits,
        misses=row.misses,
        last_hit_at=row.last_hit_at,
        last_miss_at=row.last_miss_at,
    )
