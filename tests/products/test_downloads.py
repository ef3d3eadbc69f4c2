"""Downloads over real HTTP against the emulator: parallel, stored once, served again with
no network, offline with the emulator stopped, astroquery's manifest shape, curl scripts."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.io import fits
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.errors import NoResultsWarning, RemoteServiceError
from mastcache.store import Store

FILE = "/api/v0.1/Download/file"


def test_two_hundred_products_download_in_parallel_into_astroquerys_layout(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = hst_products(200)
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and len(manifest) == 200
    assert set(manifest["Status"]) == {"COMPLETE"}
    for row, product in zip(manifest, products, strict=True):
        expected = tmp_path / "mastDownload" / "HST" / product["obs_id"]
        assert row["Local Path"] == str(expected / product["productFilename"])
        assert Path(row["Local Path"]).read_bytes() == product_bytes(product["dataURI"])
        record = store.get_file(product["dataURI"])
        assert record is not None and record.status == "complete"
        assert record.local_path == f"products/{record.sha256[:2]}/{record.sha256}"
    gets = live.requests.matching(FILE, "GET")
    assert sorted(g.query for g in gets) == sorted(set(g.query for g in gets))  # once each
    assert len(gets) == 200 and not live.requests.matching(FILE, "HEAD")  # sizes from MAST


def test_a_second_request_anywhere_is_served_from_the_store_without_network(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(12)
    observations.download_products(products, download_dir=tmp_path / "first", link="hard")
    live.requests.clear()
    again = observations.download_products(
        products, download_dir=tmp_path / "second", flat=True, link="hard"
    )  # hard links asked for (the default is a copy of one's own, issue #18)
    single = observations.download_file(products["dataURI"][0], local_path=tmp_path / "one")
    assert again is not None and set(again["Status"]) == {"COMPLETE"}
    assert single == ("COMPLETE", None, None)
    assert len(live.requests) == 0
    first = Path(again["Local Path"][0])
    assert first.parent == tmp_path / "second"
    linked = tmp_path / "first" / "mastDownload" / "HST" / products["obs_id"][0] / first.name
    assert os.path.samefile(first, linked)  # hard links to the one stored copy


def test_offline_serves_everything_stored_with_the_emulator_stopped(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(30)
    obsids = sorted(set(str(x) for x in products["obsID"]))
    observations.download_products(obsids, download_dir=tmp_path / "online")
    live.stop()
    with runtime.using_mode("offline"):
        manifest = observations.download_products(
            obsids, download_dir=tmp_path / "plane", link="copy"
        )
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    for path in manifest["Local Path"]:
        if not path.endswith(".fits"):
            continue
        with fits.open(path) as hdus:
            assert hdus[0].header["ORIGIN"] == "mastcache emulator"


def test_offline_reports_each_missing_product_instead_of_skipping_it(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(6)
    observations.download_products(products[:2], download_dir=tmp_path)
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=tmp_path, mode="offline")
    assert manifest is not None
    assert list(manifest["Status"]) == ["COMPLETE"] * 2 + ["ERROR"] * 4
    for row in manifest[2:]:
        assert "offline mode" in row["Message"]
        assert row["URL"].endswith("/" + Path(row["Local Path"]).name)
        assert not Path(row["Local Path"]).exists()
    assert len(live.requests) == 0


def test_manifest_rows_and_types_match_astroquerys_for_missing_products(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(2)
    products["dataURI"] = products["dataURI"].astype(object)
    products["dataURI"][1] = "mast:HST/product/does_not_exist.fits"
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and manifest.colnames == ["Local Path", "Status", "Message", "URL"]
    assert list(manifest["Status"]) == ["COMPLETE", "ERROR"]
    assert manifest["Message"].dtype == object and manifest["URL"].dtype == object
    assert manifest["Message"][0] is None and "404" in manifest["Message"][1]
    assert manifest["URL"][1] == f"{live.url}{FILE}?uri=mast:HST/product/does_not_exist.fits"


def test_filters_duplicates_and_an_empty_selection(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    tmp_path: Path,
) -> None:
    from astropy.table import vstack

    products = hst_products(12)
    doubled = vstack([products, products])
    manifest = observations.download_products(
        doubled, download_dir=tmp_path, mrp_only=True, extension="fits"
    )
    chosen = observations.filter_products(products, mrp_only=True, extension="fits")
    assert 0 < len(chosen) < len(products)
    assert manifest is not None and len(manifest) == len(chosen)  # duplicates went
    names = [Path(path).name for path in manifest["Local Path"]]
    assert names == list(chosen["productFilename"])
    with pytest.warns(NoResultsWarning, match="No products to download"):
        assert observations.download_products(products, extension="nothing") is None


def test_refresh_fetches_again_and_cache_false_too(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(3)
    observations.download_products(products, download_dir=tmp_path)
    live.requests.clear()
    observations.download_products(products, download_dir=tmp_path, mode="refresh")
    observations.download_products(products, download_dir=tmp_path, cache=False)
    assert len(live.requests.matching(FILE, "GET")) == 6


def test_curl_flag_saves_masts_bundle_script(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(3)
    with pytest.warns(Warning, match="flat=True has no effect"):
        manifest = observations.download_products(
            products, download_dir=tmp_path, curl_flag=True, flat=True
        )
    assert manifest is not None and manifest.colnames == ["Local Path", "Status", "Message"]
    script = Path(manifest["Local Path"][0])
    assert manifest["Status"][0] == "COMPLETE" and script.parent == tmp_path
    assert script.name.startswith("mastDownload_") and script.suffix == ".sh"
    text = script.read_text()
    assert text.startswith("#!/bin/sh") and all(uri in text for uri in products["dataURI"])
    (post,) = live.requests.matching("/api/v0.1/Download/bundle.sh", "POST")
    assert post.status == 200 and not live.requests.matching(FILE)


def test_download_file_names_and_folders_like_astroquery(
    observations: ObservationsClass, live: EmulatorServer, tmp_path: Path
) -> None:
    uri = "mast:HST/product/u9o40504m_c3m.fits"
    folder = tmp_path / "new" / "folder"
    assert observations.download_file(uri, local_path=folder) == ("COMPLETE", None, None)
    assert (folder / "u9o40504m_c3m.fits").read_bytes() == product_bytes(uri)
    named = tmp_path / "renamed.fits"
    assert observations.download_file(uri, local_path=named)[0] == "COMPLETE"
    assert named.read_bytes() == product_bytes(uri)
    assert len(live.requests.matching(FILE, "HEAD")) == 1  # size asked once, file fetched once
    status, message, url = observations.download_file("mast:HST/product/..", local_path=folder)
    assert status == "ERROR" and "refused" in str(message) and url is not None


def test_link_kinds(
    observations: ObservationsClass, hst_products: Callable[[int], Table], tmp_path: Path
) -> None:
    products = hst_products(1)
    for link in ("hard", "copy", "symlink"):
        manifest = observations.download_products(
            products, download_dir=tmp_path / link, flat=True, link=link
        )
        assert manifest is not None
        path = Path(manifest["Local Path"][0])
        assert path.read_bytes() == product_bytes(products["dataURI"][0])
        assert path.is_symlink() == (link == "symlink")
    assert not os.path.samefile(tmp_path / "copy" / path.name, tmp_path / "hard" / path.name)


def test_cloud_uris_need_enabling_then_map_through_path_lookup(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
) -> None:
    products = hst_products(2)
    with pytest.raises(RemoteServiceError, match="enable_cloud_dataset"):
        observations.get_cloud_uris(products)
    observations.enable_cloud_dataset()
    uris = observations.get_cloud_uris(products)
    name = products["productFilename"][0]
    assert uris is not None and uris[0] == f"s3://stpubdata/hst/public/{name[:4]}/{name[:9]}/{name}"
    http = observations.get_cloud_uri(products[0], include_bucket=False, full_url=True)
    assert http == f"http://s3.amazonaws.com/stpubdata/hst/public/{name[:4]}/{name[:9]}/{name}"
    mapping = observations.get_cloud_uris(
        ["mast:HST/product/x_flt.fits", "mast:NOPE/product/does_not_exist.fits"],
        return_uri_map=True,
        verbose=False,
    )
    assert isinstance(mapping, dict)
    assert mapping["mast:NOPE/product/does_not_exist.fits"] is None
    assert live.requests.matching("/api/v0.1/path_lookup", "GET")


def test_the_emulators_product_bytes_knob_sizes_lists_and_files_alike(
    observations: ObservationsClass, live: EmulatorServer, tmp_path: Path
) -> None:
    live.reconfigure(product_bytes=300_000)
    found = observations.query_criteria(obs_collection="HST", mode="refresh")
    products = observations.get_product_list(found[:1], mode="refresh")
    fits_rows = [row for row in products if str(row["productFilename"]).endswith(".fits")]
    assert fits_rows and all(row["size"] >= 300_000 for row in fits_rows)
    manifest = observations.download_products(products, download_dir=tmp_path)
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    for row, path in zip(products, manifest["Local Path"], strict=True):
        assert Path(path).stat().st_size == row["size"]


def test_one_progress_bar_counts_bytes_and_files_only_when_shown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mastcache.products.progress import DownloadProgress

    with DownloadProgress(2048, 2, shown=True) as bar:
        bar.add_bytes(1024)
        bar.file_done()
        bar.add_bytes(1024)
        bar.file_done()
    assert (bar.bytes_done, bar.files_done) == (2048, 2)
    assert "2/2 files" in capsys.readouterr().err
    with DownloadProgress(10, 1, shown=None) as hidden:  # stderr is not a terminal here
        hidden.add_bytes(10)
    assert capsys.readouterr().err == ""


def _with_md5(products: Table, *, wrong: bool = False) -> Table:
    """The product table with MAST-style ``md5`` checksums of the bytes the emulator serves."""
    import hashlib

    table = products.copy()
    digests = [hashlib.md5(product_bytes(str(uri))).hexdigest() for uri in table["dataURI"]]
    table["md5"] = ["0" * 32 if wrong else digest for digest in digests]
    table["size"] = [len(product_bytes(str(uri))) for uri in table["dataURI"]]
    return table


def test_online_reuses_stored_files_only_when_masts_checksum_confirms_them(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    """policy.decide_file: online re-asks what the file is and reuses verified bytes."""
    products = hst_products(3)
    observations.download_products(products, download_dir=tmp_path / "first")
    live.requests.clear()
    confirmed = observations.download_products(
        _with_md5(products), download_dir=tmp_path / "confirmed", mode="online"
    )
    assert confirmed is not None and set(confirmed["Status"]) == {"COMPLETE"}
    assert live.requests.matching(FILE) == []  # MAST vouches for the stored bytes
    unproven = observations.download_products(
        products, download_dir=tmp_path / "unproven", mode="online"
    )
    assert unproven is not None and set(unproven["Status"]) == {"COMPLETE"}
    assert len(live.requests.matching(FILE, "GET")) == 3  # no checksum: no proof, fetched


def test_online_with_a_checksum_the_stored_file_lacks_fetches_and_refuses_the_body(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = hst_products(2)
    observations.download_products(products, download_dir=tmp_path / "first")
    live.requests.clear()
    manifest = observations.download_products(
        _with_md5(products, wrong=True), download_dir=tmp_path / "again", mode="online"
    )
    assert manifest is not None and set(manifest["Status"]) == {"ERROR"}
    assert all("checksum mismatch" in str(message) for message in manifest["Message"])
    assert len(live.requests.matching(FILE, "GET")) == 2
    offline = observations.download_products(
        products, download_dir=tmp_path / "off", mode="offline"
    )
    assert offline is not None and set(offline["Status"]) == {"COMPLETE"}  # old bytes kept
