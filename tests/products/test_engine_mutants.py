"""What an offline download tells the user, row by row (products/engine.py), which the sampled
mutation run found unguarded (docs/testing.md): a product never stored, one stored but
changed on disk, and one that ``cache verify`` marked corrupt."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.table import Table
from tqdm import tqdm

from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.gateways.files import FileGateway
from mastcache.net.transport import Transport
from mastcache.products.engine import DownloadEngine, ProductRequest
from mastcache.products.fetch import FileWanted
from mastcache.settings import Settings
from mastcache.store import Store

format_sizeof = tqdm.format_sizeof

AGAIN = (
    "; run `mastcache cache verify --repair` online, or download it again without offline "
    "mode, to fetch an intact copy"
)


def offline_message(observations: ObservationsClass, product: Table, folder: Path) -> str:
    manifest = observations.download_products(product, download_dir=folder, mode="offline")
    assert manifest is not None and list(manifest["Status"]) == ["ERROR"]
    return str(manifest["Message"][0])


def test_a_product_never_stored_is_named_with_the_way_out(
    observations: ObservationsClass, hst_products: Callable[[int], Table], tmp_path: Path
) -> None:
    product = hst_products(1)
    uri = product["dataURI"][0]
    assert offline_message(observations, product, tmp_path) == (
        f"offline mode: {uri} is not in the cache, so it was not downloaded; re-run without "
        "offline mode (unset MASTCACHE_MODE=offline, drop --mode offline, or pass another "
        "mode=) to fetch it"
    )


def test_a_stored_product_changed_on_disk_is_called_damaged(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    store: Store,
    tmp_path: Path,
) -> None:
    product = hst_products(1)
    uri = product["dataURI"][0]
    observations.download_products(product, download_dir=tmp_path / "first")
    record = store.get_file(uri)
    assert record is not None
    blob = store.root / record.local_path
    os.chmod(blob, 0o644)
    blob.write_bytes(b"short")
    message = offline_message(observations, product, tmp_path / "second")
    assert message == (
        f"offline mode: {uri} is in the cache but damaged "
        f"(5 bytes on disk, {record.size} recorded){AGAIN}"
    )


def engine_requests(engine: DownloadEngine, folder: Path, uris: list[str]) -> list[ProductRequest]:
    endpoints = engine.gateway.endpoints
    return [
        ProductRequest(
            FileWanted(uri, endpoints.download_url(uri), size=len(product_bytes(uri))),
            str(folder / uri.rsplit("/", 1)[1]),
            endpoints.download_url(uri),
        )
        for uri in uris
    ]


URIS = ["mast:HST/product/u9o40504m_c3m.fits", "mast:IUE/product/swp43920_mxlo.fits"]


def test_the_progress_bar_counts_every_byte_and_file(
    emulator: EmulatorServer, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    total = sum(len(product_bytes(uri)) for uri in URIS)
    with Store.open(settings) as store:
        engine = DownloadEngine(store, FileGateway(Transport(settings)), mode="cache-first",
                                progress=True)  # fmt: skip
        outcomes = engine.run(engine_requests(engine, tmp_path, URIS))
    assert [o.status for o in outcomes] == ["COMPLETE", "COMPLETE"]
    states = [s for s in capsys.readouterr().err.split("\r") if s.strip()]
    bar = states[-1]  # the last state drawn before the bar was cleared
    size = format_sizeof(total, divisor=1024)
    assert f"{size}/{size}" in bar and "100%" in bar and "2/2 files" in bar


def test_by_default_a_product_is_copied_and_no_bar_is_drawn_off_a_terminal(
    emulator: EmulatorServer, cache_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    with Store.open(settings) as store:
        engine = DownloadEngine(store, FileGateway(Transport(settings)), mode="cache-first")
        (outcome,) = engine.run(engine_requests(engine, tmp_path, URIS[:1]))
        record = store.get_file(URIS[0])
        assert record is not None
        blob = store.root / record.local_path
    placed = Path(outcome.local_path)
    assert placed.read_bytes() == product_bytes(URIS[0])
    assert not os.path.samefile(placed, blob)  # a copy of its own, not a link
    assert capsys.readouterr().err == ""


def test_a_product_marked_corrupt_by_verify_is_called_damaged(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    store: Store,
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    product = hst_products(1)
    uri = product["dataURI"][0]
    observations.download_products(product, download_dir=tmp_path / "first")
    record = store.get_file(uri)
    assert record is not None
    store.put_file(dataclasses.replace(record, status="corrupt"))
    message = offline_message(observations, product, tmp_path / "second")
    assert message == (
        f"offline mode: {uri} is in the cache but damaged "
        f"(`mastcache cache verify` found it changed){AGAIN}"
    )


def test_each_outcome_says_where_its_file_came_from_and_retries_wait_on_the_given_clock(
    emulator: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    emulator.set_faults("/api/v0.1/Download/file=truncate:count=1")  # a body cut: resumed
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    sleeps: list[float] = []
    with Store.open(settings) as store:
        engine = DownloadEngine(store, FileGateway(Transport(settings, sleep=lambda _s: None)),
                                mode="cache-first", sleep=sleeps.append)  # fmt: skip
        first = engine.run(engine_requests(engine, tmp_path / "a", URIS[:1]))
        again = engine.run(engine_requests(engine, tmp_path / "b", URIS[:1]))
    assert [(o.status, o.source) for o in first] == [("COMPLETE", "network")]
    assert [(o.status, o.source) for o in again] == [("COMPLETE", "cache")]
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.75  # one back-off, never a real sleep
