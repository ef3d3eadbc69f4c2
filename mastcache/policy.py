"""Refresh policy: when a cached result may be served and when MAST must be asked.

:class:`RefreshPolicy` is immutable (vary it with :meth:`RefreshPolicy.new`); :func:`decide`
is pure and only :mod:`mastcache.archive` acts on its answer (DESIGN.md section 5).

Decision table (``stale`` = ``policy.stale_if_error``; *fresh* and *expired* entries are
readable, a *corrupt* entry is known to be unreadable)::

    mode         absent      fresh                   expired                 corrupt
    cache-first  FETCH       SERVE_CACHE             FETCH_ELSE_STALE [1]    FETCH
    online       FETCH       FETCH                   FETCH                   FETCH
    refresh      FETCH       FETCH_ELSE_STALE [1]    FETCH_ELSE_STALE [1]    FETCH
    offline      MISS_ERROR  SERVE_CACHE             SERVE_CACHE             MISS_ERROR

    [1] FETCH when stale-if-error is off.

``online`` means "the answer must come from MAST now": a network failure is an error.
``refresh`` replaces what is stored but, with stale-if-error, keeps serving the old result
when MAST cannot be reached. ``offline`` never touches the network and serves expired
entries as they are (an archive replayed a year later is expired by design).

Files (product downloads, cutout zips, HSC spectra): :func:`decide_file`. A stored file is
content-addressed and was verified (size, MAST's checksum or sha256) when it was stored, so
fetching the same bytes again only costs time. The metadata that says which bytes are
wanted (product lists, cutout queries) follows the table above; for the bytes::

    mode         not stored   stored                  stored, MAST confirms it [2]
    cache-first  FETCH        SERVE_STORED            SERVE_STORED
    online       FETCH        FETCH                   SERVE_STORED
    refresh      REFETCH      REFETCH                 REFETCH
    offline      MISS_ERROR   SERVE_STORED            SERVE_STORED
    cache=False  like refresh, except offline, where it is MISS_ERROR [3]

    [2] MAST's product row (as just re-read in this mode) gives a size and a checksum, and
        the stored file has that size and that checksum (sha256 compared with the catalog;
        md5/sha1 computed from the local copy). Without a checksum there is no proof, so
        ``online`` fetches.
    [3] astroquery's ``cache=False`` says "do not use the stored copy".

``FETCH`` checks new bytes against MAST's checksum, else the sha256 recorded for the URI (a
different body is refused, naming ``mode='refresh'``); ``REFETCH`` accepts MAST's current
bytes as the new content of the URI. So ``online`` re-asks MAST what the file is and reuses
the bytes only when MAST vouches for them; ``refresh`` is the lever that replaces them.

Calls that are never cached (curl scripts, bundle requests, whoami-bound calls):
:func:`decide_uncached`. Offline and not stored is always :class:`CacheMissError` naming the
call (:func:`offline_miss`), whatever the kind: queries, resolutions, products, cutouts,
spectra, bundles and scripts.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol

from mastcache.errors import CacheMissError, ConfigurationError
from mastcache.settings import MODES, TTL_KINDS, Mode, Settings

__all__ = [
    "DEFAULT_TTLS",
    "NEVER_CACHED_KINDS",
    "Decision",
    "Entry",
    "EntryState",
    "FileDecision",
    "RefreshPolicy",
    "decide",
    "decide_file",
    "decide_uncached",
    "expires_at",
    "offline_miss",
]

_DAY = 86400.0

#: Time to live, in seconds, per result kind (``inf``: never expires).
DEFAULT_TTLS: Mapping[str, float] = MappingProxyType(
    {
        "resolutions": 30 * _DAY,
        "observations": 1 * _DAY,
        "products": 7 * _DAY,
        "catalogs": 30 * _DAY,
        "missions": 1 * _DAY,
        "cutouts": math.inf,
        "raw": 1 * _DAY,
    }
)

#: Kinds whose answers are never stored (who is logged in must always be asked).
NEVER_CACHED_KINDS: frozenset[str] = frozenset({"session"})


class Decision(enum.Enum):
    """What the archive must do for one call."""

    SERVE_CACHE = "serve-cache"
    FETCH = "fetch"
    #: Fetch; if the network fails, serve the stored entry with a StaleResultWarning.
    FETCH_ELSE_STALE = "fetch-else-stale"
    #: Offline and nothing usable is stored: raise CacheMissError (or CorruptEntryError).
    MISS_ERROR = "miss-error"


class EntryState(Protocol):
    """What :func:`decide` needs to know about a stored entry."""

    @property
    def fetched_at(self) -> datetime: ...

    @property
    def expires_at(self) -> datetime | None: ...

    @property
    def is_corrupt(self) -> bool: ...


@dataclass(frozen=True)
class Entry:
    """A stored entry's timestamps (timezone-aware UTC) and whether it is known unreadable."""

    fetched_at: datetime
    expires_at: datetime | None
    is_corrupt: bool = False

    def is_expired(self, now: datetime) -> bool:
        """True once ``now`` has reached ``expires_at`` (never, when it is ``None``)."""
        return self.expires_at is not None and now >= self.expires_at


def _check_ttls(ttls: Mapping[str, float]) -> None:
    for kind, seconds in ttls.items():
        if kind not in TTL_KINDS:
            raise ConfigurationError(
                f"unknown TTL kind {kind!r}: expected one of {', '.join(TTL_KINDS)}"
            )
        if not seconds >= 0:
            raise ConfigurationError(
                f"TTL for {kind!r} is {seconds!r}: expected a non-negative number of seconds"
            )


@dataclass(frozen=True)
class RefreshPolicy:
    """Mode, stale-if-error and per-kind TTLs. Immutable; use :meth:`new` for variations."""

    mode: Mode = "cache-first"
    stale_if_error: bool = True
    ttls: Mapping[str, float] = field(default_factory=lambda: DEFAULT_TTLS)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigurationError(
                f"unknown mode {self.mode!r}: expected one of {', '.join(MODES)}"
            )
        merged = {**DEFAULT_TTLS, **self.ttls}
        _check_ttls(merged)
        object.__setattr__(self, "ttls", MappingProxyType(merged))

    @classmethod
    def from_settings(cls, settings: Settings) -> RefreshPolicy:
        """The policy described by ``settings`` (mode, stale_if_error, ttl_overrides)."""
        return cls(
            mode=settings.mode,
            stale_if_error=settings.stale_if_error,
            ttls=dict(settings.ttl_overrides),
        )

    def new(self, **changes: Any) -> RefreshPolicy:
        """A copy with ``changes``; ``ttls`` given here are merged over the current ones."""
        if "ttls" in changes:
            changes["ttls"] = {**self.ttls, **changes["ttls"]}
        return dataclasses.replace(self, **changes)

    def ttl(self, kind: str) -> float:
        """Seconds a result of ``kind`` stays fresh (``inf``: forever)."""
        if kind in NEVER_CACHED_KINDS:
            return 0.0
        try:
            return self.ttls[kind]
        except KeyError:
            raise ConfigurationError(
                f"unknown result kind {kind!r}: expected one of {', '.join(TTL_KINDS)}"
            ) from None

    def is_cacheable(self, kind: str) -> bool:
        """Whether results of ``kind`` may be stored at all."""
        return kind not in NEVER_CACHED_KINDS


def expires_at(kind: str, fetched_at: datetime, policy: RefreshPolicy) -> datetime | None:
    """When a result of ``kind`` fetched at ``fetched_at`` expires (``None``: never)."""
    seconds = policy.ttl(kind)
    if math.isinf(seconds):
        return None
    return fetched_at + timedelta(seconds=seconds)


def _is_expired(entry: EntryState, now: datetime) -> bool:
    return entry.expires_at is not None and now >= entry.expires_at


def _decide_offline(entry: EntryState | None) -> Decision:
    if entry is None or entry.is_corrupt:
        return Decision.MISS_ERROR
    return Decision.SERVE_CACHE


def _fetch_keeping(policy: RefreshPolicy) -> Decision:
    return Decision.FETCH_ELSE_STALE if policy.stale_if_error else Decision.FETCH


def decide(entry: EntryState | None, policy: RefreshPolicy, now: datetime) -> Decision:
    """What to do for a call in ``policy.mode`` given the stored ``entry`` (pure)."""
    if policy.mode == "offline":
        return _decide_offline(entry)
    if entry is None or entry.is_corrupt or policy.mode == "online":
        return Decision.FETCH
    if policy.mode == "refresh":
        return _fetch_keeping(policy)
    if _is_expired(entry, now):
        return _fetch_keeping(policy)
    return Decision.SERVE_CACHE


class FileDecision(enum.Enum):
    """What to do for one file-shaped result (see the module's file table)."""

    SERVE_STORED = "serve-stored"
    #: Fetch; new bytes are checked against MAST's checksum, else the recorded sha256.
    FETCH = "fetch"
    #: Fetch and accept MAST's current bytes as the URI's new content.
    REFETCH = "refetch"
    #: Offline and not stored: raise (or report) a CacheMissError naming the file.
    MISS_ERROR = "miss-error"


def decide_file(
    mode: str, *, stored: bool, confirmed: bool = False, reuse: bool = True
) -> FileDecision:
    """What to do for one file in ``mode`` (pure).

    ``stored``: a complete, readable copy is in the store (for this scope); ``confirmed``:
    MAST's current size and checksum match that copy; ``reuse``: astroquery's ``cache``.
    """
    usable = stored and reuse
    if mode == "offline":
        return FileDecision.SERVE_STORED if usable else FileDecision.MISS_ERROR
    if mode == "refresh" or not reuse:
        return FileDecision.REFETCH
    if not usable:
        return FileDecision.FETCH
    if mode == "online" and not confirmed:
        return FileDecision.FETCH
    return FileDecision.SERVE_STORED


def decide_uncached(mode: str) -> Decision:
    """A call whose answer is never stored: FETCH, or MISS_ERROR offline (pure)."""
    return Decision.MISS_ERROR if mode == "offline" else Decision.FETCH


def offline_miss(what: str, why: str = "not in the cache") -> CacheMissError:
    """The one offline error: ``what`` (the call or file) is ``why``, and how to get it."""
    return CacheMissError(
        f"offline mode: {what} is {why}; re-run without offline mode (unset "
        "MASTCACHE_MODE=offline, drop --mode offline, or pass another mode=) to fetch it"
    )
