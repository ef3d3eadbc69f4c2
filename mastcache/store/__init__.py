"""The local cache store: SQLAlchemy catalog, Parquet results, files, migrations.

``Store.open(settings)`` is the entry point; everything it returns is a frozen record.
"""

from __future__ import annotations

from mastcache.store.records import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    QueryStats,
    ResolutionRecord,
    SnapshotRecord,
)
from mastcache.store.store import Store

__all__ = [
    "FileRecord",
    "ProductRecord",
    "QueryRecord",
    "QueryStats",
    "ResolutionRecord",
    "SnapshotRecord",
    "Store",
]
