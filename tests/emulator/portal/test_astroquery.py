"""Stock astroquery 0.4.11 against the emulator over real HTTP: observations, counts,
products, service requests, metadata and missions come back as typed, non-empty Tables.
(astroquery.mast is never imported here at module level: the fixture configures it first.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.columns import OBSERVATION_COLUMNS, PRODUCT_COLUMNS
from mastcache.emulator.sky.products import MRP

M101 = "210.80227 54.34895"
INVOKE = "/api/v0/invoke"


@contextmanager
def knobs(server: EmulatorServer, **changes: Any) -> Iterator[None]:
    """Change the shared emulator's knobs for one test, then put them back."""
    before = {name: getattr(server.config, name) for name in changes}
    server.reconfigure(**changes)
    try:
        yield
    finally:
        server.reconfigure(**before)


def assert_observation_types(table: Any) -> None:
    assert set(OBSERVATION_COLUMNS) <= set(table.colnames)
    assert table["s_ra"].dtype == np.float64 and table["t_min"].dtype == np.float64
    assert table["calib_level"].dtype == np.int64
    assert table["obsid"].dtype.kind == "U" and table["obs_collection"].dtype.kind == "U"
    assert table["mtFlag"].dtype == bool


def test_query_region(astroquery_mast: ModuleType) -> None:
    table = astroquery_mast.Observations.query_region(M101, radius="0.2 deg")
    assert len(table) > 5
    assert_observation_types(table)
    assert table.colnames[-1] == "distance" and (table["distance"] <= 720).all()


def test_query_object_resolves_then_cones(astroquery_mast: ModuleType) -> None:
    table = astroquery_mast.Observations.query_object("M101", radius="0.1 deg")
    assert len(table) > 5
    assert {"M 101", "M-101"} & set(table["target_name"])


def test_query_criteria_ranges_lists_and_wildcards(astroquery_mast: ModuleType) -> None:
    obs = astroquery_mast.Observations
    table = obs.query_criteria(
        obs_collection=["HST", "JWST"], t_exptime=[100, 2000], dataproduct_type="image"
    )
    assert len(table) > 10
    assert set(table["obs_collection"]) <= {"HST", "JWST"}
    assert ((table["t_exptime"] >= 100) & (table["t_exptime"] <= 2000)).all()
    pis = obs.query_criteria(proposal_pi="Ri*", obs_collection="HST")
    assert len(pis) and all(pi.startswith("Ri") for pi in pis["proposal_pi"])
    uv = obs.query_criteria(filters=["NUV", "FUV"], objectname="M101")
    assert len(uv) and set(uv["filters"]) <= {"NUV", "FUV"}
    assert_observation_types(table)


def test_counts_agree_with_the_queries(astroquery_mast: ModuleType) -> None:
    obs = astroquery_mast.Observations
    criteria = {"obs_collection": "TESS", "t_min": [58800, 59500]}
    assert obs.query_criteria_count(**criteria) == len(obs.query_criteria(**criteria))
    region = obs.query_region(M101, radius="0.3 deg")
    assert obs.query_region_count(M101, radius="0.3 deg") == len(region)


def test_products_and_filter_products(astroquery_mast: ModuleType) -> None:
    obs = astroquery_mast.Observations
    table = obs.query_region(M101, radius="0.2 deg")
    products = obs.get_product_list(table[:4])
    assert len(products) >= 4
    assert set(PRODUCT_COLUMNS) - {"_selected_"} <= set(products.colnames)
    assert products["size"].dtype == np.int64
    assert set(products["parent_obsid"]) <= set(table["obsid"][:4])
    mrp = obs.filter_products(products, mrp_only=True)
    assert len(mrp) and set(mrp["productGroupDescription"]) == {MRP}
    science = obs.filter_products(products, productType="SCIENCE", extension="fits")
    assert len(science) and all(name.endswith(".fits") for name in science["productFilename"])


def test_service_request_pages_through_all_results(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    params = {"ra": 210.80227, "dec": 54.34895, "radius": 0.3}
    mast = astroquery_mast.Mast
    whole = mast.service_request("Mast.Caom.Cone", params)
    before = len(astroquery_emulator.requests.matching(INVOKE))
    paged = mast.service_request("Mast.Caom.Cone", params, pagesize=4)
    calls = len(astroquery_emulator.requests.matching(INVOKE)) - before
    assert list(paged["obsid"]) == list(whole["obsid"])
    assert calls == -(-len(whole) // 4) > 1


def test_executing_polls_then_complete(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    with knobs(astroquery_emulator, executing_polls=3):
        before = len(astroquery_emulator.requests.matching(INVOKE))
        table = astroquery_mast.Observations.query_region("10.6847 41.2687", radius="0.1 deg")
        calls = len(astroquery_emulator.requests.matching(INVOKE)) - before
    assert len(table) > 0 and calls == 4


def test_scale_knob_through_astroquery(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    with knobs(astroquery_emulator, rows=1500):
        table = astroquery_mast.Mast.service_request(
            "Mast.Caom.Cone", {"ra": 150.0, "dec": 2.0, "radius": 0.2}, pagesize=1000
        )
    assert len(table) == 1500 and len(set(table["obsid"])) == 1500
    assert (table["distance"] <= 720).all()


def test_get_metadata(astroquery_mast: ModuleType) -> None:
    obs = astroquery_mast.Observations
    observations = obs.get_metadata("observations")
    assert {"obs_collection", "provenance_name", "s_ra"} <= set(observations["Column Name"])
    products = obs.get_metadata("products")
    assert {"dataURI", "productFilename", "size"} <= set(products["Column Name"])


def test_list_missions(astroquery_mast: ModuleType) -> None:
    # Mast.Caom.All {} is exactly the recorded request, so the sample answers it (its
    # recording predates TESS); test_portal.py checks the sky-computed answer.
    missions = astroquery_mast.Observations.list_missions()
    assert {"HST", "GALEX", "SWIFT", "IUE"} <= set(missions)


def test_remote_errors_surface_as_astroquery_errors(astroquery_mast: ModuleType) -> None:
    from astroquery.exceptions import RemoteServiceError

    with pytest.raises(RemoteServiceError, match="Unknown service"):
        astroquery_mast.Mast.service_request("Mast.Caom.NoSuchThing", {})
