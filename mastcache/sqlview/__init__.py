"""Read-only SQL over the cache: locked-down DuckDB views over the cached Parquet results.

The public entry points are re-exported by :mod:`mastcache.sql`.
"""

from __future__ import annotations

from mastcache.sqlview.lock import CacheLock
from mastcache.sqlview.result import SQLResult
from mastcache.sqlview.session import DEFAULT_TIMEOUT, CacheSQL

__all__ = ["DEFAULT_TIMEOUT", "CacheLock", "CacheSQL", "SQLResult"]
