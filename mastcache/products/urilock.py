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
import os
import time
from collections.abc import Iterator
from pathlib import Path

from mastcache.errors import DownloadError
from mastcache.interrupts import cleanup

__all__ = ["uri_lock"]

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: filelock's portable lock instead
    fcntl = None  # type: ignore[assignment]

_POLL_S = 0.05


@contextlib.contextmanager
def uri_lock(path: Path, *, timeout: float = 3600.0) -> Iterator[None]:
    """Hold the lock file ``path`` exclusively; it is gone once released."""
    if fcntl is None:  # pragma: no cover
        from filelock import FileLock

        with FileLock(str(path), timeout=timeout):
            yield
        return
    with cleanup(lambda: _remove_if_free(path)):  # a file created while waiting
        fd = _acquire(path, timeout)
    with cleanup(lambda: _unlink(path, fd)):
        try:
            yield
        finally:
            _unlink(path, fd)
            os.close(fd)


def _acquire(path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if _try_lock(fd) and _still_named(path, fd):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() > deadline:
            raise DownloadError(
                f"another download of the same file has held {path} for {timeout:g} s; "
                "wait for it to finish, or stop it, and retry"
            )
        time.sleep(_POLL_S)


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


def _remove_if_free(path: Path) -> None:
    """At a Ctrl-C exit: remove ``path`` if no one holds it (we may have just created it)."""
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
