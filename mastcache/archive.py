"""The one orchestrator: key -> store lookup -> policy.decide -> fetch -> write -> result.

Every MAST answer that mastcache keeps goes through :class:`Archive` (DESIGN.md sections 2-5).
Order of operations for one call (:meth:`Archive.table`, :meth:`Archive.resolution`):

1. Build the canonical key (:mod:`mastcache.keys`); kinds that are never cached are fetched.
2. Look the key up in the store and ask :func:`mastcache.policy.decide` what to do.
3. ``SERVE_CACHE``: read the stored result. A corrupt file is refetched and replaced (with a
   logged warning), except offline, where the :class:`CorruptEntryError` is raised.
4. ``FETCH``: call the injected fetcher, store its answer (empty answers too), return it.
   ``RemoteServiceError``, ``InvalidQueryError`` and ``ResolverError`` propagate and nothing
   is stored.
5. ``FETCH_ELSE_STALE``: as 4, but a :class:`TransportError` serves the stored result with a
   :class:`StaleResultWarning` saying how old it is and why.
6. ``MISS_ERROR``: raise :class:`CacheMissError` naming the query and how to fetch it.
7. Tell the observers (e.g. a snapshot recorder) which key was served from where.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mastcache.errors import (
    CacheMissError,
    CacheWriteWarning,
    CorruptEntryError,
    ReadOnlyCacheError,
    StaleResultWarning,
    TransportError,
)
from mastcache.keys import canonical_json, normalize_params, query_key, resolution_key
from mastcache.policy import (
    Decision,
    Entry,
    RefreshPolicy,
    decide,
    decide_uncached,
    expires_at,
    offline_miss,
)
from mastcache.provenance import table_provenance
from mastcache.runtime import cache_source, effective_mode
from mastcache.store.hotcache import hot_cache
from mastcache.store.records import QueryRecord, utcnow

if TYPE_CHECKING:
    from astropy.table import Table

    from mastcache.settings import Settings
    from mastcache.store import Store

__all__ = ["Archive", "Provenance", "QuerySpec", "ServedEvent", "observing"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
Clock = Callable[[], datetime]
#: Key of the provenance dict in ``Table.meta`` (never written to Parquet).
PROVENANCE_META = "mastcache"
#: Results of at most this many cells are read back once when stored, so that the first hit
#: in this process is served from memory (store/hotcache.py); a few ms beside a fetch.
PRIME_CELLS = 200_000


@dataclass(frozen=True)
class QuerySpec:
    """One logical MAST query: what is asked, of which kind, on whose behalf."""

    service: str
    params: Mapping[str, Any] = field(hash=False)
    kind: str
    scope: str = "anonymous"
    result_format: str = "table"

    @property
    def key(self) -> str:
        """The canonical key (sha256 hex) of this query."""
        return query_key(
            self.service, self.params, result_format=self.result_format, scope=self.scope
        )

    def describe(self) -> str:
        """``service`` with its normalised params, for messages."""
        return f"{self.service} {canonical_json(normalize_params(self.service, self.params))}"


@dataclass(frozen=True)
class Provenance:
    """Where a result came from: ``source`` is ``cache``, ``network`` or ``snapshot``."""

    key: str
    source: str
    fetched_at: datetime
    expires_at: datetime | None
    is_stale: bool = False

    def as_meta(self) -> dict[str, str | None]:
        """The ``Table.meta["mastcache"]`` dict: ISO-8601 strings."""
        expiry = self.expires_at.isoformat() if self.expires_at else None
        return {
            "key": self.key,
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "expires_at": expiry,
        }


@dataclass(frozen=True)
class ServedEvent:
    """What an observer learns about one served call."""

    what: str  # "query" or "resolution"
    description: str
    provenance: Provenance


Observer = Callable[[ServedEvent], None]

# observers of every archive in the process (see `observing`); copied on change, so
# iterating a snapshot of the list is safe while another thread adds or removes one
_global_observers: list[Observer] = []
_global_lock = threading.Lock()


@contextmanager
def observing(observer: Observer) -> Iterator[Observer]:
    """Call ``observer(event)`` for every call any archive serves inside the block.

    Unlike :meth:`Archive.add_observer` it also sees archives built later (for example after
    ``configure()``), which is what a snapshot recorder needs.
    """
    global _global_observers
    with _global_lock:
        _global_observers = [*_global_observers, observer]
    try:
        yield observer
    finally:
        with _global_lock:
            remaining = list(_global_observers)
            remaining.remove(observer)
            _global_observers = remaining


class _Slot(Generic[T]):
    """One cache location (a query or a resolution): how to read, write and label it."""

    what: str
    key: str
    kind: str
    record: Any

    def describe(self) -> str:
        raise NotImplementedError

    def read(self) -> T:
        raise NotImplementedError

    def write(self, value: T, fetched_at: datetime, expiry: datetime | None) -> None:
        raise NotImplementedError

    def stamp(self, value: T, provenance: Provenance) -> T:
        return value

    def count(self, *, hit: bool) -> None:
        """Update the hit/miss counters of ``cache stats`` (no-op unless overridden)."""


class _QuerySlot(_Slot["Table"]):
    what = "query"

    def __init__(self, store: Store, spec: QuerySpec) -> None:
        self.store, self.spec = store, spec
        self.key, self.kind = spec.key, spec.kind
        self.record = store.get_query(self.key)

    def describe(self) -> str:
        return self.spec.describe()

    def read(self) -> Table:
        return self.store.read_table(self.record)

    def write(self, value: Table, fetched_at: datetime, expiry: datetime | None) -> None:
        spec = self.spec
        self.record = self.store.put_query(
            self.key,
            service=spec.service,
            kind=spec.kind,
            params=normalize_params(spec.service, spec.params),
            scope=spec.scope,
            table=_without_provenance(value),
            fetched_at=fetched_at,
            expires_at=expiry,
        )
        if len(value) * len(value.columns) <= PRIME_CELLS and hot_cache().max_bytes:
            self._prime(self.record)

    def _prime(self, record: QueryRecord) -> None:
        """Read the stored result back once, so the next hit in this process copies it from
        memory. Another process may have pruned it meanwhile: the caller has the table in
        hand, so a result gone missing is simply not primed (never an error)."""
        with suppress(CorruptEntryError):
            self.store.read_table(record)

    def stamp(self, value: Table, provenance: Provenance) -> Table:
        return _stamp_table(value, provenance)

    def count(self, *, hit: bool) -> None:
        if hit:
            self.store.record_hit(self.key)
        else:
            self.store.record_miss(self.key)


def _without_provenance(table: Table) -> Table:
    if PROVENANCE_META not in table.meta:
        return table
    bare = table.copy(copy_data=False)
    del bare.meta[PROVENANCE_META]
    return bare


@dataclass(frozen=True)
class _ResolutionAsk:
    name: str
    resolver: str | None
    resolve_all: bool
    scope: str


class _ResolutionSlot(_Slot[list[dict[str, Any]]]):
    what = "resolution"
    kind = "resolutions"

    def __init__(self, store: Store, ask: _ResolutionAsk) -> None:
        self.store, self.ask = store, ask
        self.key = resolution_key(ask.name, ask.resolver, ask.resolve_all, ask.scope)
        self.record = store.get_resolution(ask.name, ask.resolver, ask.resolve_all, ask.scope)

    def describe(self) -> str:
        ask = self.ask
        options = f"resolver={ask.resolver}, resolve_all={ask.resolve_all}"
        return f"name resolution of {ask.name!r} ({options})"

    def read(self) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self.record.entries]

    def write(
        self, value: list[dict[str, Any]], fetched_at: datetime, expiry: datetime | None
    ) -> None:
        ask = self.ask
        self.record = self.store.put_resolution(
            ask.name, ask.resolver, ask.resolve_all, ask.scope, value, fetched_at, expiry
        )


def _age(since: datetime, now: datetime) -> str:
    seconds = max((now - since).total_seconds(), 0.0)
    for unit, size in (("days", 86400.0), ("hours", 3600.0), ("minutes", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} seconds"


def _offline_miss(slot: _Slot[Any]) -> CacheMissError:
    return CacheMissError(
        f"offline mode: {slot.describe()} is not in the cache (key {slot.key}). "
        "Re-run without offline mode (unset MASTCACHE_MODE=offline, drop --mode offline, "
        "or pass mode='cache-first') to fetch it from MAST, or restore a snapshot that holds it.",
        what=slot.describe(),
        key=slot.key,
    )


class Archive:
    """Serves query tables and name resolutions from the store or, as the policy says, MAST.

    ``policy`` gives TTLs and stale-if-error; the mode of each call comes from
    :func:`mastcache.runtime.effective_mode` (per-call ``mode``, ``using_mode``, settings).
    ``cache_source`` is the provenance ``source`` of stored results (``"snapshot"`` when the
    store is a restored snapshot being replayed).
    """

    def __init__(
        self,
        store: Store,
        policy: RefreshPolicy,
        clock: Clock = utcnow,
        *,
        cache_source: str = "cache",
    ) -> None:
        self.store = store
        self.policy = policy
        self.clock = clock
        self.cache_source = cache_source
        self.observers: list[Observer] = []

    @classmethod
    def from_settings(cls, settings: Settings) -> Archive:
        """An archive over the store in ``settings.cache_dir`` (opened, migrated if new).

        Results read from the store are labelled with :func:`runtime.cache_source`: "cache",
        or "snapshot" inside a snapshot replay.
        """
        from mastcache.store import Store

        policy = RefreshPolicy.from_settings(settings)
        return cls(Store.open(settings, serve_local=True), policy, cache_source=cache_source())

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def add_observer(self, observer: Observer) -> None:
        """Call ``observer(event)`` after every served call (e.g. a snapshot recorder)."""
        self.observers.append(observer)

    def remove_observer(self, observer: Observer) -> None:
        """Stop calling ``observer``."""
        self.observers.remove(observer)

    def record(self, event: ServedEvent) -> None:
        """Tell this archive's observers, then the process-wide ones, about ``event``."""
        for observer in [*self.observers, *_global_observers]:
            observer(event)

    def table(self, spec: QuerySpec, fetch: Callable[[], Table], mode: str | None = None) -> Table:
        """The result table of ``spec``, with ``meta["mastcache"]`` provenance."""
        if not self.policy.is_cacheable(spec.kind):
            return self._uncached(spec, fetch, mode)
        return self._serve(_QuerySlot(self.store, spec), fetch, mode)

    def resolution(
        self,
        name: str,
        resolver: str | None,
        resolve_all: bool,
        fetch: Callable[[], list[dict[str, Any]]],
        mode: str | None = None,
        scope: str = "anonymous",
    ) -> list[dict[str, Any]]:
        """The raw resolver entries for ``name`` (SANTA ``resolvedCoordinate`` dicts)."""
        ask = _ResolutionAsk(name, resolver, resolve_all, scope)
        return self._serve(_ResolutionSlot(self.store, ask), fetch, mode)

    def policy_for(self, mode: str | None = None) -> RefreshPolicy:
        """The policy of one call: this archive's TTLs with the call's effective mode."""
        return self.policy.new(mode=effective_mode(mode))

    def _uncached(self, spec: QuerySpec, fetch: Callable[[], Table], mode: str | None) -> Table:
        if decide_uncached(self.policy_for(mode).mode) is Decision.MISS_ERROR:
            raise offline_miss(spec.describe(), f"a {spec.kind} call, which is never cached")
        fetched_at = self.clock()
        return _stamp_table(fetch(), Provenance(spec.key, "network", fetched_at, fetched_at))

    def _serve(self, slot: _Slot[T], fetch: Callable[[], T], mode: str | None) -> T:
        policy = self.policy_for(mode)
        record = slot.record
        entry = None if record is None else Entry(record.fetched_at, record.expires_at)
        value, provenance = self._act(decide(entry, policy, self.clock()), slot, fetch, policy)
        if self.observers or _global_observers:
            self.record(ServedEvent(slot.what, slot.describe(), provenance))
        return slot.stamp(value, provenance)

    def _act(
        self, decision: Decision, slot: _Slot[T], fetch: Callable[[], T], policy: RefreshPolicy
    ) -> tuple[T, Provenance]:
        if decision is Decision.MISS_ERROR:
            slot.count(hit=False)
            raise _offline_miss(slot)
        if decision is Decision.SERVE_CACHE:
            return self._read_or_repair(slot, fetch, is_offline=policy.mode == "offline")
        if decision is Decision.FETCH_ELSE_STALE:
            return self._fetch_else_stale(slot, fetch)
        return self._fetch(slot, fetch)

    def _read_or_repair(
        self, slot: _Slot[T], fetch: Callable[[], T], *, is_offline: bool
    ) -> tuple[T, Provenance]:
        try:
            value = slot.read()
        except CorruptEntryError as exc:
            if is_offline:
                # the same class: code catching StoreUnavailableError catches an outage
                raise type(exc)(
                    f"{exc} Offline mode cannot fetch {slot.describe()} again: re-run without "
                    "offline mode to refetch and replace it."
                ) from exc
            logger.warning("%s Fetching it again from MAST and replacing the stored copy.", exc)
            return self._fetch(slot, fetch)
        slot.count(hit=True)
        return value, _stored_provenance(slot, self.cache_source, is_stale=False)

    def _fetch(self, slot: _Slot[T], fetch: Callable[[], T]) -> tuple[T, Provenance]:
        slot.count(hit=False)
        value = fetch()
        fetched_at = self.clock()
        expiry = expires_at(slot.kind, fetched_at, self.policy)
        try:
            slot.write(value, fetched_at, expiry)
        except ReadOnlyCacheError as exc:  # serve the fresh answer, unstored (issue #18)
            warnings.warn(f"{exc}. This result was not stored.", CacheWriteWarning, stacklevel=2)
        return value, Provenance(slot.key, "network", fetched_at, expiry)

    def _fetch_else_stale(self, slot: _Slot[T], fetch: Callable[[], T]) -> tuple[T, Provenance]:
        try:
            return self._fetch(slot, fetch)
        except TransportError as failure:
            try:
                value = slot.read()
            except CorruptEntryError:
                raise failure from None
            provenance = _stored_provenance(slot, self.cache_source, is_stale=True)
            warnings.warn(_stale_warning(slot, provenance, failure, self.clock()), stacklevel=2)
            return value, provenance


def _stamp_table(table: Table, provenance: Provenance) -> Table:
    table.meta[PROVENANCE_META] = table_provenance(provenance.as_meta())
    return table


def _stored_provenance(slot: _Slot[Any], source: str, *, is_stale: bool) -> Provenance:
    record = slot.record
    return Provenance(slot.key, source, record.fetched_at, record.expires_at, is_stale)


def _stale_warning(
    slot: _Slot[Any], provenance: Provenance, failure: TransportError, now: datetime
) -> StaleResultWarning:
    expiry = provenance.expires_at
    expired = f", expired {_age(expiry, now)} ago" if expiry and expiry <= now else ""
    return StaleResultWarning(
        f"MAST could not be reached ({failure}); serving the cached result of "
        f"{slot.describe()} fetched {_age(provenance.fetched_at, now)} ago{expired}. "
        "Re-run later (or with mode='refresh') to update it."
    )
