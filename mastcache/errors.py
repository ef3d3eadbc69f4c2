"""The one error tree of mastcache, and its warnings.

Every error mastcache raises derives from :class:`MastCacheError`. Foreign exceptions
(requests, SQLAlchemy, pyarrow, DuckDB) are mapped into this tree at the boundary that meets
them, with ``raise ... from exc``. A message says what happened, what was expected, and what
to do next.

::

    MastCacheError
    ├── ConfigurationError          bad setting, environment variable or argument value
    ├── InvalidQueryError           bad criteria, coordinates, radius... (also a ValueError)
    ├── ResolverError               a name could not be resolved to a position
    ├── RemoteServiceError          MAST answered with status ERROR
    ├── CacheMissError              offline mode and the answer is not in the cache
    ├── TransportError              the network failed us
    │   ├── RemoteTimeoutError      no answer in time
    │   ├── HTTPStatusError         an HTTP error status after retries
    │   └── ProtocolError           a body that is not what MAST sends (truncated, bad JSON)
    ├── AuthenticationError         missing, invalid or expired MAST token; no keyring
    ├── StoreError                  the local cache itself
    │   ├── SchemaOutdatedError     the catalog needs ``mastcache db upgrade``
    │   ├── CorruptEntryError       a stored file does not match its recorded hash
    │   ├── StoreUnavailableError   the team catalog or object store cannot be reached
    │   │   └── EntryUnreachableError   ... and this machine has no copy of the entry
    │   ├── ReadOnlyCacheError      the cache directory cannot be written by this process
    │   └── StorageFullError        the disk is full; nothing was half-written
    ├── DownloadError               a product could not be fetched or verified
    ├── SnapshotError               a snapshot bundle is invalid, tampered or unsafe
    └── SQLError                    a rejected or failing SQL statement over the cache

Warnings: :class:`MastCacheWarning` and its children :class:`StaleResultWarning`,
:class:`NoResultsWarning`, :class:`MaxResultsWarning`, :class:`InputWarning`,
:class:`CacheWriteWarning`.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

__all__ = [
    "AuthenticationError",
    "CacheMissError",
    "CacheWriteWarning",
    "ConfigurationError",
    "CorruptEntryError",
    "DownloadError",
    "EntryUnreachableError",
    "HTTPStatusError",
    "InputWarning",
    "InvalidQueryError",
    "MastCacheError",
    "MastCacheWarning",
    "MaxResultsWarning",
    "NoResultsWarning",
    "ProtocolError",
    "ReadOnlyCacheError",
    "RemoteServiceError",
    "RemoteTimeoutError",
    "ResolverError",
    "SQLError",
    "SchemaOutdatedError",
    "SnapshotError",
    "StaleResultWarning",
    "StorageFullError",
    "StoreError",
    "StoreUnavailableError",
    "TransportError",
]


class MastCacheError(Exception):
    """Base class of every error raised by mastcache."""


class ConfigurationError(MastCacheError, ValueError):
    """A setting, environment variable or argument has a value mastcache cannot use."""


class InvalidQueryError(MastCacheError, ValueError):
    """The query is malformed: unknown criteria, bad coordinates, negative radius..."""


class ResolverError(MastCacheError):
    """An object name could not be resolved to a sky position."""


class RemoteServiceError(MastCacheError):
    """MAST answered, but with an ``ERROR`` status and a message."""


class CacheMissError(MastCacheError, LookupError):
    """Offline mode (or a snapshot replay) and the answer is not stored.

    ``what`` describes the missing call and ``key`` is its cache key, when known, so a
    snapshot replay can say what the snapshot lacks.
    """

    def __init__(self, message: str, *, what: str | None = None, key: str | None = None) -> None:
        super().__init__(message)
        self.what = what
        self.key = key


class TransportError(MastCacheError, ConnectionError):
    """The network failed: no answer, an error status, or a damaged body."""


class RemoteTimeoutError(TransportError, TimeoutError):
    """MAST did not answer within the configured timeout."""


class HTTPStatusError(TransportError):
    """MAST answered with an HTTP error status, after any retries."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class ProtocolError(TransportError):
    """The body is not what MAST sends: truncated, invalid JSON, wrong shape."""


class AuthenticationError(MastCacheError):
    """A MAST token is missing, invalid or expired, or cannot be stored."""


class StoreError(MastCacheError):
    """The local cache cannot be read or written."""


class SchemaOutdatedError(StoreError):
    """The cache catalog was made by an older mastcache; run ``mastcache db upgrade``."""


class CorruptEntryError(StoreError):
    """A stored file no longer matches the hash recorded when it was written."""


class StoreUnavailableError(StoreError):
    """The team catalog (PostgreSQL) or object store (S3) cannot be reached right now."""


class EntryUnreachableError(StoreUnavailableError, CorruptEntryError):
    """A cached entry lives in an unreachable team store and this machine has no copy of it.

    Also a :class:`CorruptEntryError`: the entry cannot be served here, so outside offline
    mode it is fetched again from MAST (and kept on this machine) like a damaged one."""


class ReadOnlyCacheError(StoreError, PermissionError):
    """The cache directory is read-only for this process (a read-only mount, a shared
    cache owned by someone else): it can be read, but nothing can be stored in it."""


class StorageFullError(StoreError, OSError):
    """The disk holding the cache is full; the write was abandoned cleanly."""


class DownloadError(MastCacheError):
    """A product could not be downloaded or failed verification."""


class SnapshotError(MastCacheError):
    """A snapshot bundle is malformed, tampered with, or unsafe to import."""


class SQLError(MastCacheError):
    """A SQL statement over the cache was rejected or failed."""


#: The warnings: name -> (parent, docstring). Each derives from astropy's ``AstropyWarning``
#: (so ``warnings.simplefilter("ignore", AstropyWarning)`` silences them too), but importing
#: astropy costs ~0.25 s: the classes are made on first use (module ``__getattr__``), so a
#: command that never warns (``mastcache sql``, ``cache stats``) never imports astropy.
_WARNINGS: dict[str, tuple[str | None, str]] = {
    "MastCacheWarning": (None, "Base class of mastcache's warnings."),
    "StaleResultWarning": (
        "MastCacheWarning",
        "The network failed, so an expired cached result was served instead.",
    ),
    "NoResultsWarning": (
        "MastCacheWarning",
        "The query returned no rows (astroquery raises a warning of the same name).",
    ),
    "MaxResultsWarning": (
        "MastCacheWarning",
        "The result hit the service's row limit and may be truncated.",
    ),
    "InputWarning": (
        "MastCacheWarning",
        "Part of the input was ignored or could not be used (for example one of many names).",
    ),
    "CacheWriteWarning": (
        "MastCacheWarning",
        "A fresh answer was served but could not be stored (for example a read-only cache).",
    ),
}
_WARNINGS_LOCK = threading.Lock()

if TYPE_CHECKING:  # pragma: no cover  (what type checkers see of the lazy classes)
    from astropy.utils.exceptions import AstropyWarning

    class MastCacheWarning(AstropyWarning):  # type: ignore[misc]
        """Base class of mastcache's warnings."""

    class StaleResultWarning(MastCacheWarning): ...

    class NoResultsWarning(MastCacheWarning): ...

    class MaxResultsWarning(MastCacheWarning): ...

    class InputWarning(MastCacheWarning): ...

    class CacheWriteWarning(MastCacheWarning): ...


def __getattr__(name: str) -> Any:
    if name not in _WARNINGS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _WARNINGS_LOCK:  # one class per name, even if two threads warn first at once
        if name not in globals():
            _define_warnings()
    return globals()[name]


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _define_warnings() -> None:
    from astropy.utils.exceptions import AstropyWarning

    made = globals()
    for name, (parent, doc) in _WARNINGS.items():
        base = AstropyWarning if parent is None else made[parent]
        attributes = {"__doc__": doc, "__module__": __name__, "__qualname__": name}
        made[name] = type(name, (base,), attributes)
