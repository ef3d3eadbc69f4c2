"""Rendered Portal result pages kept as bytes (the ``prerendered_mb`` knob, off by default).

A benchmark that measures clients must not be limited by the emulator's own CPU: with the
knob on, each result page is rendered once and later requests for it get the same bytes
again. Pages are keyed by everything that decides their bytes (the request without its
``cacheBreaker``, the viewer, the base URL); the least recently used go past the budget.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from mastcache.emulator.reply import Reply

__all__ = ["PageMemory", "page_key"]


def page_key(body: Mapping[str, Any], viewer: str, base_url: str) -> str:
    """What decides a page's bytes: the request (less ``cacheBreaker``), viewer, base URL."""
    request = {k: v for k, v in body.items() if k != "cacheBreaker"}
    return json.dumps([request, viewer, base_url], sort_keys=True, default=str)


class PageMemory:
    """Up to ``max_bytes`` of rendered replies, least recently used dropped first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, Reply] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._held = 0
        self._lock = threading.Lock()

    @property
    def held(self) -> int:
        """Bytes of the pages kept now."""
        return self._held

    def kept(self) -> list[str]:
        """The keys of the pages kept now, least recently used first."""
        with self._lock:
            return list(self._pages)

    def reply(self, key: str, render: Callable[[], Reply]) -> Reply:
        """The reply kept under ``key``, else ``render()``'s, joined to bytes and kept."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is not None:
                self._pages.move_to_end(key)
                return kept
        fresh = render()
        if fresh.status != 200:
            return fresh
        data = fresh.read()
        rendered = Reply(fresh.status, list(fresh.headers), (data,))
        self._keep(key, rendered, len(data))
        return rendered

    def _keep(self, key: str, reply: Reply, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._pages:
                return
            self._pages[key] = reply
            self._sizes[key] = size
            self._held += size
            while self._held > self.max_bytes:
                oldest, _ = self._pages.popitem(last=False)
                self._held -= self._sizes.pop(oldest)
