"""meta["mastcache"] stays readable, and joining/stacking mastcache tables is as quiet as
astroquery's: real results from the emulator, real Parquet/ECSV files in tmp_path."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.table import Table, hstack, join, vstack

from mastcache import runtime
from mastcache.emulator import EmulatorServer
from mastcache.provenance import TableProvenance, merge_provenance, table_provenance
from mastcache.store.parquet import read_table, write_table_atomic

ONE = {"key": "a" * 64, "source": "network", "fetched_at": "2026-03-02T00:00:00+00:00",
       "expires_at": "2026-03-03T00:00:00+00:00"}  # fmt: skip
TWO = {"key": "b" * 64, "source": "cache", "fetched_at": "2026-03-01T00:00:00+00:00",
       "expires_at": None}  # fmt: skip


@pytest.fixture
def live(cache_dir: Path, emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
    yield emulator
    runtime.reset()


def test_join_of_observations_and_products_warns_nothing(live: EmulatorServer) -> None:
    from mastcache import Observations

    obs = Observations.query_criteria(obs_collection="HST", s_dec=[43.5, 45.5])[:3]
    products = Observations.get_product_list(obs)
    again = Observations.query_criteria(obs_collection="HST", s_dec=[43.5, 45.5])[:3]
    assert again.meta["mastcache"]["source"] == "cache"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        names = {"uniq_col_name": "{col_name}{table_name}", "table_names": ["", "_products"]}
        joined = join(obs, products, keys="obs_id", join_type="right", **names)
        stacked = vstack([obs, again])
        side = hstack([obs, again])
    assert len(joined) == len(products)
    keys = {part["key"] for part in joined.meta["mastcache"]["merged"]}
    assert keys == {obs.meta["mastcache"]["key"], products.meta["mastcache"]["key"]}
    for combined in (stacked, side):
        assert combined.meta["mastcache"]["key"] == obs.meta["mastcache"]["key"]
        assert {p["source"] for p in combined.meta["mastcache"]["merged"]} == {"network", "cache"}


def test_provenance_reads_as_the_dict_it_replaces() -> None:
    provenance = table_provenance(ONE)
    assert provenance == ONE
    assert dict(provenance) == ONE
    assert provenance["source"] == "network" and provenance.get("missing") is None
    copied = Table({"a": [1]}, meta={"mastcache": provenance}).copy()
    copied.meta["mastcache"]["source"] = "edited"
    assert provenance["source"] == "network"


def test_merge_keeps_every_input_oldest_fetch_earliest_expiry() -> None:
    merged = merge_provenance(table_provenance(ONE), TWO)
    assert merged["merged"] == [ONE, TWO]
    assert merged["key"] is None and merged["source"] == "mixed"
    assert merged["fetched_at"] == TWO["fetched_at"]
    assert merged["expires_at"] == ONE["expires_at"]
    assert merge_provenance(merged, table_provenance(ONE)) == merged  # no duplicates
    assert merge_provenance(table_provenance(ONE), ONE) == ONE


def test_tables_with_provenance_round_trip_through_parquet_and_ecsv(tmp_path: Path) -> None:
    table = Table({"a": [1, 2]}, meta={"mastcache": table_provenance(ONE), "other": 1})
    write_table_atomic(table, tmp_path / "t.parquet")
    back = read_table(tmp_path / "t.parquet")
    assert back.meta["mastcache"] == ONE and back.meta["other"] == 1
    table.write(tmp_path / "t.ecsv")
    assert Table.read(tmp_path / "t.ecsv").meta["mastcache"] == ONE
    assert json.loads(json.dumps(dict(table.meta["mastcache"]))) == ONE
    assert isinstance(vstack([table, table]).meta["mastcache"], TableProvenance)
