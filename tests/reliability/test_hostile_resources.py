"""Hostile resources: a server claiming a 10 GB answer (memory stays bounded) and a cache dir on
a full disk (a clear StorageFullError, nothing half-written, the cache still verifies).
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import tracemalloc
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from reliability.faultcalls import built
from reliability.harness import cache_problems, record
from resources import missing

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import start
from mastcache.errors import MastCacheError, StorageFullError
from mastcache.settings import Settings
from mastcache.store import Store

CLAIMED = 10 * 1000**3  # what the hostile server says it will send
SENT = 48 * 1024**2  # what it sends before closing the connection
PEAK_LIMIT = 24 * 1024**2  # traced Python allocations allowed while that streams in


class _ClaimingHandler(BaseHTTPRequestHandler):
    """Every answer claims 10 GB, then sends 48 MiB of JSON-looking bytes and hangs up."""

    protocol_version = "HTTP/1.1"

    def _head(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(CLAIMED))
        self.end_headers()

    def do_HEAD(self) -> None:
        self._head()

    def do_GET(self) -> None:
        self._head()
        chunk = b'{"status": "COMPLETE", "data": [' + b" " * (1 << 20)
        with contextlib.suppress(OSError):
            for _ in range(SENT // len(chunk)):
                self.wfile.write(chunk)
        self.close_connection = True

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def claiming_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ClaimingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def traced_peak(call: Any) -> tuple[str, int]:
    """What ``call`` gave (result or MastCacheError text) and its peak traced allocation."""
    tracemalloc.start()
    try:
        kind = f"result {call()!r}"[:300]
    except MastCacheError as exc:
        kind = f"error {type(exc).__name__}: {exc}"[:300]
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return kind, peak


def _settings(tmp_path: Path, url: str) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path / "cache", mast_url=url, max_retries=0)


def test_a_download_claiming_10_gb_is_streamed_in_bounded_memory(
    tmp_path: Path, claiming_server: str
) -> None:
    settings = _settings(tmp_path, claiming_server)
    with runtime.using_settings(settings), built(ObservationsClass) as client:
        outcome, peak = traced_peak(lambda: client.download_file(
            "mast:HST/product/huge.fits", local_path=tmp_path / "huge.fits",
            base_url=f"{claiming_server}/api/v0.1/Download/file"))  # fmt: skip
    record("hostile-10gb", calls=1, peak_mib=peak >> 20, failures=int(peak > PEAK_LIMIT))
    print(f"\n10 GB download claim: {outcome[:160]} (peak {peak / 2**20:.1f} MiB)")
    assert "ERROR" in outcome or outcome.startswith("error"), outcome
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MiB traced while {SENT >> 20} MiB streamed"
    with Store.open(settings) as store:
        found = store.get_file("mast:HST/product/huge.fits")
        assert found is None or found.status != "complete"
    assert not (tmp_path / "huge.fits").exists()


def test_a_portal_answer_claiming_10_gb_fails_in_bounded_memory(
    tmp_path: Path, claiming_server: str
) -> None:
    settings = _settings(tmp_path, claiming_server)
    with runtime.using_settings(settings), built(ObservationsClass) as client:
        warnings.simplefilter("ignore")
        outcome, peak = traced_peak(lambda: client.query_region("10.68 41.27", radius=0.1))
    record("hostile-10gb", calls=1, peak_mib=peak >> 20, failures=int(peak > PEAK_LIMIT))
    print(f"\n10 GB Portal claim: {outcome[:160]} (peak {peak / 2**20:.1f} MiB)")
    assert outcome.startswith("error"), outcome
    assert peak < PEAK_LIMIT, f"{peak / 2**20:.0f} MiB traced while {SENT >> 20} MiB streamed"
    with Store.open(settings) as store:
        assert store.list_queries() == []


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs (needs root and mount(8)); skipped where it cannot be mounted."""
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        missing(f"a 4 MiB tmpfs ({mounted.stderr.decode(errors='replace').strip()})",
                "run the tests as root (mount -t tmpfs), as CI does")  # fmt: skip
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _full_disk_outcome(call: Any) -> str:
    try:
        return f"result {call()!r}"[:200]
    except StorageFullError as exc:
        assert "full" in str(exc) and str(exc).strip()
        return "storage-full"
    except MastCacheError as exc:
        return f"other-error {type(exc).__name__}: {exc}"[:300]


def _leftovers(root: Path) -> list[str]:
    """Temp files of atomic writes (partial downloads are kept on purpose, for resuming)."""
    return [p.name for p in root.rglob("*") if p.is_file() and p.name.startswith((".tmp", "tmp"))]


def test_a_result_larger_than_the_disk_gives_storage_full_and_writes_nothing(
    small_disk: Path,
) -> None:
    with start("127.0.0.1", 0, rows=40_000) as server:
        settings = Settings.from_env({}, cache_dir=small_disk / "cache", mast_url=server.url)
        with runtime.using_settings(settings), built(ObservationsClass) as client:
            warnings.simplefilter("ignore")
            outcome = _full_disk_outcome(lambda: client.query_region("10.68 41.27", radius=0.2))
    record("hostile-full-disk", calls=1, storage_full=int(outcome == "storage-full"))
    assert outcome == "storage-full", outcome
    with Store.open(settings) as store:
        assert store.list_queries() == []
    assert not cache_problems(settings) and not _leftovers(settings.cache_dir)


def test_a_download_larger_than_the_disk_gives_storage_full_and_records_nothing(
    small_disk: Path,
) -> None:
    with start("127.0.0.1", 0, product_bytes=8 << 20) as server:
        settings = Settings.from_env({}, cache_dir=small_disk / "cache", mast_url=server.url)
        with runtime.using_settings(settings), built(ObservationsClass) as client:
            warnings.simplefilter("ignore")
            products = client.get_product_list(client.query_region("10.68 41.27", radius=0.05)[:1])
            science = products[products["productType"] == "SCIENCE"][:1]
            manifest = client.download_products(science, download_dir=small_disk / "dl")
    assert manifest is not None
    status, message = str(manifest["Status"][0]), str(manifest["Message"][0])
    record("hostile-full-disk", calls=1, storage_full=int("is full" in message))
    assert status == "ERROR" and "is full" in message, (status, message)
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        assert [f for f in uow.files.list() if f.status == "complete"] == []
    assert not cache_problems(settings) and not _leftovers(settings.cache_dir)
