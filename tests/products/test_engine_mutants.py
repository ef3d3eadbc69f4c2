"""What an offline download tells the user, row by row (products/engine.py), which the sampled
mutation run found unguarded (docs/testing.md): a product never stored, one stored but
changed on disk, and one that ``cache verify`` marked corrupt."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from astropy.table import Table

from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.store import Store

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
