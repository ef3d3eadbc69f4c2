"""The per-URI download lock: one process and thread at a time fetches a given file.

An exclusive ``flock`` on ``<partial>.lock`` that removes its file on release, so no empty
lock files pile up beside the partial downloads. Removing a lock file safely: a holder
unlinks it while still holding the lock; a waiter that then gets the lock checks that the
path still names the file it locked, and starts again if not. While held, the lock is
registered with :mod:`mastcache.interrupts`, so a Ctrl-C that ends the process at once still
removes it. Waiting polls, so a Ctrl-C is never stuck behind another holder.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mastcache.errors import DownloadError
from mastcache.interrupts import cleanup, guard

__all__ = ["uri_lock"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: filelock's portable lock instead
    fcntl = None  # type: ignore[assignment]

_POLL_S = 0.05
#: Lock files this process holds, path -> fd: a Ctrl-C exit removes them (the flock dies with
#: the process anyway; unlinking while holding is the release protocol waiters expect).
_held: dict[Path, int] = {}
_held_lock = threading.Lock()


@contextlib.contextmanager
def uri_lock(path: Path, *, timeout: float = 3600.0) -> Iterator[None]:
    """Hold the lock file ``path`` exclusively; it is gone once released."""
    if fcntl is None:  # pragma: no cover
        from filelock import FileLock

        with FileLock(str(path), timeout=timeout):
            yield
        return
    with cleanup(lambda: _remove_at_exit(path)):
        fd = _acquire(path, timeout)
        try:
            yield
        finally:
            # unlinked while still recorded as held: a Ctrl-C exit in between must see it as
            # ours, since its own attempt to lock the file would fail on our flock
            _unlink(path, fd)
            _forget(path)
            os.close(fd)


def _acquire(path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        # created and locked under interrupts.guard: a Ctrl-C exit either sees the file (and
        # removes it, held or free) or the file is never made
        fd = guard(lambda: os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
        try:
            if guard(functools.partial(_lock_and_record, path, fd)):
                if _still_named(path, fd):
                    return fd
                _forget(path)  # a releasing holder unlinked it: lock the new file instead
        except BaseException:
            _forget(path)
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() > deadline:
            raise DownloadError(
                f"another download of the same file has held {path} for {timeout:g} s; "
                "wait for it to finish, or stop it, and retry"
            )
        time.sleep(_POLL_S)


def _lock_and_record(path: Path, fd: int) -> bool:
    if not _try_lock(fd):
        return False
    with _held_lock:
        _held[path] = fd
    return True


def _forget(path: Path) -> None:
    with _held_lock:
        _held.pop(path, None)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _still_named(path: Path, fd: int) -> bool:
    """Whether ``path`` is still the file behind ``fd`` (a releasing holder unlinks it)."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _remove_at_exit(path: Path) -> None:
    """At a Ctrl-C exit: remove ``path`` if this process holds it or no one does (we may
    have just created it); never a lock file another process holds."""
    with _held_lock:
        fd = _held.get(path)
    if fd is not None:
        _unlink(path, fd)
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDWR)
        try:
            if _try_lock(fd):
                _unlink(path, fd)
        finally:
            os.close(fd)


def _unlink(path: Path, fd: int) -> None:
    """Remove the lock file if it is still ours (never another holder's newer one)."""
    with contextlib.suppress(OSError):
        if _still_named(path, fd):
            path.unlink()
