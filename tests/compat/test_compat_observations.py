"""Same calls, same emulator: stock astroquery 0.4.11 and mastcache must return equal results.

Every call runs through ``astroquery.mast`` (the ``astroquery_mast`` fixture) and through
mastcache configured against that same emulator; results must match exactly (columns, order,
dtypes, units, masks, values), and so must the warnings and errors. The calls then run again
through mastcache alone, offline, with the server unreachable and sockets disabled, and must
still match.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import astropy.units as u
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table
from tablecompare import assert_same_result, assert_tables_equal

from mastcache import runtime
from mastcache.client import MastClass, ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError

M101 = SkyCoord(210.802429, 54.34875, unit="deg")
M31 = SkyCoord(10.684708, 41.26875, unit="deg")
WATCHED_WARNINGS = ("NoResultsWarning", "InputWarning")

Call = Callable[[Any, Any], Any]  # (Observations, Mast) -> result


def _products(obs: Any, **filters: Any) -> Any:
    products = obs.get_product_list(obs.query_object("M101", radius=0.03)[:4])
    return obs.filter_products(products, **filters) if filters else products


CALLS: dict[str, Call] = {
    "region-skycoord": lambda o, m: o.query_region(M101, radius=0.1),
    "region-degrees-string": lambda o, m: o.query_region("210.802429 54.34875", radius="4 arcmin"),
    "region-sexagesimal": lambda o, m: o.query_region("14h03m12.58s +54d20m55.5s", radius=0.05),
    "region-galactic": lambda o, m: o.query_region(M31.galactic, radius=0.1 * u.deg),
    "region-empty": lambda o, m: o.query_region(SkyCoord(1.0, -89.5, unit="deg"), radius=0.001),
    "object": lambda o, m: o.query_object("M101", radius=0.1),
    "object-ned": lambda o, m: o.query_object("M31", radius=0.05, resolver="NED"),
    "object-tic": lambda o, m: o.query_object("TIC 307210830", radius=0.2),
    "criteria-list": lambda o, m: o.query_criteria(obs_collection=["HST", "GALEX"]),
    "criteria-range": lambda o, m: o.query_criteria(s_dec=[40, 60], dataproduct_type="image"),
    "criteria-time-range": lambda o, m: o.query_criteria(
        t_min=[55000, 59000], obs_collection="TESS"
    ),
    "criteria-wildcard-star": lambda o, m: o.query_criteria(target_name="M*", obs_collection="HST"),
    "criteria-wildcard-percent": lambda o, m: o.query_criteria(obs_id="%p2%", obs_collection="IUE"),
    "criteria-objectname": lambda o, m: o.query_criteria(
        objectname="M101", radius=0.2, obs_collection="HST"
    ),
    "criteria-coordinates": lambda o, m: o.query_criteria(
        coordinates=M31, radius="6 arcmin", dataproduct_type=["image", "spectrum"]
    ),
    "criteria-empty": lambda o, m: o.query_criteria(obs_collection="NO_SUCH_MISSION"),
    "criteria-bad-name": lambda o, m: o.query_criteria(obs_colection="HST"),
    "criteria-no-filter": lambda o, m: o.query_criteria(coordinates=M101),
    "count-region": lambda o, m: o.query_region_count(M101, radius=0.1),
    "count-object": lambda o, m: o.query_object_count("M31", radius=0.1),
    "count-criteria": lambda o, m: o.query_criteria_count(obs_collection=["HST", "JWST"]),
    "count-criteria-position": lambda o, m: o.query_criteria_count(
        coordinates=M101, radius=0.3, obs_collection="HST"
    ),
    "products-rows": lambda o, m: _products(o),
    "products-obsids": lambda o, m: o.get_product_list(
        [str(x) for x in o.query_region(M31, radius=0.02)["obsid"][:3]]
    ),
    "filter-mrp": lambda o, m: _products(o, mrp_only=True),
    "filter-extension-and-lists": lambda o, m: _products(
        o, extension=["fits", "jpg"], productType=["SCIENCE", "!PREVIEW"]
    ),
    "filter-numeric": lambda o, m: _products(o, size=["<50000", ">=1000000"]),
    "metadata-observations": lambda o, m: o.get_metadata("observations"),
    "metadata-products": lambda o, m: o.get_metadata("products"),
    "missions": lambda o, m: o.list_missions(),
    "service-request": lambda o, m: m.service_request(
        "Mast.Caom.Cone", {"ra": 210.8, "dec": 54.35, "radius": 0.05}
    ),
    "mast-query-filtered": lambda o, m: m.mast_query(
        "Mast.Caom.Filtered", obs_collection=["IUE"], dataproduct_type=["spectrum"]
    ),
    "resolve-one": lambda o, m: m.resolve_object("M101"),
    "resolve-simbad": lambda o, m: m.resolve_object("M31", resolver="SIMBAD"),
    "resolve-all": lambda o, m: m.resolve_object("M31", resolve_all=True),
    "resolve-list": lambda o, m: m.resolve_object(["M101", "M31", "Barnard's Star"]),
    "resolve-list-all": lambda o, m: m.resolve_object(["M101", "TIC 307210830"], resolve_all=True),
    "resolve-unknown": lambda o, m: m.resolve_object("Nowhere Nebula 9"),
}


@dataclass(frozen=True)
class Outcome:
    """What one call gave: a value or an error, and the warnings users see."""

    value: Any
    error: tuple[str, str] | None
    warned: tuple[tuple[str, str], ...]


def run(call: Call, observations: Any, mast: Any) -> Outcome:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = call(observations, mast), None
        except Exception as exc:
            value, error = None, (type(exc).__name__, str(exc))
    warned = {(w.category.__name__, str(w.message)) for w in caught}
    return Outcome(value, error, tuple(sorted(w for w in warned if w[0] in WATCHED_WARNINGS)))


def assert_same_outcome(ours: Outcome, theirs: Outcome) -> None:
    assert ours.error == theirs.error
    assert ours.warned == theirs.warned
    if theirs.error is None:
        assert_same_result(ours.value, theirs.value)


@pytest.fixture(scope="module")
def astroquery_outcomes(astroquery_mast: ModuleType) -> dict[str, Outcome]:
    aq = astroquery_mast
    return {name: run(call, aq.Observations, aq.Mast) for name, call in CALLS.items()}


@pytest.fixture(scope="module")
def online_outcomes(configured: str, astroquery_outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    obs, mast = ObservationsClass(), MastClass()
    return {name: run(call, obs, mast) for name, call in CALLS.items()}


@pytest.fixture(scope="module")
def offline_outcomes(
    online_outcomes: dict[str, Outcome], no_network: Callable[[], Any]
) -> dict[str, Outcome]:
    """The same calls again: offline, the server unreachable, every socket disabled."""
    with no_network():
        obs, mast = ObservationsClass(), MastClass()
        return {name: run(call, obs, mast) for name, call in CALLS.items()}


def test_enough_distinct_calls() -> None:
    assert len(CALLS) >= 25


@pytest.mark.parametrize("name", list(CALLS))
def test_online_matches_astroquery(
    name: str, online_outcomes: dict[str, Outcome], astroquery_outcomes: dict[str, Outcome]
) -> None:
    assert_same_outcome(online_outcomes[name], astroquery_outcomes[name])


@pytest.mark.parametrize("name", list(CALLS))
def test_offline_replay_matches_astroquery(
    name: str, offline_outcomes: dict[str, Outcome], astroquery_outcomes: dict[str, Outcome]
) -> None:
    ours = offline_outcomes[name]
    assert_same_outcome(ours, astroquery_outcomes[name])
    if isinstance(ours.value, Table) and "mastcache" in ours.value.meta:
        assert ours.value.meta["mastcache"]["source"] == "cache"


def test_the_suite_covers_the_promised_cases(astroquery_outcomes: dict[str, Outcome]) -> None:
    assert astroquery_outcomes["criteria-bad-name"].error is not None
    assert astroquery_outcomes["resolve-unknown"].error == (
        "ResolverError",
        'Could not resolve "Nowhere Nebula 9" to a sky position.',
    )
    empty = astroquery_outcomes["criteria-empty"]
    assert len(empty.value) == 0
    assert empty.warned == (("NoResultsWarning", "Query returned no results."),)
    assert all(len(astroquery_outcomes[n].value) > 0 for n in ("criteria-list", "filter-mrp"))


def test_uncached_call_offline_is_a_clear_cache_miss(
    offline_outcomes: dict[str, Outcome], dead_url: str
) -> None:
    runtime.configure(mode="offline", mast_url=dead_url)
    try:
        with pytest.raises(CacheMissError) as caught:
            ObservationsClass().query_region(SkyCoord(45.0, 45.0, unit="deg"), radius=0.3)
    finally:
        runtime.configure(mode="cache-first")
    message = str(caught.value)
    assert "offline mode" in message and "Mast.Caom.Cone" in message
    assert "not in the cache" in message and "Re-run without offline mode" in message


@pytest.mark.slow
def test_50000_row_paginated_cone_matches_and_replays_offline(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    emulator.reconfigure(rows=50_000)
    radius, pagesize = 0.2, 10_000
    theirs = _astroquery_in_subprocess(emulator.url, tmp_path, M101, radius, pagesize)
    before = runtime.current_settings()
    runtime.configure(mast_url=emulator.url, cache_dir=tmp_path / "cache", mode="cache-first")
    try:
        ours = ObservationsClass().query_region(M101, radius=radius, pagesize=pagesize)
        emulator.stop()
        replay = ObservationsClass().query_region(M101, radius=radius, mode="offline")
    finally:
        runtime.configure(cache_dir=before.cache_dir, mast_url=before.mast_url, mode=before.mode)
    assert len(theirs) == 50_000
    assert_tables_equal(ours, theirs)
    assert_tables_equal(replay, theirs)
    assert replay.meta["mastcache"]["source"] == "cache"


def _astroquery_in_subprocess(
    url: str, tmp_path: Path, coord: SkyCoord, radius: float, pagesize: int
) -> Table:
    out = tmp_path / "astroquery.pickle"
    worker = Path(__file__).with_name("astroquery_worker.py")
    args = [str(coord.ra.deg), str(coord.dec.deg), str(radius), str(pagesize)]
    subprocess.run([sys.executable, str(worker), url, str(out), *args], check=True, timeout=600)
    with out.open("rb") as handle:
        result = pickle.load(handle)
    table: Table = result["table"]
    for name, fill in result["fills"].items():
        if str(table[name].fill_value) != fill:  # rebuild: the default fill comes back whole
            column = table[name]
            table[name] = MaskedColumn(column.data.data, mask=column.mask, dtype=column.dtype)
            assert str(table[name].fill_value) == fill, name
    return table


#: The only calls whose answer is meant to be empty; every other table result must have rows
#: (an empty one compares only names and dtypes, and proves little).
MEANT_EMPTY = ("region-empty", "criteria-empty")


def test_every_table_not_meant_to_be_empty_has_rows(
    astroquery_outcomes: dict[str, Outcome],
) -> None:
    sizes = {
        name: len(outcome.value)
        for name, outcome in astroquery_outcomes.items()
        if outcome.error is None and isinstance(outcome.value, Table)
    }
    empty = sorted(name for name, size in sizes.items() if size == 0)
    assert empty == sorted(MEANT_EMPTY), sizes
