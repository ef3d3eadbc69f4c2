"""Read-only SQL over the cache: locked-down DuckDB views over the cached Parquet results.

``mastcache.sql(...)`` is :func:`sql` here; :func:`connect` opens a session for several queries.
Names are imported on first use: ``from mastcache.sqlview.lock import CacheLock`` (cache
maintenance) must not pay for DuckDB and pyarrow.dataset.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mastcache.sqlview.api import connect, sql
    from mastcache.sqlview.lock import CacheLock
    from mastcache.sqlview.lockdown import DEFAULT_TIMEOUT
    from mastcache.sqlview.result import SQLResult
    from mastcache.sqlview.session import CacheSQL

__all__ = ["DEFAULT_TIMEOUT", "CacheLock", "CacheSQL", "SQLResult", "connect", "sql"]

_HOMES = {
    "DEFAULT_TIMEOUT": "lockdown",
    "CacheLock": "lock",
    "CacheSQL": "session",
    "SQLResult": "result",
    "connect": "api",
    "sql": "api",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
