"""Polite concurrency: one limit per host shared by every thread and client of a process,
observed at the emulator (its request log counts the requests in flight)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, start
from mastcache.errors import ConfigurationError
from mastcache.net.hostlimits import HostLimits, host_key, limit_for
from mastcache.settings import DEFAULT_MAX_PER_HOST, Settings


@pytest.fixture
def slow(cache_dir: Path) -> Iterator[EmulatorServer]:
    """An emulator taking 40 ms per answer, so parallel requests overlap."""
    with start("127.0.0.1", 0, latency_ms=40) as server:
        yield server
    runtime.reset()


def _products(url: str, cache_dir: Path, count: int) -> Table:
    runtime.configure(mast_url=url, cache_dir=cache_dir, mode="cache-first")
    client = ObservationsClass()
    found = client.query_criteria(obs_collection="HST")
    table: Table = client.get_product_list(found[:6])[:count]
    return table


def _download(products: Table, folder: Path, cloud: bool = False) -> None:
    client = ObservationsClass()
    if cloud:
        client.enable_cloud_dataset(verbose=False)
    manifest = client.download_products(products, download_dir=folder, cache=False)
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}


def test_downloads_never_exceed_the_per_host_limit(
    slow: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    products = _products(slow.url, cache_dir, 24)
    runtime.configure(max_parallel=8, max_per_host=3)
    slow.requests.clear()
    _download(products, tmp_path / "a")
    assert slow.requests.peak_in_flight == 3  # reached, never passed

    runtime.configure(max_per_host=8)  # the same run without the limit overlaps more
    slow.requests.clear()
    _download(products, tmp_path / "b")
    assert slow.requests.peak_in_flight > 3


def test_threads_and_clients_of_a_process_share_one_limit(
    slow: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    products = _products(slow.url, cache_dir, 24)
    runtime.configure(max_parallel=6, max_per_host=4)
    slow.requests.clear()
    failures: list[BaseException] = []

    def run(folder: Path, cloud: bool) -> None:
        try:
            _download(products, folder, cloud)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [
        threading.Thread(target=run, args=(tmp_path / "s3", True)),
        threading.Thread(target=run, args=(tmp_path / "https", False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert slow.requests.matching("/stpubdata/", "GET")  # both paths ran
    assert slow.requests.peak_in_flight == 4


def test_a_per_host_override_wins(slow: EmulatorServer, cache_dir: Path, tmp_path: Path) -> None:
    products = _products(slow.url, cache_dir, 12)
    runtime.configure(max_parallel=8, max_per_host=8, host_limits={host_key(slow.url): 2})
    slow.requests.clear()
    _download(products, tmp_path)
    assert slow.requests.peak_in_flight == 2


def test_page_fetches_respect_the_limit(slow: EmulatorServer, cache_dir: Path) -> None:
    slow.reconfigure(rows=400)
    runtime.configure(
        mast_url=slow.url, cache_dir=cache_dir, max_parallel=8, max_per_host=2, pagesize=20
    )
    slow.requests.clear()
    table = ObservationsClass().query_criteria(obs_collection="HST")
    assert len(table) == 400
    assert len(slow.requests.matching("/api/v0/invoke")) >= 20
    assert slow.requests.peak_in_flight == 2


# -- the registry and the settings ---------------------------------------------------------------


def test_slots_are_shared_by_limit_and_reentrant_per_thread() -> None:
    limits = HostLimits(2)
    inside, peak, lock = [0], [0], threading.Lock()

    def work() -> None:
        # nested in one thread: no second slot
        with limits.slot("http://example.invalid:81/a"), limits.slot("http://example.invalid:81/b"):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak[0] == 2


def test_limit_lookup_by_host_port_then_host() -> None:
    overrides = {"mast.stsci.edu": 4, "127.0.0.1:8999": 2}
    assert limit_for(host_key("https://mast.stsci.edu/api/v0/invoke"), 10, overrides) == 4
    assert limit_for(host_key("http://127.0.0.1:8999/x"), 10, overrides) == 2
    assert limit_for(host_key("http://127.0.0.1:9000/x"), 10, overrides) == 10
    assert host_key("https://S3.amazonaws.com/stpubdata/k") == "s3.amazonaws.com"


def test_settings_read_limits_and_the_cloud_url(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MASTCACHE_MAX_PER_HOST": "6",
            "MASTCACHE_HOST_LIMITS": "mast.stsci.edu=4, s3.amazonaws.com=16",
            "MASTCACHE_CLOUD_URL": "http://127.0.0.1:9000/",
        },
        cache_dir=tmp_path,
    )
    assert settings.max_per_host == 6
    assert settings.host_limits == {"mast.stsci.edu": 4, "s3.amazonaws.com": 16}
    assert settings.cloud_url == "http://127.0.0.1:9000"
    assert Settings.from_env({}, cache_dir=tmp_path).max_per_host == DEFAULT_MAX_PER_HOST == 10


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MASTCACHE_MAX_PER_HOST": "0"}, "MASTCACHE_MAX_PER_HOST='0'"),
        ({"MASTCACHE_MAX_PER_HOST": "many"}, "expected a whole number"),
        ({"MASTCACHE_HOST_LIMITS": "mast.stsci.edu"}, "expected HOST=N"),
        ({"MASTCACHE_HOST_LIMITS": "mast.stsci.edu=-1"}, "at least 1"),
        ({"MASTCACHE_CLOUD_URL": "s3://stpubdata"}, "not an http"),
    ],
)
def test_bad_limit_settings_are_one_clear_error(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env, cache_dir=tmp_path)


def test_endpoints_read_the_bucket_at_mast_url_unless_cloud_url(tmp_path: Path) -> None:
    from mastcache.net.endpoints import Endpoints

    real = Endpoints.for_base_url(None)
    assert real.cloud_object("hst/public/a b.fits") == (
        "https://s3.amazonaws.com/stpubdata/hst/public/a%20b.fits"
    )
    assert Endpoints.for_base_url("http://127.0.0.1:1").cloud_server == "http://127.0.0.1:1"
    chosen = Endpoints.for_base_url("http://127.0.0.1:1", "http://127.0.0.1:2/")
    assert chosen.cloud_server == "http://127.0.0.1:2"
