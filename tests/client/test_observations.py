"""ObservationsClass against the emulator over real HTTP, with a real cache in tmp_path."""

from __future__ import annotations

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import (
    CacheMissError,
    ConfigurationError,
    InvalidQueryError,
    NoResultsWarning,
    ResolverError,
)

M101 = SkyCoord(210.802429, 54.34875, unit="deg")


@pytest.fixture
def obs(live: EmulatorServer) -> ObservationsClass:
    return ObservationsClass()


def _source(table: Table) -> str:
    return str(table.meta["mastcache"]["source"])


def test_repeat_query_is_served_from_cache_without_network(
    obs: ObservationsClass, live: EmulatorServer
) -> None:
    first = obs.query_region(M101, radius=0.1)
    assert len(first) > 0 and _source(first) == "network"
    assert "distance" in first.colnames
    before = len(live.requests)
    second = obs.query_region(M101, radius=0.1 * u.deg)
    assert _source(second) == "cache"
    assert len(live.requests) == before
    assert second.meta["mastcache"]["key"] == first.meta["mastcache"]["key"]
    assert list(second["obsid"]) == list(first["obsid"])


def test_query_object_resolves_then_works_offline(obs: ObservationsClass) -> None:
    online = obs.query_object("M101", radius="3 arcmin")
    offline = obs.query_object("M101", radius="3 arcmin", mode="offline")
    assert _source(offline) == "cache"
    assert list(offline["obs_id"]) == list(online["obs_id"])
    assert obs.query_object_count("M101", radius="3 arcmin", mode="cache-first") == len(online)


def test_criteria_with_lists_ranges_and_wildcards(obs: ObservationsClass) -> None:
    table = obs.query_criteria(
        obs_collection=["HST", "GALEX"], s_dec=[40, 60], target_name="M*", dataproduct_type="image"
    )
    assert len(table) > 0
    assert set(table["obs_collection"]) <= {"HST", "GALEX"}
    assert np.all((table["s_dec"] >= 40) & (table["s_dec"] <= 60))
    assert all(str(name).startswith("M") for name in table["target_name"])
    count = obs.query_criteria_count(
        obs_collection=["HST", "GALEX"], s_dec=[40, 60], target_name="M*", dataproduct_type="image"
    )
    assert isinstance(count, int) and count == len(table)


def test_criteria_with_a_position(obs: ObservationsClass) -> None:
    near = obs.query_criteria(objectname="M101", radius=0.2, obs_collection="HST")
    assert len(near) > 0 and set(near["obs_collection"]) == {"HST"}
    same = obs.query_criteria(coordinates=M101, obs_collection="HST")
    assert sorted(same["obsid"]) == sorted(near["obsid"])


def test_counts_are_ints(obs: ObservationsClass) -> None:
    region = obs.query_region_count(M101, radius=0.1)
    assert type(region) is int
    assert region == len(obs.query_region(M101, radius=0.1))
    assert type(obs.query_criteria_count(obs_collection="HST")) is int


def test_empty_result_warns_from_network_and_from_cache(obs: ObservationsClass) -> None:
    for expected in ("network", "cache"):
        with pytest.warns(NoResultsWarning, match="no results"):
            table = obs.query_criteria(obs_collection="NO_SUCH_MISSION")
        assert len(table) == 0 and _source(table) == expected


def test_bad_input_gets_clear_errors(obs: ObservationsClass) -> None:
    with pytest.raises(InvalidQueryError, match="Did you mean 'obs_collection'"):
        obs.query_criteria(obs_colection="HST")
    with pytest.raises(InvalidQueryError, match="non-positional"):
        obs.query_criteria(coordinates=M101)
    with pytest.raises(InvalidQueryError, match="Only one of objectname and coordinates"):
        obs.query_criteria(coordinates=M101, objectname="M101", obs_collection="HST")
    with pytest.raises(InvalidQueryError, match="non-negative"):
        obs.query_region(M101, radius=-1)
    with pytest.raises(InvalidQueryError, match="cannot use"):
        obs.query_region((210.8, 54.3))
    with pytest.raises(InvalidQueryError, match="not an object name"):
        obs.query_region("this is not a place")
    with pytest.raises(ResolverError, match="Could not resolve"):
        obs.query_object("No Such Object 12345")
    with pytest.raises(ResolverError, match="Invalid resolver"):
        obs.query_object("M101", resolver="VIZIER")
    with pytest.raises(ConfigurationError, match="unknown mode"):
        obs.query_region(M101, mode="sometimes")


def test_offline_miss_names_the_query(obs: ObservationsClass) -> None:
    with pytest.raises(CacheMissError, match=r"offline mode.*Mast\.Caom\.Cone"):
        obs.query_region(M101, radius=0.05, mode="offline")
    with runtime.using_mode("offline"), pytest.raises(CacheMissError, match="resolution"):
        obs.query_object("M31")


def test_refresh_mode_fetches_again(obs: ObservationsClass, live: EmulatorServer) -> None:
    obs.query_region(M101, radius=0.1)
    before = len(live.requests)
    refreshed = obs.query_region(M101, radius=0.1, mode="refresh")
    assert _source(refreshed) == "network" and len(live.requests) > before


def test_a_single_page_is_its_own_query(obs: ObservationsClass) -> None:
    whole = obs.query_region(M101, radius=0.2)
    page = obs.query_region(M101, radius=0.2, pagesize=5, page=2)
    assert list(page["obsid"]) == list(whole["obsid"][5:10])
    assert page.meta["mastcache"]["key"] != whole.meta["mastcache"]["key"]
    again = obs.query_region(M101, radius=0.2, pagesize=5, page=2, mode="offline")
    assert list(again["obsid"]) == list(page["obsid"])


def test_products_and_filters(obs: ObservationsClass) -> None:
    observations = obs.query_object("M101", radius=0.05)
    products = obs.get_product_list(observations[:3])
    assert len(products) > 0 and set(products["obsID"]) <= set(observations["obsid"][:3])
    by_id = obs.get_product_list(list(observations["obsid"][:3]), mode="offline")
    assert _source(by_id) == "cache"  # same obsid set, same key
    mrp = obs.filter_products(products, mrp_only=True, extension=["fits", "jpg"])
    assert set(mrp["productGroupDescription"]) <= {"Minimum Recommended Products"}
    science = obs.filter_products(products, productType=["SCIENCE", "!PREVIEW"])
    assert set(science["productType"]) <= {"SCIENCE"}
    unique = obs.get_unique_product_list(observations[:3])
    assert len(set(unique["dataURI"])) == len(unique)
    with pytest.raises(InvalidQueryError, match="Observation list is empty"):
        obs.get_product_list([""])


def test_metadata_and_missions_are_cached(obs: ObservationsClass) -> None:
    meta = obs.get_metadata("observations")
    assert "Column Name" in meta.colnames and "obs_collection" in list(meta["Column Name"])
    products = obs.get_metadata("Products")
    assert "productFilename" in list(products["Column Name"])
    offline = obs.get_metadata("products", mode="offline")
    assert list(offline["Column Name"]) == list(products["Column Name"])
    missions = obs.list_missions()
    assert "HST" in missions and missions == sorted(missions)
    assert obs.list_missions(mode="offline") == missions
    with pytest.raises(InvalidQueryError, match="Unknown query type"):
        obs.get_metadata("catalogs")


def test_configure_switches_cache_and_server(
    obs: ObservationsClass, live: EmulatorServer, tmp_path: object
) -> None:
    obs.query_region(M101, radius=0.1)
    runtime.configure(cache_dir=f"{tmp_path}/other-cache")
    with pytest.raises(CacheMissError):
        obs.query_region(M101, radius=0.1, mode="offline")


def test_cloud_flag() -> None:
    obs = ObservationsClass()
    obs.enable_cloud_dataset(provider="AWS")
    assert obs.cloud_dataset_enabled
    obs.disable_cloud_dataset()
    assert not obs.cloud_dataset_enabled
    # mast_token logs in at construction: tests/auth/test_client_login.py


def test_constructing_and_importing_do_no_io(tmp_path: object) -> None:
    runtime.configure(cache_dir=f"{tmp_path}/never-made", mast_url="http://127.0.0.1:9")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ObservationsClass()
        from mastcache import Observations

        assert isinstance(Observations, ObservationsClass)
        assert not (tmp_path / "never-made").exists()  # type: ignore[operator]
    finally:
        runtime.reset()
