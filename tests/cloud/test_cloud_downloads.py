"""Downloads that prefer MAST's public bucket, over real HTTP against the emulator's S3 bucket:
per mission on and off, cloud_only with and without a cloud copy, one blob whatever the source,
and S3 faults mid-download (throttling, cut bodies, wrong sizes) with nothing corrupt stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.maintenance import cache_stats
from mastcache.store import Store

BUCKET = "/stpubdata/"
FILE = "/api/v0.1/Download/file"
BIG = 3 * 1024 * 1024
CLOUD_MISSIONS = ("HST", "TESS", "Kepler", "GALEX", "JWST", "PS1")


def _uri_gets(server: EmulatorServer, prefix: str) -> list[str]:
    return [e.path + "?" + e.query for e in server.requests.matching(prefix, "GET")]


def _in_cloud(products: Table) -> Table:
    names = [str(name) for name in products["productFilename"]]
    keep = [not name.endswith(("_trl.fits", "_dvt.fits", "_segm.fits")) for name in names]
    return products[keep]


@pytest.mark.parametrize("mission", CLOUD_MISSIONS)
def test_cloud_on_reads_the_bucket_and_cloud_off_reads_https(
    mission: str,
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = _in_cloud(products_of(mission, 4))
    assert len(products) >= 1
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path / "on")
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    for row, product in zip(manifest, products, strict=True):
        assert Path(row["Local Path"]).read_bytes() == product_bytes(product["dataURI"])
    assert len(live.requests.matching(BUCKET, "GET")) == len(products)
    assert not live.requests.matching(FILE)  # nothing from the HTTPS download service
    assert live.requests.matching("/api/v0.1/path_lookup", "GET")

    observations.disable_cloud_dataset()
    live.requests.clear()
    again = observations.download_products(products, download_dir=tmp_path / "off", cache=False)
    assert again is not None and set(again["Status"]) == {"COMPLETE"}
    assert len(live.requests.matching(FILE, "GET")) == len(products)
    assert not live.requests.matching(BUCKET)


def test_a_file_from_s3_or_https_is_one_blob_counted_once(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = _in_cloud(products_of("HST", 6))
    observations.disable_cloud_dataset()
    observations.download_products(products, download_dir=tmp_path / "https")
    first = {str(p["dataURI"]): store.get_file(str(p["dataURI"])) for p in products}
    observations.enable_cloud_dataset(verbose=False)
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path / "cloud")
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    assert not live.requests.matching(BUCKET) and not live.requests.matching(FILE)
    assert not live.requests.matching("/api/v0.1/path_lookup")  # stored: nothing to look up
    # refetched from S3 (cache=False): the same sha256, the same single blob per URI
    observations.download_products(products, download_dir=tmp_path / "again", cache=False)
    assert len(live.requests.matching(BUCKET, "GET")) == len(products)
    for uri, record in first.items():
        now = store.get_file(uri)
        assert record is not None and now is not None and now.sha256 == record.sha256
    stats = cache_stats(runtime.current_settings())
    assert stats.files == len(products)
    assert stats.file_bytes == sum(len(product_bytes(str(p["dataURI"]))) for p in products)
    blobs = [
        p for p in (runtime.current_settings().cache_dir / "products").rglob("*") if p.is_file()
    ]
    assert len([b for b in blobs if "partial" not in b.parts]) == len(products)


def test_a_product_without_a_cloud_copy_falls_back_to_https_or_is_skipped_cloud_only(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = products_of("HST", 6)  # one of each: _trl.fits is not in the bucket
    missing = [i for i, p in enumerate(products) if str(p["productFilename"]).endswith("_trl.fits")]
    assert len(missing) == 1
    only = observations.download_products(products, download_dir=tmp_path / "only", cloud_only=True)
    assert only is not None
    row = only[missing[0]]
    assert (row["Status"], row["Message"], row["URL"]) == ("SKIPPED", None, None)
    assert not Path(row["Local Path"]).exists()  # astroquery names the path, writes nothing
    assert [str(s) for s in only["Status"]].count("COMPLETE") == len(products) - 1
    skipped_uri = str(products["dataURI"][missing[0]])
    assert store.get_file(skipped_uri) is None
    assert not live.requests.matching(FILE)

    live.requests.clear()
    fallback = observations.download_products(products, download_dir=tmp_path / "fallback")
    assert fallback is not None and set(fallback["Status"]) == {"COMPLETE"}
    gets = _uri_gets(live, FILE)
    assert len(gets) == 1 and "_trl.fits" in gets[0]  # only the missing one, from MAST
    assert not live.requests.matching(BUCKET, "GET")  # the rest came from the store


def test_download_file_follows_astroquerys_cloud_rules(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = products_of("HST", 6)
    by_name = {str(p["productFilename"])[-9:]: str(p["dataURI"]) for p in products}
    in_cloud, absent = by_name["_flt.fits"], by_name["_trl.fits"]
    assert observations.download_file(in_cloud, local_path=tmp_path / "a.fits") == (
        "COMPLETE", None, None,
    )  # fmt: skip
    assert live.requests.matching(BUCKET, "GET") and not live.requests.matching(FILE)
    skipped = observations.download_file(absent, local_path=tmp_path / "b.fits", cloud_only=True)
    assert skipped == ("SKIPPED", None, None) and not (tmp_path / "b.fits").exists()
    fetched = observations.download_file(absent, local_path=tmp_path / "b.fits")
    assert fetched == ("COMPLETE", None, None)
    assert (tmp_path / "b.fits").read_bytes() == product_bytes(absent)


def test_missions_without_cloud_copies_use_https_even_cloud_only(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = products_of("K2", 2)
    manifest = observations.download_products(products, download_dir=tmp_path, cloud_only=True)
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    assert len(live.requests.matching(FILE, "GET")) == 2
    assert not live.requests.matching(BUCKET) and not live.requests.matching(
        "/api/v0.1/path_lookup"
    )


# -- S3 faults ---------------------------------------------------------------------------------


def test_throttling_slowdown_is_retried_with_backoff(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = _in_cloud(products_of("TESS", 2))
    observations.get_cloud_uris(products)  # locate first: the faults hit the body GETs
    live.set_faults("/stpubdata/*=slowdown:count=2:retry_after=0")
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    gets = live.requests.matching(BUCKET, "GET")
    assert [g.status for g in gets].count(503) == 2
    assert [g.fault for g in gets].count("slowdown") == 2
    assert not live.requests.matching(FILE)  # retried on S3, no fallback needed


def test_a_cut_body_is_resumed_with_range_from_the_bucket(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    live.reconfigure(product_bytes=BIG)  # bodies of several 1 MiB chunks
    product = _in_cloud(products_of("HST", 2))[:1]
    uri = str(product["dataURI"][0])
    body = product_bytes(uri, BIG)
    observations.get_cloud_uris(product)
    live.set_faults("/stpubdata/*=truncate:count=1")
    manifest = observations.download_products(product, download_dir=tmp_path)
    assert manifest is not None and manifest["Status"][0] == "COMPLETE"
    gets = live.requests.matching(BUCKET, "GET")
    assert len(gets) == 2 and gets[0].fault == "truncate"
    resumed = gets[1].header("range") or ""
    kept = int(resumed.removeprefix("bytes=").removesuffix("-"))
    assert 0 < kept <= len(body) // 2 and gets[1].status == 206
    assert gets[1].nbytes == len(body) - kept  # only the missing tail crossed the wire
    assert Path(manifest["Local Path"][0]).read_bytes() == body
    record = store.get_file(uri)
    assert record is not None and record.sha256 == hashlib.sha256(body).hexdigest()
    assert not live.requests.matching(FILE)


def test_a_wrong_size_from_the_bucket_is_refused_then_fetched_from_mast(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    product = _in_cloud(products_of("JWST", 2))[:1]
    uri = str(product["dataURI"][0])
    observations.get_cloud_uris(product)
    live.set_faults("/stpubdata/*=wrong-length")  # every S3 answer lies about its size
    only = observations.download_products(product, download_dir=tmp_path / "a", cloud_only=True)
    assert only is not None and only["Status"][0] == "SKIPPED"
    assert store.get_file(uri) is None  # nothing corrupt stored
    assert not any(p.is_file() for p in (store.products_dir).rglob("??/*"))
    manifest = observations.download_products(product, download_dir=tmp_path / "b")
    assert manifest is not None and manifest["Status"][0] == "COMPLETE"
    assert Path(manifest["Local Path"][0]).read_bytes() == product_bytes(uri)
    assert live.requests.matching(FILE, "GET")
    record = store.get_file(uri)
    assert record is not None and record.sha256 == hashlib.sha256(product_bytes(uri)).hexdigest()
