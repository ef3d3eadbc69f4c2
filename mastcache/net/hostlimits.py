"""Polite concurrency: at most N requests in flight to one host, across every thread.

One registry per process hands out a bounded semaphore per ``(host[:port], limit)``; every
:class:`~mastcache.net.transport.Transport` (page fetches, downloads, cutouts, cloud reads)
takes a slot for the time a request is on the wire, and a streamed body holds its slot until
the stream is closed. The limit of a host is ``settings.host_limits[host]`` (host:port or
host), else ``settings.max_per_host`` (default 10: MAST's TESScut allows at most 10
concurrent requests). Slots are re-entrant per thread, so a retry or a nested request of the
same thread never waits for itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import urlsplit

__all__ = ["HostLimits", "host_key", "limit_for"]

_registry: dict[tuple[str, int], threading.BoundedSemaphore] = {}
_registry_lock = threading.Lock()
_held = threading.local()


def host_key(url: str) -> str:
    """``host`` or ``host:port`` of ``url``, lower-cased (the key limits are counted by)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def limit_for(key: str, default: int, overrides: Mapping[str, int]) -> int:
    """The limit of ``key`` (``host:port``): an override for it or its host, else ``default``."""
    if key in overrides:
        return overrides[key]
    return overrides.get(key.split(":", 1)[0], default)


def _semaphore(key: str, limit: int) -> threading.BoundedSemaphore:
    with _registry_lock:
        semaphore = _registry.get((key, limit))
        if semaphore is None:
            semaphore = _registry[(key, limit)] = threading.BoundedSemaphore(limit)
        return semaphore


class HostLimits:
    """The per-host limits of one settings value, over the process-wide registry."""

    def __init__(self, default: int, overrides: Mapping[str, int] | None = None) -> None:
        self.default = default
        self.overrides = {key.lower(): value for key, value in (overrides or {}).items()}

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one of the host's slots (waiting for one); a thread's nested call is free."""
        key = host_key(url)
        held: set[str] = _held.__dict__.setdefault("keys", set())
        if not key or key in held:
            yield
            return
        semaphore = _semaphore(key, limit_for(key, self.default, self.overrides))
        with semaphore:
            held.add(key)
            try:
                yield
            finally:
                held.discard(key)
