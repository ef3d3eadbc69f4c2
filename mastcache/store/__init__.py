"""The local cache store: SQLAlchemy catalog, Parquet results, files, migrations.

``Store.open(settings)`` is the entry point; everything it returns is a frozen record.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
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


def __getattr__(name: str) -> Any:
    """The names above on first use: ``cache stats`` and `mastcache sql` read
    ``store.engine``/``store.schemacheck``/``store.catalogrows`` without the object store's
    pyarrow or the records' dataclasses (see mastcache/stats.py, sqlview/contents.py)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module("mastcache.store.store" if name == "Store"
                                  else "mastcache.store.records"), name)  # fmt: skip
    globals()[name] = value
    return value
