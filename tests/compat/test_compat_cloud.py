"""The cloud path, compared: stock astroquery 0.4.11 with ``enable_cloud_dataset()`` (boto3,
unsigned, ``AWS_ENDPOINT_URL`` at the emulator's bucket) and mastcache against the same
emulator must give equal cloud URIs, warnings, manifests and bytes.

astroquery asks ``path_lookup`` at a fixed ``https://mast.stsci.edu`` URL; the fixture sends
that one call to the emulator (the only astroquery internal touched, as its docstring invites).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from astropy.table import Table

from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer

MISSING = ("*_trl.fits", "*_dvt.fits")


@pytest.fixture(scope="module")
def cloud_astroquery(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer, astroquery_url: str
) -> Iterator[ModuleType]:
    """Stock astroquery with its cloud dataset at the emulator's bucket (some objects missing)."""
    from astroquery.mast import utils

    original = utils._simple_request

    def local(url: str, params: Any = None) -> Any:
        return original(url.replace("https://mast.stsci.edu", astroquery_url), params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(utils, "_simple_request", local)
        patch.setenv("AWS_ENDPOINT_URL", astroquery_url)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        astroquery_emulator.reconfigure(cloud_missing=MISSING)
        astroquery_mast.Observations.enable_cloud_dataset(verbose=False)
        try:
            yield astroquery_mast
        finally:
            astroquery_mast.Observations.disable_cloud_dataset()
            astroquery_emulator.reconfigure(cloud_missing=())


@pytest.fixture(scope="module")
def mc_observations(configured: str) -> Iterator[ObservationsClass]:
    client = ObservationsClass()
    client.enable_cloud_dataset(verbose=False)
    yield client
    for services in client._built:
        services.close()


def _products(obs: Any, collection: str) -> Table:
    table: Table = obs.get_product_list(obs.query_criteria(obs_collection=collection)[:2])
    return table


def _warned(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [f"{type(w.message).__name__}: {w.message}" for w in caught]


@pytest.mark.parametrize("collection", ["HST", "TESS"])
def test_cloud_uris_match_astroquery(
    cloud_astroquery: ModuleType, mc_observations: ObservationsClass, collection: str
) -> None:
    aq = cloud_astroquery.Observations
    aq_products = _products(aq, collection)
    mc_products = _products(mc_observations, collection)
    for options in ({}, {"return_uri_map": True}, {"include_bucket": False, "full_url": True}):
        expected = _warned(partial(aq.get_cloud_uris, aq_products, **options))
        got = _warned(partial(mc_observations.get_cloud_uris, mc_products, **options))
        assert got == expected, options
    uri = str(mc_products["dataURI"][0])
    assert _warned(lambda: mc_observations.get_cloud_uri(uri)) == _warned(
        lambda: aq.get_cloud_uri(uri)
    )


@pytest.mark.parametrize("cloud_only", [False, True])
def test_cloud_downloads_match_astroquery(
    cloud_astroquery: ModuleType,
    mc_observations: ObservationsClass,
    astroquery_emulator: EmulatorServer,
    tmp_path: Path,
    cloud_only: bool,
) -> None:
    aq = cloud_astroquery.Observations
    aq_products, mc_products = _products(aq, "HST"), _products(mc_observations, "HST")
    astroquery_emulator.requests.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = aq.download_products(
            aq_products, download_dir=str(tmp_path / "aq"), cloud_only=cloud_only, verbose=False
        )
    assert astroquery_emulator.requests.matching("/stpubdata/", "GET")  # astroquery used S3
    got = mc_observations.download_products(
        mc_products, download_dir=str(tmp_path / "mc"), cloud_only=cloud_only, verbose=False
    )
    assert got is not None and expected is not None
    assert got.colnames == expected.colnames
    rows = [[str(value) for value in row] for row in expected]
    ours = [[str(value).replace("/mc/", "/aq/") for value in row] for row in got]
    assert ours == rows
    assert ("SKIPPED" in set(got["Status"])) is cloud_only
    for mine, theirs in zip(got, expected, strict=True):
        if mine["Status"] == "COMPLETE":
            assert Path(mine["Local Path"]).read_bytes() == Path(theirs["Local Path"]).read_bytes()
        else:
            assert not Path(mine["Local Path"]).exists() and not Path(theirs["Local Path"]).exists()
