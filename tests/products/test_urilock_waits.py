"""The per-URI download lock when two downloads of one file meet (products/urilock.py): the
worst-covered module of the full-suite coverage run (docs/testing.md)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from mastcache import interrupts
from mastcache.errors import DownloadError
from mastcache.products.urilock import uri_lock


def hold(path: Path, seconds: float, holding: threading.Event) -> threading.Thread:
    def run() -> None:
        with uri_lock(path):
            holding.set()
            time.sleep(seconds)

    thread = threading.Thread(target=run)
    thread.start()
    assert holding.wait(10)
    return thread


def test_a_second_download_waits_for_the_first_then_takes_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "partial.lock"
    holding = threading.Event()
    first = hold(path, 0.3, holding)
    started = time.monotonic()
    with uri_lock(path, timeout=30):
        waited = time.monotonic() - started
        assert path.exists()
    first.join()
    assert waited >= 0.1
    assert not path.exists()  # released: no lock file is left behind


def test_a_download_held_too_long_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "partial.lock"
    holding = threading.Event()
    first = hold(path, 1.0, holding)
    with pytest.raises(DownloadError) as caught, uri_lock(path, timeout=0.2):
        pass
    first.join()
    assert str(caught.value) == (
        f"another download of the same file has held {path} for 0.2 s; wait for it to "
        "finish, or stop it, and retry"
    )
    assert not path.exists()


def exit_during_release(path: Path, point: int) -> bool:
    """Hold ``path`` in a thread, then release it, freezing that thread before the
    ``point``-th line of urilock its release runs, and run a Ctrl-C exit's cleanups there
    (interrupts.exit_now, before ``os._exit``). False when the release has fewer lines."""
    module = uri_lock.__code__.co_filename
    entered, releasing, frozen, thaw = (threading.Event() for _ in range(4))
    seen = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal seen
        if frame.f_code.co_filename != module:
            return None
        if event == "line" and releasing.is_set():
            seen += 1
            if seen == point + 1:
                frozen.set()
                thaw.wait(10)
        return trace

    def worker() -> None:
        sys.settrace(trace)
        with uri_lock(path):
            entered.set()
            releasing.wait(10)
        sys.settrace(None)

    thread = threading.Thread(target=worker)
    thread.start()
    assert entered.wait(10) and path.exists()
    releasing.set()
    while thread.is_alive() and not frozen.wait(0.001):
        pass
    if frozen.is_set():
        interrupts.run_cleanups()
        assert not path.exists(), f"lock file left by an exit before release line {point}"
    thaw.set()
    thread.join(10)
    assert not path.exists()
    return frozen.is_set()


def test_a_ctrl_c_exit_at_any_line_of_a_release_removes_the_lock_file(tmp_path: Path) -> None:
    """A Ctrl-C exit may come while a worker thread releases the lock: wherever it comes,
    the lock file goes. Unlinking after forgetting the holder left it (5 in 3,000 forked
    exits): the exit's cleanup could neither see the holder nor lock the file itself."""
    points = 0
    while exit_during_release(tmp_path / f"{points}.lock", points):
        points += 1
    assert points >= 3, "the release runs several lines of urilock"
