"""Ctrl-C: what must be undone when the process stops at once, and the stop itself.

Long work (downloads, page fetches, cutouts) runs in worker threads blocked on the network,
and Python joins worker threads at exit, so a plain ``KeyboardInterrupt`` waited for every
transfer in flight. The command line stops within :data:`GRACE_S` instead
(:func:`interruptible`): the first Ctrl-C raises ``KeyboardInterrupt`` as usual and arms a
timer; if the process is still alive when it fires, or at a second Ctrl-C, the registered
cleanups run (they remove lock files; partial downloads stay for a later resume) and the
process exits with status 130 without waiting for the threads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TypeVar

__all__ = [
    "EXIT_CODE",
    "GRACE_S",
    "cleanup",
    "exit_now",
    "finish_interrupt",
    "guard",
    "interruptible",
    "run_cleanups",
    "was_interrupted",
]

T = TypeVar("T")

#: Seconds after the first Ctrl-C before the process exits regardless of its threads.
GRACE_S = 0.5
#: The shell's code for "stopped by SIGINT".
EXIT_CODE = 130

_cleanups: dict[int, Callable[[], None]] = {}
_lock = threading.Lock()
_exiting = threading.Event()
_cleaned = threading.Event()
_signalled = threading.Event()  # a real SIGINT arrived inside interruptible()
_stopping = threading.Event()  # the cleanups have been taken: nothing new may need one


@contextlib.contextmanager
def cleanup(action: Callable[[], None]) -> Iterator[None]:
    """Run ``action`` if the process is stopped by Ctrl-C inside the block."""
    token = id(action)
    with _lock:
        if _stopping.is_set():
            raise KeyboardInterrupt
        _cleanups[token] = action
    try:
        yield
    finally:
        with _lock:
            _cleanups.pop(token, None)


def guard(step: Callable[[], T]) -> T:
    """Run ``step`` (e.g. creating a lock file) unless the process is stopping, atomically
    with respect to :func:`run_cleanups`: either the cleanups taken at the stop see what
    ``step`` did, or ``step`` never runs (``KeyboardInterrupt``)."""
    with _lock:
        if _stopping.is_set():
            raise KeyboardInterrupt
        return step()


def run_cleanups(*, final: bool = False) -> None:
    """Run (once each) every registered cleanup; errors are ignored: we are stopping.

    ``final``: the process ends right after, so from now on nothing may register a cleanup
    or :func:`guard` a step (threads still running would leave files nobody removes)."""
    with _lock:
        if final:
            _stopping.set()
        actions = list(_cleanups.values())
        _cleanups.clear()
    for action in actions:
        with contextlib.suppress(Exception):
            action()


def exit_now(message: str = "Interrupted.") -> None:
    """Clean up, say ``message`` and end the process with status 130, threads or not."""
    if _exiting.is_set():  # another thread is cleaning up: give it a moment, then go
        _cleaned.wait(0.2)
        os._exit(EXIT_CODE)
    _exiting.set()
    with contextlib.suppress(ValueError):  # only the main thread may change handlers
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut cleanup
    run_cleanups(final=True)
    _cleaned.set()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(Exception):
        if message:
            sys.stderr.write(message + "\n")
        sys.stderr.flush()
    os._exit(EXIT_CODE)


def was_interrupted() -> bool:
    """Whether a real Ctrl-C arrived inside :func:`interruptible`. A library may turn the
    ``KeyboardInterrupt`` into an error of its own (DuckDB's ``Query interrupted``, one run
    in two): the command line still ends it as an interrupt."""
    return _signalled.is_set()


def finish_interrupt() -> int:
    """After a ``KeyboardInterrupt`` (or click's Abort) reached the top: clean up; after a
    real Ctrl-C exit at once: worker threads would make the interpreter wait for them, and
    tearing the interpreter down alone took 1.5-2 s. Else (end of input at a prompt, say)
    return the exit code."""
    run_cleanups()
    if _signalled.is_set():
        exit_now("")
    return EXIT_CODE


@contextlib.contextmanager
def interruptible(grace: float = GRACE_S) -> Iterator[None]:
    """Within the block, Ctrl-C stops the process within ``grace`` seconds (see module doc).
    Only in the main thread; elsewhere the block runs unchanged."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    timers: list[threading.Timer] = []

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if timers:
            exit_now()  # a second Ctrl-C: at once
        _signalled.set()
        timer = threading.Timer(grace, exit_now)
        timer.daemon = True
        timers.append(timer)
        timer.start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        for timer in timers:  # the interrupt was handled in time (see finish_interrupt)
            timer.cancel()
