"""The per-URI download lock when two downloads of one file meet (products/urilock.py): the
worst-covered module of the full-suite coverage run (docs/testing.md)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

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
