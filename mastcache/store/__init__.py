"""The local cache store: SQLAlchemy catalog, Parquet results, files, migrations.

``Store.open(settings)`` is the entry point; everything it returns is a frozen record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mastcache.store.records import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    QueryStats,
    ResolutionRecord,
    SnapshotRecord,
)

if TYPE_CHECKING:  # pragma: no cover
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


def __getattr__(name: str) -> Any:
    """``Store`` on first use: ``cache stats`` reads ``store.engine``/``store.schemacheck``
    without the object store's pyarrow (see mastcache/stats.py)."""
    if name != "Store":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from mastcache.store.store import Store

    return Store
