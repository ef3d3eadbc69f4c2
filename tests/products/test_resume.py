"""A download killed halfway (SIGKILL of a real process) resumes with HTTP Range: the bytes
already on disk are not fetched again, as the emulator's request log shows."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, FaultRule, start
from mastcache.emulator.sky.fitsgen import product_bytes

FILE = "/api/v0.1/Download/file"
URI = "mast:HST/product/u9o40504m_c3m.fits"
SIZE = 4 * 1024 * 1024
CHILD = """
import sys
from mastcache.client import ObservationsClass
print(ObservationsClass().download_file(sys.argv[1], local_path=sys.argv[2]), flush=True)
"""


@pytest.fixture
def big_files() -> Iterator[EmulatorServer]:
    """An emulator whose FITS products are at least 4 MiB, sent slowly (64 B per 0.2 ms)."""
    with start("127.0.0.1", 0, product_bytes=SIZE) as server:
        server.set_faults(FaultRule(FILE, "trickle", delay=0.0002))
        yield server


def _partial(cache_dir: Path) -> Path:
    return cache_dir / "products" / "partial" / hashlib.sha256(URI.encode()).hexdigest()


def _kill_when_partial_reaches(child: subprocess.Popen[str], partial: Path, size: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if partial.exists() and partial.stat().st_size >= size:
            child.send_signal(signal.SIGKILL)
            child.wait()
            return partial.stat().st_size
        time.sleep(0.01)
    raise AssertionError(f"the child ended or stalled first: {child.poll()}")


def test_a_killed_download_resumes_without_fetching_its_bytes_again(
    big_files: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    env = dict(os.environ, MASTCACHE_DIR=str(cache_dir), MASTCACHE_MAST_URL=big_files.url)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, URI, str(tmp_path / "first")], env=env, text=True
    )
    kept = _kill_when_partial_reaches(child, _partial(cache_dir), 1024 * 1024)
    assert child.returncode == -signal.SIGKILL and 0 < kept < SIZE
    assert not (tmp_path / "first").exists() or not list((tmp_path / "first").iterdir())

    big_files.set_faults(None)
    big_files.requests.clear()
    runtime.configure(cache_dir=cache_dir, mast_url=big_files.url, mode="cache-first")
    try:
        result = ObservationsClass().download_file(URI, local_path=tmp_path / "second")
    finally:
        runtime.reset()
    assert result == ("COMPLETE", None, None)
    (get,) = big_files.requests.matching(FILE, "GET")
    assert get.header("range") == f"bytes={kept}-" and get.status == 206
    total = len(product_bytes(URI, SIZE))
    assert get.nbytes == total - kept  # only the missing tail crossed the wire
    assert (tmp_path / "second" / "u9o40504m_c3m.fits").read_bytes() == product_bytes(URI, SIZE)
    assert not _partial(cache_dir).exists()
