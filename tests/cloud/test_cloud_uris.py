"""Cloud URIs with astroquery's names, values and warnings: MAST's path_lookup plus a HEAD in
the bucket, looked up once per product and stored, so they (and the files) replay offline."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.bucket import bucket_key
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.errors import CacheMissError, NoResultsWarning, RemoteServiceError
from mastcache.store import Store

LOOKUP = "/api/v0.1/path_lookup"


def _split(products: Table) -> tuple[list[str], str]:
    uris = [str(uri) for uri in products["dataURI"]]
    (absent,) = [uri for uri in uris if uri.endswith("_trl.fits")]
    return [uri for uri in uris if uri != absent], absent


def test_cloud_uris_need_enable_cloud_dataset(live: EmulatorServer) -> None:
    client = ObservationsClass()
    with pytest.raises(RemoteServiceError, match="enable_cloud_dataset"):
        client.get_cloud_uris(["mast:HST/product/x_flt.fits"])
    with pytest.raises(RemoteServiceError, match="enable_cloud_dataset"):
        client.get_cloud_uri("mast:HST/product/x_flt.fits")


def test_cloud_uris_check_the_bucket_and_warn_as_astroquery(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
) -> None:
    products = products_of("HST", 6)
    present, absent = _split(products)
    with pytest.warns(NoResultsWarning, match=r"Unable to locate file hst/public/.*_trl\.fits\."):
        uris = observations.get_cloud_uris(products)
    assert uris == [f"s3://stpubdata/{bucket_key(uri)}" for uri in present]
    assert len(live.requests.matching("/stpubdata/", "HEAD")) == 6  # one HEAD per product
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mapping = observations.get_cloud_uris(products, return_uri_map=True)
        paths = observations.get_cloud_uris(products, include_bucket=False, full_url=True)
    assert isinstance(mapping, dict) and mapping[absent] is None
    assert paths == [f"http://s3.amazonaws.com/stpubdata/{bucket_key(uri)}" for uri in present]
    assert len(live.requests.matching(LOOKUP)) == 1  # looked up once, then stored
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert observations.get_cloud_uri(absent) is None
    assert [str(w.message) for w in caught] == [  # both, as astroquery warns them
        f"Unable to locate file {bucket_key(absent)}.",
        f"Unable to locate file {[absent]}.",
    ]
    assert observations.get_cloud_uri(present[0], include_bucket=False) == bucket_key(present[0])


def test_an_unknown_uri_warns_that_mast_has_no_path(
    observations: ObservationsClass, live: EmulatorServer
) -> None:
    unknown = "mast:HST/product/does_not_exist_flt.fits"
    with pytest.warns(NoResultsWarning, match="Failed to retrieve MAST relative path"):
        assert observations.get_cloud_uris([unknown]) == []
    assert not live.requests.matching("/stpubdata/")  # no path: nothing to ask the bucket


def test_cloud_uris_and_cloud_downloads_replay_offline(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    store: Store,
    tmp_path: Path,
) -> None:
    products = products_of("TESS", 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        online = observations.get_cloud_uris(products, return_uri_map=True)
    observations.download_products(products, download_dir=tmp_path / "online")
    with store.unit_of_work(read_only=True) as uow:
        assert {r.uri for r in uow.cloud_paths.list()} == set(online)
    live.stop()  # nothing answers any more
    runtime.configure(mode="offline")
    with pytest.warns(NoResultsWarning, match=r"Unable to locate file tess/public/.*_dvt\.fits"):
        offline = observations.get_cloud_uris(products, return_uri_map=True)
    assert offline == online
    manifest = observations.download_products(products, download_dir=tmp_path / "offline")
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    for row, product in zip(manifest, products, strict=True):
        assert Path(row["Local Path"]).read_bytes() == product_bytes(product["dataURI"])
    with pytest.raises(CacheMissError, match="offline mode: the cloud location"):
        observations.get_cloud_uris(["mast:HST/product/never_seen_flt.fits"])


def test_an_offline_cloud_only_download_of_an_unstored_file_is_an_offline_miss(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
    tmp_path: Path,
) -> None:
    products = products_of("HST", 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        observations.get_cloud_uris(products)
    runtime.configure(mode="offline")
    manifest = observations.download_products(products, download_dir=tmp_path, cloud_only=True)
    assert manifest is not None and set(manifest["Status"]) == {"ERROR"}
    assert all("offline mode" in str(message) for message in manifest["Message"])


def test_refresh_mode_looks_the_paths_up_again(
    observations: ObservationsClass,
    products_of: Callable[[str, int], Table],
    live: EmulatorServer,
) -> None:
    products = products_of("GALEX", 2)
    observations.get_cloud_uris(products)
    live.requests.clear()
    observations.get_cloud_uris(products)
    assert not live.requests.matching(LOOKUP) and not live.requests.matching("/stpubdata/")
    runtime.configure(mode="refresh")
    observations.get_cloud_uris(products)
    assert len(live.requests.matching(LOOKUP)) == 1
    assert len(live.requests.matching("/stpubdata/", "HEAD")) == 2


def test_enable_cloud_dataset_warns_and_logs_as_astroquery(
    live: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    from astropy.utils.exceptions import AstropyDeprecationWarning

    from mastcache.client import CatalogsClass

    client = ObservationsClass()
    with pytest.warns(AstropyDeprecationWarning, match="does not require an AWS account"):
        client.enable_cloud_dataset(profile="default")
    with caplog.at_level("INFO", logger="mastcache"):
        client.enable_cloud_dataset()
    assert "Using the S3 STScI public dataset" in caplog.text and client.cloud_dataset_enabled
    with pytest.warns(AstropyDeprecationWarning, match="non-operational"):
        CatalogsClass().enable_cloud_dataset()  # a no-op there, as in astroquery
