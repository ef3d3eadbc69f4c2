"""Product manifests persisted in the store, and ``verify_files`` (``cache verify``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from astropy.table import Table

from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.products import record_manifest, verify_files
from mastcache.store import Store


def test_product_lists_are_recorded_once_when_fetched(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    store: Store,
) -> None:
    products = hst_products(12)
    obsids = sorted({str(x) for x in products["obsID"]})
    records = store.get_products(obsids)
    assert {r.uri for r in records} >= set(products["dataURI"])
    first = next(r for r in records if r.uri == products["dataURI"][0])
    assert first.size == products["size"][0] and first.filename == products["productFilename"][0]
    assert first.row["obs_id"] == products["obs_id"][0] and first.checksum is None
    fresh = observations.get_product_list(obsids)
    assert fresh.meta["mastcache"]["source"] == "network"
    recorded = store.get_products(obsids)
    again = observations.get_product_list(obsids)  # the same list, served from the cache
    assert again.meta["mastcache"]["source"] == "cache"
    assert record_manifest(store, again) == 0
    assert store.get_products(obsids) == recorded  # not written again


def test_record_manifest_reads_checksums_and_masked_cells(store: Store) -> None:
    table = Table(
        {
            "obsID": ["7"],
            "dataURI": ["mast:HST/product/x_flt.fits"],
            "productFilename": ["x_flt.fits"],
            "size": [0],
            "md5": ["abc"],
        },
        masked=True,
    )
    table["productFilename"].mask = [True]
    assert record_manifest(store, table, "anonymous") == 1
    (record,) = store.get_products(["7"])
    assert (
        record.checksum == "md5:abc"
        and record.size is None
        and record.row["productFilename"] is None
    )


def test_verify_files_reports_changed_and_missing_files_then_a_download_repairs_them(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(3)
    observations.download_products(products, download_dir=tmp_path, link="copy")
    assert verify_files(store) == []
    changed, missing = (store.get_file(uri) for uri in products["dataURI"][:2])
    assert changed is not None and missing is not None
    blob = store.root / changed.local_path
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes()[:-1] + b"!")
    (store.root / missing.local_path).unlink()
    problems = verify_files(store)
    assert sorted((p.uri, p.kind) for p in problems) == sorted(
        [(changed.uri, "checksum"), (missing.uri, "missing")]
    )
    assert store.get_file(changed.uri).status == "corrupt"  # type: ignore[union-attr]
    assert store.get_file(products["dataURI"][2]).verified_at is not None  # type: ignore[union-attr]
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path / "again")
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    assert len(live.requests.matching("/api/v0.1/Download/file", "GET")) == 2
    assert verify_files(store) == []
    assert (store.root / changed.local_path).read_bytes() == product_bytes(changed.uri)
