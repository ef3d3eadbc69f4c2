"""``cache stats``: what a cache directory holds, per service, plus files and resolutions.

An SQLite catalog is read with three aggregate ``sqlite3`` statements in one transaction
(no SQLAlchemy, no record per query: flat in the number of cached queries); other catalogs
(a team's PostgreSQL) through the repositories.
"""

from __future__ import annotations

import sqlite3
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mastcache.settings import Settings
from mastcache.store.engine import (
    BUSY_TIMEOUT_S,
    read_only_uri,
    sqlite_catalog_path,
    sqlite_read_only,
)
from mastcache.store.records import QueryRecord

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.store import Store

__all__ = ["CacheStats", "ServiceStats", "cache_stats", "human_bytes", "stats_html"]


@dataclass(frozen=True)
class ServiceStats:
    """What the cache holds for one MAST service."""

    service: str
    kind: str
    entries: int
    rows: int
    bytes: int
    hits: int
    misses: int


@dataclass(frozen=True)
class CacheStats:
    cache_dir: Path
    services: tuple[ServiceStats, ...]
    resolutions: int
    files: int
    file_bytes: int
    http_cache_bytes: int
    catalog_bytes: int

    @property
    def total_bytes(self) -> int:
        tables = sum(service.bytes for service in self.services)
        return tables + self.file_bytes + self.http_cache_bytes + self.catalog_bytes

    def _repr_html_(self) -> str:
        """A notebook table: one row per service, then the totals."""
        return stats_html(self)


def human_bytes(nbytes: float) -> str:
    """``1.5 MB`` for 1_500_000 (decimal units, as ``cache stats`` prints them)."""
    for unit in ("B", "kB", "MB", "GB"):
        if nbytes < 1000:
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1000
    return f"{nbytes:.1f} TB"


def stats_html(stats: CacheStats) -> str:
    """``stats`` as an HTML table for Jupyter (every text escaped)."""
    from html import escape

    head = "".join(f"<th>{name}</th>" for name in
                   ("service", "kind", "entries", "rows", "size", "hits", "misses"))  # fmt: skip
    rows = "".join(
        f"<tr><td>{escape(s.service)}</td><td>{escape(s.kind)}</td><td>{s.entries}</td>"
        f"<td>{s.rows}</td><td>{human_bytes(s.bytes)}</td><td>{s.hits}</td>"
        f"<td>{s.misses}</td></tr>"
        for s in stats.services
    )
    summary = (
        f"{stats.resolutions} resolutions, {stats.files} files ({human_bytes(stats.file_bytes)}), "
        f"HTTP cache {human_bytes(stats.http_cache_bytes)}, catalog "
        f"{human_bytes(stats.catalog_bytes)}; <strong>{human_bytes(stats.total_bytes)}</strong> "
        f"in <code>{escape(str(stats.cache_dir))}</code>"
    )
    return (
        f"<div><strong>mastcache cache</strong><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{rows}</tbody></table><p>{summary}</p></div>"
    )


def cache_stats(settings: Settings) -> CacheStats:
    """Entries, rows, bytes, hits and misses per service, plus files and resolutions."""
    catalog = _current_local_catalog(settings)
    if catalog is not None:  # `mastcache cache stats`: no Store, so no pyarrow either
        counts = _sqlite_counts(catalog, read_only=sqlite_read_only(settings))
    else:
        counts = _store_counts(settings)
    root = settings.cache_dir
    return CacheStats(
        cache_dir=root,
        services=counts.services,
        resolutions=counts.resolutions,
        files=counts.files,
        file_bytes=counts.file_bytes,
        http_cache_bytes=_size(root / "http.sqlite"),
        catalog_bytes=_size(root / "catalog.sqlite"),
    )


def _current_local_catalog(settings: Settings) -> Path | None:
    """The SQLite catalog of a local cache when it can be read as it is
    (:func:`~mastcache.store.schemacheck.current_sqlite_catalog`) and this process has no
    unwritten hit counts (those need the Store). Anything else takes :func:`_store_counts`
    (which creates, checks or says why)."""
    if "mastcache.store.hitcounts" in sys.modules:
        return None
    from mastcache.store.schemacheck import current_sqlite_catalog

    return current_sqlite_catalog(settings)


def _store_counts(settings: Settings) -> _Counts:
    from mastcache.store import Store, hitcounts

    with Store.open(settings, sweep=False) as store:
        if not store.read_only:
            hitcounts.flush_cache(store)  # this process's unwritten hit counts count too
        path = sqlite_catalog_path(store.settings)
        if path is None:
            return _repository_counts(store)
        return _sqlite_counts(path, read_only=store.read_only)


@dataclass(frozen=True)
class _Counts:
    services: tuple[ServiceStats, ...]
    resolutions: int
    files: int
    file_bytes: int


_PER_SERVICE = (
    "SELECT q.service, q.kind, count(*), coalesce(sum(q.nrows), 0), coalesce(sum(q.nbytes), 0), "
    "coalesce(sum(s.hits), 0), coalesce(sum(s.misses), 0) "
    "FROM queries q LEFT JOIN query_stats s ON s.key = q.key "
    "GROUP BY q.service, q.kind ORDER BY q.service, q.kind"
)


def _sqlite_counts(path: Path, *, read_only: bool) -> _Counts:
    target = read_only_uri(path) if read_only else str(path)
    connection = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                 uri=read_only)  # fmt: skip
    try:
        connection.execute("PRAGMA query_only = ON")
        connection.execute("BEGIN")
        services = tuple(ServiceStats(*row) for row in connection.execute(_PER_SERVICE))
        (resolutions,) = connection.execute("SELECT count(*) FROM resolutions").fetchone()
        files, file_bytes = connection.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM files"
        ).fetchone()
        connection.execute("COMMIT")
    finally:
        connection.close()
    return _Counts(services, int(resolutions), int(files), int(file_bytes))


def _repository_counts(store: Store) -> _Counts:
    queries = store.list_queries()
    with store.unit_of_work(read_only=True) as uow:
        resolutions = len(uow.resolutions.list())
        files = uow.files.list()
    groups: dict[tuple[str, str], list[QueryRecord]] = defaultdict(list)
    for record in queries:
        groups[(record.service, record.kind)].append(record)
    services = tuple(
        _service_stats(store, service, kind, records)
        for (service, kind), records in sorted(groups.items())
    )
    return _Counts(services, resolutions, len(files), sum(record.size for record in files))


def _service_stats(
    store: Store, service: str, kind: str, records: list[QueryRecord]
) -> ServiceStats:
    counters = [store.query_stats(record.key) for record in records]
    return ServiceStats(
        service=service,
        kind=kind,
        entries=len(records),
        rows=sum(record.nrows for record in records),
        bytes=sum(record.nbytes for record in records),
        hits=sum(counter.hits for counter in counters),
        misses=sum(counter.misses for counter in counters),
    )


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
