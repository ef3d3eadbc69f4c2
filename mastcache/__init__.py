"""mastcache: MAST, offline, fast and reproducible.

A drop-in for ``astroquery.mast`` whose every call goes through a local store. Importing
this package opens no file, reads no token and touches no network: the service objects
below are created on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mastcache._version import __version__
from mastcache.errors import (
    AuthenticationError,
    CacheMissError,
    ConfigurationError,
    CorruptEntryError,
    DownloadError,
    HTTPStatusError,
    InvalidQueryError,
    MastCacheError,
    ProtocolError,
    ReadOnlyCacheError,
    RemoteServiceError,
    RemoteTimeoutError,
    ResolverError,
    SchemaOutdatedError,
    SnapshotError,
    SQLError,
    StorageFullError,
    StoreError,
    TransportError,
)

if TYPE_CHECKING:  # pragma: no cover  (what type checkers see of the lazy names below)
    from mastcache import snapshot
    from mastcache.client import (
        Catalogs,
        Hapcut,
        Mast,
        MastMissions,
        Observations,
        Tesscut,
        Zcut,
    )
    from mastcache.errors import (
        InputWarning,
        MastCacheWarning,
        MaxResultsWarning,
        NoResultsWarning,
        StaleResultWarning,
    )
    from mastcache.runtime import configure, using_mode
    from mastcache.settings import Settings
    from mastcache.skycoverage import coverage
    from mastcache.sqlview import sql
    from mastcache.transparent import install, installed, uninstall

__all__ = [
    "AuthenticationError",
    "CacheMissError",
    "Catalogs",
    "ConfigurationError",
    "CorruptEntryError",
    "DownloadError",
    "HTTPStatusError",
    "Hapcut",
    "InputWarning",
    "InvalidQueryError",
    "Mast",
    "MastCacheError",
    "MastCacheWarning",
    "MastMissions",
    "MaxResultsWarning",
    "NoResultsWarning",
    "Observations",
    "ProtocolError",
    "ReadOnlyCacheError",
    "RemoteServiceError",
    "RemoteTimeoutError",
    "ResolverError",
    "SQLError",
    "SchemaOutdatedError",
    "Settings",
    "SnapshotError",
    "StaleResultWarning",
    "StorageFullError",
    "StoreError",
    "Tesscut",
    "TransportError",
    "Zcut",
    "__version__",
    "configure",
    "coverage",
    "install",
    "installed",
    "snapshot",
    "sql",
    "uninstall",
    "using_mode",
]

# public name -> (module, attribute); imported on first use (STYLE.md habit 12)
_LAZY: dict[str, tuple[str, str]] = {
    "Observations": ("mastcache.client", "Observations"),
    "Mast": ("mastcache.client", "Mast"),
    "MastMissions": ("mastcache.client", "MastMissions"),
    "Catalogs": ("mastcache.client", "Catalogs"),
    "Tesscut": ("mastcache.client", "Tesscut"),
    "Zcut": ("mastcache.client", "Zcut"),
    "Hapcut": ("mastcache.client", "Hapcut"),
    "Settings": ("mastcache.settings", "Settings"),
    "configure": ("mastcache.runtime", "configure"),
    "using_mode": ("mastcache.runtime", "using_mode"),
    "sql": ("mastcache.sqlview", "sql"),
    "coverage": ("mastcache.skycoverage", "coverage"),
    "snapshot": ("mastcache.snapshot", ""),
    "install": ("mastcache.transparent", "install"),
    "uninstall": ("mastcache.transparent", "uninstall"),
    "installed": ("mastcache.transparent", "installed"),
    # warnings derive from astropy's AstropyWarning: made on first use (mastcache/errors.py)
    **{
        name: ("mastcache.errors", name)
        for name in (
            "InputWarning",
            "MastCacheWarning",
            "MaxResultsWarning",
            "NoResultsWarning",
            "StaleResultWarning",
        )
    },
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mastcache' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
