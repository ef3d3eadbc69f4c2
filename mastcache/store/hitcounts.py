"""Hit and miss counters of ``cache stats``, counted in memory and written in batches.

A write transaction per cache hit costs more than the hit itself, so :meth:`Store.record_hit`
and :meth:`Store.record_miss` only count here. The counts reach the catalog in one
transaction when any of these comes first:

* :data:`FLUSH_INTERVAL_S` seconds after the first unwritten count (a timer thread), so
  another process's ``mastcache cache stats`` lags by at most that much;
* :data:`FLUSH_AT_COUNT` unwritten counts (written by a thread of its own: a hit never
  waits for a write);
* any ``query_stats`` in this process on the same cache (exact within a process);
* interpreter exit (``atexit``).

A store with unwritten counts is kept alive until they are written. A failed write (catalog
locked for longer than its busy timeout, disk full) is retried by the timer, up to
:data:`MAX_ATTEMPTS` writes; counts of a cache directory that no longer exists are dropped.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from mastcache.errors import MastCacheError, StoreError
from mastcache.store.engine import BUSY_TIMEOUT_S, catalog_identity, sqlite_catalog_path
from mastcache.store.records import utcnow

if TYPE_CHECKING:
    from mastcache.store.store import Store

__all__ = ["FLUSH_AT_COUNT", "FLUSH_INTERVAL_S", "count", "flush_all", "flush_cache"]

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 2.0
FLUSH_AT_COUNT = 128
#: Failed writes after which counts are dropped (with a warning).
MAX_ATTEMPTS = 3


@dataclass
class _Tally:
    hits: int = 0
    misses: int = 0
    last_hit_at: datetime | None = None
    last_miss_at: datetime | None = None

    def merge(self, other: _Tally) -> None:
        self.hits += other.hits
        self.misses += other.misses
        self.last_hit_at = _later(self.last_hit_at, other.last_hit_at)
        self.last_miss_at = _later(self.last_miss_at, other.last_miss_at)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


class _Pending:
    """Unwritten counts of one store, and the timer that will write them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.catalog = catalog_identity(store.settings)
        self.sqlite_path = sqlite_catalog_path(store.settings)
        self.tallies: dict[str, _Tally] = {}
        self.size = 0
        self.attempts = 0  # failed writes so far
        self.is_flushing = False  # a full batch's writer thread is on its way
        self.timer: threading.Timer | None = None


_pending: dict[int, _Pending] = {}  # id(store) -> counts; holds the store while non-empty
_writers: set[threading.Thread] = set()  # writing a full batch now
_lock = threading.Lock()
_atexit_registered = False


def count(store: Store, key: str, *, hit: bool) -> None:
    """Count one hit (or miss) of ``key`` in ``store``; written later (see module doc)."""
    now = utcnow()
    with _lock:
        pending = _pending_of(store)
        tally = pending.tallies.setdefault(key, _Tally())
        if hit:
            tally.hits, tally.last_hit_at = tally.hits + 1, now
        else:
            tally.misses, tally.last_miss_at = tally.misses + 1, now
        pending.size += 1
        is_full = pending.size >= FLUSH_AT_COUNT and not pending.is_flushing
        pending.is_flushing = pending.is_flushing or is_full
    if is_full:
        _flush_in_background(store)


def _flush_in_background(store: Store) -> None:
    """Write ``store``'s counts from a thread of its own, which :func:`flush_cache` and
    :func:`flush_all` wait for. Not a daemon: the interpreter waits for it at exit too."""
    writer = threading.Thread(target=_flush_then_leave, args=(store,), name="mastcache-hitcounts")
    with _lock:
        _writers.add(writer)
    writer.start()


def _flush_then_leave(store: Store) -> None:
    try:
        _flush_store(store)
    finally:
        with _lock:
            _writers.discard(threading.current_thread())


def _wait_for_writers() -> None:
    with _lock:
        writers = list(_writers)
    for writer in writers:
        writer.join()


def flush_cache(store: Store) -> None:
    """Write the unwritten counts of every store of this process on ``store``'s catalog."""
    catalog = catalog_identity(store.settings)
    _wait_for_writers()
    with _lock:
        stores = [p.store for p in _pending.values() if p.catalog == catalog]
    for other in stores:
        _flush_store(other)


def flush_all() -> None:
    """Write every unwritten count of this process (run at interpreter exit)."""
    _wait_for_writers()
    with _lock:
        stores = [pending.store for pending in _pending.values()]
    for store in stores:
        _flush_store(store, is_final=True)


def _pending_of(store: Store) -> _Pending:
    """The pending counts of ``store`` (caller holds ``_lock``), arming the timer."""
    global _atexit_registered
    pending = _pending.get(id(store))
    if pending is None:
        pending = _pending[id(store)] = _Pending(store)
        pending.timer = threading.Timer(FLUSH_INTERVAL_S, _flush_store, (store,))
        pending.timer.daemon = True
        pending.timer.name = "mastcache-hitcounts"
        pending.timer.start()
    if not _atexit_registered:
        atexit.register(flush_all)
        os.register_at_fork(after_in_child=_forget_inherited)
        _atexit_registered = True
    return pending


def _forget_inherited() -> None:
    """A forked child must not write its parent's counts again (the parent writes them)."""
    global _lock
    _lock = threading.Lock()
    _pending.clear()
    _writers.clear()


def _flush_store(store: Store, *, is_final: bool = False) -> None:
    with _lock:
        pending = _pending.pop(id(store), None)
    if pending is None:
        return
    if pending.timer is not None:
        pending.timer.cancel()
    if _is_gone(pending.sqlite_path):  # e.g. a temporary replay cache, already removed
        logger.debug("catalog %s is gone; its unwritten hit counters go with it", store.root)
        return
    try:
        if pending.sqlite_path is not None:
            _write_sqlite(pending.sqlite_path, pending.tallies)
        else:
            _write(store, pending.tallies)
    except MastCacheError as exc:
        attempts = pending.attempts + 1
        is_last = is_final or attempts >= MAX_ATTEMPTS
        logger.warning("could not write cache hit counters (%s); %s", exc, _retry_note(is_last))
        if not is_last:
            _restore(store, pending.tallies, attempts)


def _is_gone(sqlite_path: Path | None) -> bool:
    """Whether the catalog is an SQLite file whose directory no longer exists."""
    return sqlite_path is not None and not sqlite_path.parent.is_dir()


_UPSERT = (
    "INSERT INTO query_stats (key, hits, misses, last_hit_at, last_miss_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
    "hits = hits + excluded.hits, misses = misses + excluded.misses, "
    "last_hit_at = COALESCE(excluded.last_hit_at, last_hit_at), "
    "last_miss_at = COALESCE(excluded.last_miss_at, last_miss_at)"
)


def _write_sqlite(path: Path, tallies: dict[str, _Tally]) -> None:
    """One ``BEGIN IMMEDIATE`` transaction on the SQLite catalog, with :mod:`sqlite3` alone
    (a process that only served hits never imports SQLAlchemy, not even at exit)."""
    rows = [
        (
            key,
            tally.hits,
            tally.misses,
            _stored_time(tally.last_hit_at if tally.hits else None),
            _stored_time(tally.last_miss_at if tally.misses else None),
        )
        for key, tally in tallies.items()
    ]
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(_UPSERT, rows)
            connection.execute("COMMIT")
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write hit counters to {path}: {exc}") from exc


def _stored_time(when: datetime | None) -> str | None:
    """``when`` as the catalog stores datetimes (naive UTC, what SQLAlchemy writes)."""
    if when is None:
        return None
    return when.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ", "microseconds")


def _write(store: Store, tallies: dict[str, _Tally]) -> None:
    """One transaction, one statement per key."""
    with store.unit_of_work() as uow:
        for key, tally in tallies.items():
            uow.stats.add(
                key,
                hits=tally.hits,
                misses=tally.misses,
                last_hit_at=tally.last_hit_at or utcnow(),
                last_miss_at=tally.last_miss_at or utcnow(),
            )


def _restore(store: Store, tallies: dict[str, _Tally], attempts: int) -> None:
    with _lock:
        pending = _pending_of(store)
        pending.attempts = max(pending.attempts, attempts)
        for key, tally in tallies.items():
            pending.tallies.setdefault(key, _Tally()).merge(tally)
            pending.size += tally.hits + tally.misses


def _retry_note(is_last: bool) -> str:
    if is_last:
        return "they are dropped, so `cache stats` will undercount this cache's hits"
    return f"retrying in {FLUSH_INTERVAL_S:g} s"
