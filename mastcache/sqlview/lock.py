"""The cache directory's reader/writer lock, shared by SQL sessions and ``cache prune``.

A SQL session holds the lock shared for its whole life, so views over Parquet files never
lose a file mid-query; whatever deletes cached files (prune, clear) holds it exclusively.
The lock is a small SQLite file handled by :class:`filelock.ReadWriteLock`, so it works
across processes and threads and is released by the OS if a process dies. Its locks are
SQLite's own: a writer holds an exclusive transaction on the file, a reader an open read
transaction (a deferred BEGIN and one SELECT: SQLite's shared lock). A shared hold takes
exactly that with :mod:`sqlite3` (importing filelock's SQLite lock costs `mastcache sql`
~25 ms, an eighth of the command); exclusive holds go through filelock.

A cache directory this process cannot write (a read-only mount, a shared cache owned by
someone else) gets no lock file: a shared hold is a no-op there (nothing this process does can
remove a file, and no lock file is ever written into a cache it only reads), and an exclusive
hold raises :class:`~mastcache.errors.ReadOnlyCacheError`.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mastcache.access import is_read_only_dir
from mastcache.errors import ReadOnlyCacheError, StoreError

__all__ = ["LOCK_FILENAME", "CacheLock"]

#: Lock file in the cache directory (not a temp-file name: the store's sweeper keeps it).
LOCK_FILENAME = "cache.rwlock"

#: Seconds a reader or writer waits for the other side by default.
DEFAULT_WAIT = 30.0


class CacheLock:
    """Reader/writer lock on one cache directory.

    ``with CacheLock(cache_dir).shared(): ...`` for readers (SQL), ``.exclusive()`` for
    code that removes or rewrites cached files. Each call uses its own lock handle, so
    several holders in one process behave like separate processes.
    """

    def __init__(self, cache_dir: Path, *, wait: float = DEFAULT_WAIT) -> None:
        self.path = Path(cache_dir) / LOCK_FILENAME
        self.wait = wait

    @contextmanager
    def shared(self, wait: float | None = None) -> Iterator[None]:
        """Hold the lock shared (many readers at once, no writer)."""
        with self._held("read", wait):
            yield

    @contextmanager
    def exclusive(self, wait: float | None = None) -> Iterator[None]:
        """Hold the lock exclusively (no reader, no other writer)."""
        with self._held("write", wait):
            yield

    @contextmanager
    def _held(self, mode: str, wait: float | None) -> Iterator[None]:
        seconds = self.wait if wait is None else wait
        if is_read_only_dir(self.path.parent):
            if mode != "read":
                raise ReadOnlyCacheError(
                    f"the cache {self.path.parent} is read-only for this process, so nothing "
                    "in it can be removed or rewritten; run this where the cache is writable"
                )
            yield
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if mode == "read":
            with self._read_transaction(seconds):
                yield
            return
        import filelock

        handle = filelock.ReadWriteLock(self.path, is_singleton=False)
        try:
            try:
                handle.acquire_write(timeout=seconds)
            except filelock.Timeout as exc:
                raise self._busy(mode, seconds) from exc
            try:
                yield
            finally:
                handle.release()
        finally:
            handle.close()

    @contextmanager
    def _read_transaction(self, seconds: float) -> Iterator[None]:
        """SQLite's shared lock on the lock file, as filelock's readers take it: held while
        the read transaction is open; a writer's exclusive transaction waits for it."""
        deadline = time.monotonic() + seconds
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None,
                                     check_same_thread=False)  # fmt: skip
        try:
            while True:
                remaining = max(0.0, deadline - time.monotonic())
                connection.execute(f"PRAGMA busy_timeout={int(min(remaining, 0.1) * 1000)}")
                try:
                    connection.execute("BEGIN")
                    connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
                    break
                except sqlite3.OperationalError as exc:
                    if connection.in_transaction:
                        connection.execute("ROLLBACK")
                    if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY:
                        raise StoreError(
                            f"cannot take the cache read lock {self.path}: {exc}"
                        ) from exc
                    if remaining <= 0:
                        raise self._busy("read", seconds) from exc
            try:
                yield
            finally:
                connection.execute("ROLLBACK")
        finally:
            connection.close()

    def _busy(self, mode: str, seconds: float) -> StoreError:
        holder = (
            "a prune or clear is removing cached files"
            if mode == "read"
            else "a SQL session or another prune is using the cache"
        )
        return StoreError(
            f"could not take the cache {mode} lock {self.path} within {seconds:g} s: "
            f"{holder}; wait for it to finish (or close the open SQL session) and retry"
        )
