"""Read-only SQL over the cache: locked-down DuckDB views over the cached Parquet results.

``mastcache.sql(...)`` is :func:`sql` here; :func:`connect` opens a session for several queries.
"""

from __future__ import annotations

from mastcache.sqlview.api import connect, sql
from mastcache.sqlview.lock import CacheLock
from mastcache.sqlview.result import SQLResult
from mastcache.sqlview.session import DEFAULT_TIMEOUT, CacheSQL

__all__ = ["DEFAULT_TIMEOUT", "CacheLock", "CacheSQL", "SQLResult", "connect", "sql"]
