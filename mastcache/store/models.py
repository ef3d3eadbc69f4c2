"""SQLAlchemy 2.x models of the cache catalog (``catalog.sqlite``), at the Alembic head.

The schema itself only changes through revisions in the top-level ``migrations/`` folder;
these models mirror the newest revision and are used by the repositories alone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "FileRow",
    "ProductRow",
    "QueryRow",
    "QueryStatsRow",
    "ResolutionRow",
    "SnapshotRow",
    "UTCDateTime",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes aware UTC times")
        utc = value.astimezone(timezone.utc)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)  # type: ignore[no-any-return]
        return value.astimezone(timezone.utc)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class QueryRow(Base):
    __tablename__ = "queries"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    params_json: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(200))
    table_path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    nbytes: Mapped[int] = mapped_column(BigInteger)
    nrows: Mapped[int] = mapped_column(BigInteger)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ResolutionRow(Base):
    __tablename__ = "resolutions"
    __table_args__ = (UniqueConstraint("name", "resolver", "resolve_all", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Lower-cased search string.
    name: Mapped[str] = mapped_column(String(500))
    #: Resolver option; "" stands for "any resolver" (NULLs defeat unique constraints).
    resolver: Mapped[str] = mapped_column(String(40))
    resolve_all: Mapped[bool] = mapped_column(Boolean)
    scope: Mapped[str] = mapped_column(String(200))
    entries_json: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("obsid", "uri", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    obsid: Mapped[str] = mapped_column(String(64), index=True)
    uri: Mapped[str] = mapped_column(String(1000))
    filename: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    checksum: Mapped[str | None] = mapped_column(String(200), nullable=True)
    product_group: Mapped[str | None] = mapped_column(String(100), nullable=True)
    product_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    row_json: Mapped[str] = mapped_column(Text)


class FileRow(Base):
    __tablename__ = "files"

    uri: Mapped[str] = mapped_column(String(1000), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    local_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Added by revision 0002: when ``cache verify`` last re-hashed the file.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    #: Added by revision 0003: the identity scope the file was downloaded under.
    scope: Mapped[str] = mapped_column(String(200), default="anonymous", server_default="anonymous")


class SnapshotRow(Base):
    __tablename__ = "snapshots"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    query_keys_json: Mapped[str] = mapped_column(Text)
    mastcache_version: Mapped[str] = mapped_column(String(40))
    schema_revision: Mapped[str] = mapped_column(String(40))


class QueryStatsRow(Base):
    """Added by revision 0002: hit/miss counters per query key (no foreign key: a miss
    is counted before the query exists)."""

    __tablename__ = "query_stats"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hits: Mapped[int] = mapped_column(BigInteger, default=0)
    misses: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hit_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_miss_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class CloudPathRow(Base):
    """Added by revision 0004: where a product is in MAST's public bucket (one per dataURI)."""

    __tablename__ = "cloud_paths"

    uri: Mapped[str] = mapped_column(String(1000), primary_key=True)
    path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    in_cloud: Mapped[bool] = mapped_column(Boolean)
    size: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
