"""Faults and bad bytes: every product ends complete (and right) or clearly failed, and no
wrong file is ever marked complete."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, FaultPlan, FaultRule
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.products import verify_files
from mastcache.store import Store
from mastcache.store.records import FileRecord

FILE = "/api/v0.1/Download/file"


def _stored_bytes(store: Store, uri: str) -> bytes | None:
    record = store.get_file(uri)
    if record is None or record.status != "complete":
        return None
    return (store.root / record.local_path).read_bytes()


def test_faults_on_ten_percent_of_requests_end_complete_or_clearly_failed(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(60)
    kinds = ("503", "500", "truncate", "wrong-length", "reset", "invalid-json")
    live.set_faults(
        FaultPlan(tuple(FaultRule(FILE, k, rate=0.1 / 6, retry_after=0) for k in kinds))
    )
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and len(manifest) == 60
    assert any(entry.fault for entry in live.requests)  # the faults did fire
    for row, product in zip(manifest, products, strict=True):
        expected = product_bytes(product["dataURI"])
        if row["Status"] == "COMPLETE":
            assert Path(row["Local Path"]).read_bytes() == expected
        else:
            assert row["Status"] == "ERROR" and product["dataURI"] in row["Message"]
            assert not Path(row["Local Path"]).exists()
        assert _stored_bytes(store, product["dataURI"]) in (None, expected)
    assert verify_files(store) == []
    live.set_faults(None)
    again = observations.download_products(products, download_dir=tmp_path)
    assert again is not None and set(again["Status"]) == {"COMPLETE"}


def test_a_body_cut_short_every_time_is_an_error_kept_as_partial(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(1)
    uri = products["dataURI"][0]
    live.set_faults(FaultRule(FILE, "truncate"))
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and manifest["Status"][0] == "ERROR"
    assert "cut short" in manifest["Message"][0] and "after 4 attempts" in manifest["Message"][0]
    assert len(live.requests.matching(FILE, "GET")) == 4  # one GET per attempt, streamed
    record = store.get_file(uri)
    assert record is None or record.status == "partial"
    assert not Path(manifest["Local Path"][0]).exists()
    live.set_faults(None)
    assert observations.download_products(products, download_dir=tmp_path)["Status"][0] == (
        "COMPLETE"
    )
    assert _stored_bytes(store, uri) == product_bytes(uri)


def test_a_wrong_content_length_is_never_stored_as_complete(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(1)
    live.set_faults(FaultRule(FILE, "wrong-length"))
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and manifest["Status"][0] == "ERROR"
    assert "MAST reports" in manifest["Message"][0]
    assert _stored_bytes(store, products["dataURI"][0]) is None


def test_a_checksum_from_mast_that_does_not_match_is_detected(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    store: Store,
    tmp_path: Path,
) -> None:
    import hashlib

    products = hst_products(2)
    right = hashlib.md5(product_bytes(products["dataURI"][0])).hexdigest()
    products["checksum"] = [f"md5:{right}", "md5:" + "0" * 32]
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and list(manifest["Status"]) == ["COMPLETE", "ERROR"]
    assert "checksum mismatch" in manifest["Message"][1]
    assert _stored_bytes(store, products["dataURI"][1]) is None
    assert not Path(manifest["Local Path"][1]).exists()
    assert not list((store.products_dir / "partial").glob("[0-9a-f]*[0-9a-f]"))


def test_new_bytes_for_a_uri_must_match_the_recorded_sha256_unless_refreshing(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(1)
    uri = products["dataURI"][0]
    size = len(product_bytes(uri))
    store.put_file(FileRecord(uri, "ab" * 32, size, f"products/ab/{'ab' * 32}", "complete"))
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and manifest["Status"][0] == "ERROR"
    assert "recorded when this URI was first downloaded" in manifest["Message"][0]
    with runtime.using_mode("refresh"):
        manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and manifest["Status"][0] == "COMPLETE"
    assert _stored_bytes(store, uri) == product_bytes(uri)
