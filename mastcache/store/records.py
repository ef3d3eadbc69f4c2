"""The frozen records the store hands out: never ORM objects, always UTC-aware datetimes.

Repositories convert between these and the SQLAlchemy models in :mod:`.models`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "CloudPathRecord",
    "FileRecord",
    "ProductRecord",
    "QueryRecord",
    "QueryStats",
    "ResolutionRecord",
    "SnapshotRecord",
    "as_utc",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """``value`` as aware UTC; a naive value is taken to be UTC already (SQLite drops tz)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class QueryRecord:
    """One cached logical query and where its result table lives."""

    key: str
    service: str
    kind: str
    params: dict[str, Any]
    scope: str
    #: Parquet file, relative to the cache directory (POSIX separators).
    table_path: str
    sha256: str
    nbytes: int
    nrows: int
    fetched_at: datetime
    expires_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        """Whether the result's time to live has run out at ``now``."""
        return self.expires_at is not None and as_utc(now) >= self.expires_at


@dataclass(frozen=True)
class ResolutionRecord:
    """The resolver's answer for one name, as raw SANTA entries (dicts)."""

    name: str
    resolver: str | None
    resolve_all: bool
    scope: str
    entries: list[dict[str, Any]]
    fetched_at: datetime
    expires_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        """Whether the resolution's time to live has run out at ``now``."""
        return self.expires_at is not None and as_utc(now) >= self.expires_at


@dataclass(frozen=True)
class ProductRecord:
    """One row of an observation's product manifest, as MAST reports it."""

    obsid: str
    uri: str
    filename: str
    scope: str = "anonymous"
    size: int | None = None
    #: MAST's checksum when it reports one, e.g. ``"md5:..."`` or ``"sha256:..."``.
    checksum: str | None = None
    product_group: str | None = None
    product_type: str | None = None
    fetched_at: datetime | None = None
    #: The whole manifest row as MAST sent it (JSON-able values).
    row: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FileRecord:
    """One downloaded file: content-addressed under ``products/`` in the cache directory."""

    uri: str
    sha256: str
    size: int
    #: Relative to the cache directory (POSIX separators).
    local_path: str
    #: ``complete`` (verified), ``partial`` (resumable) or ``corrupt``.
    status: str = "complete"
    downloaded_at: datetime | None = None
    verified_at: datetime | None = None
    #: The identity scope it was downloaded under; only that scope (or any, when
    #: ``anonymous``) may be served it.
    scope: str = "anonymous"


@dataclass(frozen=True)
class SnapshotRecord:
    """A snapshot bundle made from (or restored into) this cache."""

    name: str
    path: str
    sha256: str
    created_at: datetime
    query_keys: list[str] = field(default_factory=list)
    mastcache_version: str = ""
    schema_revision: str = ""


@dataclass(frozen=True)
class QueryStats:
    """Hit and miss counters of one query key (``cache stats``)."""

    key: str
    hits: int = 0
    misses: int = 0
    last_hit_at: datetime | None = None
    last_miss_at: datetime | None = None


@dataclass(frozen=True)
class CloudPathRecord:
    """Where one product is in MAST's public bucket, as looked up (``cloud_paths``)."""

    uri: str
    #: The bucket key (astroquery's relative path); None when MAST knows no path.
    path: str | None
    #: Whether the object answered a HEAD in the bucket.
    in_cloud: bool
    #: The object's size (Content-Length), when in the cloud.
    size: int | None
    checked_at: datetime
