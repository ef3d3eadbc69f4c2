"""The in-process hot cache: result tables kept in memory, least recently used out.

A hit served from here skips opening, hashing and parsing the Parquet file. Tables are kept
decoded (numpy arrays) together with a ready astropy Table over those arrays, and each hit
hands out a copy of it (:class:`mastcache.store.tablecopy.TableTemplate`: a key lookup and a
memory copy, no column constructors). A table that does not fit the bound decoded is kept as
its Arrow table, a third of the memory, and each hit decodes it. Either way every caller gets
a Table of its own to edit; the kept one is never handed out.

Entries are keyed by the cache directory and query key and carry the identity of the file
they were read from (sha256, inode, mtime, size): a replaced, rewritten or touched file never
matches, so the store reads and verifies it again.

The bound is in bytes held: ``MASTCACHE_HOT_CACHE_MB`` (default 256; 0 turns the cache off),
read when the process-wide cache is first used, or :func:`configure_hot_cache`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import NamedTuple, TypeAlias

import pyarrow as pa
from astropy.table import Table

from mastcache.errors import ConfigurationError
from mastcache.store.parquet import DecodedTable, decode_arrow
from mastcache.store.tablecopy import TableTemplate

__all__ = [
    "DEFAULT_MAX_MB",
    "FileIdentity",
    "HotCache",
    "configure_hot_cache",
    "hot_cache",
    "max_bytes_from_env",
]

DEFAULT_MAX_MB = 256
_ENV_VAR = "MASTCACHE_HOT_CACHE_MB"


class FileIdentity(NamedTuple):
    """What a decoded table was read from: content hash and the file's stat identity."""

    sha256: str
    inode: int
    mtime_ns: int
    size: int


Held: TypeAlias = "DecodedTable | pa.Table"  # what an entry keeps: see the module doc


class _Entry(NamedTuple):
    identity: FileIdentity
    table: Held
    nbytes: int
    ready: TableTemplate | None  # a Table over ``table``'s arrays, copied per hit


class HotCache:
    """A thread-safe LRU of decoded or Arrow tables by ``(cache dir, key)``, bounded in bytes."""

    def __init__(self, max_bytes: int, decoded_max_bytes: int | None = None) -> None:
        self.max_bytes = max(0, max_bytes)
        #: Tables decoded to at most this many bytes are kept decoded, bigger ones as Arrow
        #: data (default: the bound). A 100,000-row cone decodes to ~0.2 GB: kept decoded,
        #: a hit costs a copy; kept as Arrow, ~1.5x a copy (issue 19).
        self.decoded_max_bytes = self.max_bytes if decoded_max_bytes is None else decoded_max_bytes
        self._entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        """Bytes held now."""
        return self._nbytes

    def __len__(self) -> int:
        return len(self._entries)

    def serve(
        self, slot: tuple[str, str], identity: FileIdentity, load: Callable[[], pa.Table]
    ) -> Table:
        """A new Table of the result in ``slot``: from memory when held for ``identity``,
        else from ``load()`` (the verified file's Arrow table), which is then kept."""
        entry = self._entry(slot, identity)
        if entry is not None and entry.ready is not None:
            return entry.ready.copy()
        held = None if entry is None else entry.table
        if isinstance(held, DecodedTable):
            return held.build(copy=True)
        arrow = load() if held is None else held
        decoded = decode_arrow(arrow)
        if held is not None:
            return decoded.build(copy=False)  # decoded afresh: the caller's alone
        if decoded.nbytes <= self.decoded_max_bytes:
            ready = TableTemplate(decoded.build(copy=False))
            if self.put(slot, identity, decoded, ready=ready):
                return ready.copy()
            return ready.table  # not kept: the caller's alone
        self.put(slot, identity, arrow)
        return decoded.build(copy=False)

    def get(self, slot: tuple[str, str], identity: FileIdentity) -> Held | None:
        """The table cached for ``slot`` if it was read from a file of ``identity``."""
        entry = self._entry(slot, identity)
        return None if entry is None else entry.table

    def _entry(self, slot: tuple[str, str], identity: FileIdentity) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(slot)
            if entry is None or entry.identity != identity:
                return None
            self._entries.move_to_end(slot)
            return entry

    def put(
        self,
        slot: tuple[str, str],
        identity: FileIdentity,
        table: Held,
        *,
        ready: TableTemplate | None = None,
    ) -> bool:
        """Keep ``table`` for ``slot`` (replacing any older one), evicting the least used.
        ``ready``, a template of a Table over ``table``'s own arrays, is what later hits copy.

        Returns whether it was kept (False when it alone exceeds the bound): if not, the
        caller may hand ``table``'s arrays out without copying them.
        """
        nbytes = int(table.nbytes)
        with self._lock:
            self._drop(slot)
            if nbytes > self.max_bytes:
                return False
            self._entries[slot] = _Entry(identity, table, nbytes, ready)
            self._nbytes += nbytes
            while self._nbytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
            return True

    def discard(self, slot: tuple[str, str]) -> None:
        """Forget ``slot`` (e.g. its result was deleted)."""
        with self._lock:
            self._drop(slot)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._nbytes = 0

    def _drop(self, slot: tuple[str, str]) -> None:
        entry = self._entries.pop(slot, None)
        if entry is not None:
            self._nbytes -= entry.nbytes


_shared: HotCache | None = None
_shared_lock = threading.Lock()


def hot_cache() -> HotCache:
    """The process-wide hot cache, created on first use with the configured bound."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = HotCache(max_bytes_from_env())
        return _shared


def configure_hot_cache(max_mb: float) -> HotCache:
    """Replace the process-wide hot cache by an empty one of ``max_mb`` MB (0: off)."""
    global _shared
    if not max_mb >= 0:
        raise ConfigurationError(f"hot cache size {max_mb} MB is negative: expected 0 or more")
    with _shared_lock:
        _shared = HotCache(int(max_mb * 1_000_000))
        return _shared


def max_bytes_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The bound set by ``MASTCACHE_HOT_CACHE_MB`` in ``environ`` (default ``os.environ``)."""
    raw = (os.environ if environ is None else environ).get(_ENV_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_MB * 1_000_000
    try:
        megabytes = float(raw)
    except ValueError:
        megabytes = -1.0
    if not megabytes >= 0:  # also NaN
        raise ConfigurationError(
            f"{_ENV_VAR}={raw!r} is not a size: expected megabytes as a number >= 0 "
            f"(0 turns the in-memory hot cache off; default {DEFAULT_MAX_MB})"
        )
    return int(min(megabytes, 1e12) * 1_000_000)
