"""SQL over cached catalog and mission results: a cached TIC query joined with cached TESS
observations, per-table views deduplicated on the catalog's id column, and ``mission_hst``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import mastcache
from mastcache import runtime
from mastcache.client import CatalogsClass, MastMissionsClass, ObservationsClass
from mastcache.emulator import EmulatorServer

TARGET = "TIC 307210830"


@pytest.fixture
def cached(cache_dir: Path, emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """A TIC cone, an overlapping wider TIC cone and the TESS observations of the same star,
    fetched from the emulator into a fresh cache; the emulator is stopped afterwards."""
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
    catalogs = CatalogsClass()
    catalogs.query_object(TARGET, radius=0.05, catalog="Tic")
    catalogs.query_object(TARGET, radius=0.1, catalog="Tic")
    ObservationsClass().query_criteria(objectname=TARGET, radius=0.05, obs_collection="TESS")
    emulator.stop()
    yield emulator
    runtime.reset()


def test_tic_rows_join_tess_observations(cached: EmulatorServer) -> None:
    joined = mastcache.sql(
        "SELECT t.ID, t.Tmag, o.obs_id, o.target_name "
        "FROM catalog_tic t JOIN observations o ON o.target_name = CAST(t.ID AS VARCHAR) "
        "WHERE o.obs_collection = 'TESS' ORDER BY o.obs_id"
    )
    assert len(joined) > 0
    assert {str(name) for name in joined["target_name"]} == {"307210830"}
    assert all(str(row["ID"]) == str(row["target_name"]) for row in joined)


def test_catalog_view_is_deduplicated_on_the_tic_id(cached: EmulatorServer) -> None:
    counts = mastcache.sql(
        "SELECT count(*) AS n, count(DISTINCT ID) AS ids, max(len(source_queries)) AS most "
        "FROM catalog_tic"
    )
    assert counts["n"][0] == counts["ids"][0] > 1
    assert counts["most"][0] == 2  # rows of the inner cone came from both cached queries


def test_mission_and_panstarrs_views(cache_dir: Path, emulator: EmulatorServer) -> None:
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
    try:
        hst = MastMissionsClass().query_criteria(sci_instrume="ACS", limit=20)
        ps = CatalogsClass().query_object("M101", radius=0.02, catalog="Panstarrs")
        views = mastcache.sql(
            "SELECT (SELECT count(*) FROM mission_hst) AS hst, "
            "(SELECT count(*) FROM catalog_panstarrs_dr2_mean) AS ps"
        )
    finally:
        runtime.reset()
    assert (views["hst"][0], views["ps"][0]) == (len(hst), len(ps))
