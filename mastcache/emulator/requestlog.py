"""The emulator's request log: what each request asked for and what it got back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["LOGGED_HEADERS", "LoggedRequest", "RequestLog"]

# request headers worth keeping (never Cookie or Authorization: they may hold tokens)
LOGGED_HEADERS = ("range", "content-type", "accept", "user-agent", "host", "if-range")


@dataclass(frozen=True)
class LoggedRequest:
    """One answered request. ``fault`` names the injected fault kind, if any."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    status: int
    nbytes: int
    fault: str | None = None
    has_token: bool = False
    #: Requests being answered when this one arrived, itself included (polite clients keep
    #: it at or below their per-host limit).
    in_flight: int = 0

    def header(self, name: str) -> str | None:
        """A logged request header by (case-insensitive) name."""
        return dict(self.headers).get(name.lower())


class RequestLog:
    """A thread-safe, append-only list of :class:`LoggedRequest` (bounded, oldest dropped)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._entries: list[LoggedRequest] = []
        self._limit = limit
        self._lock = threading.Lock()

    def append(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def snapshot(self) -> list[LoggedRequest]:
        """A copy of the entries so far, oldest first."""
        with self._lock:
            return list(self._entries)

    def matching(self, path_prefix: str, method: str | None = None) -> list[LoggedRequest]:
        """Entries whose path starts with ``path_prefix`` (and of one method, if given)."""
        return [
            e
            for e in self.snapshot()
            if e.path.startswith(path_prefix) and (method is None or e.method == method.upper())
        ]

    @property
    def peak_in_flight(self) -> int:
        """The most requests ever answered at once (0 for an empty log)."""
        return max((entry.in_flight for entry in self.snapshot()), default=0)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.snapshot())

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return self._entries[index]
