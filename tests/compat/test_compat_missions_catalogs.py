"""Same calls, same emulator: stock astroquery 0.4.11's MastMissions and Catalogs against
mastcache's. Results must be equal Tables (``assert_tables_equal``), with the same errors and
warnings; then every call replays through mastcache alone, offline, with the server
unreachable and sockets disabled, and must still be equal.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import MaskedColumn, Table
from tablecompare import assert_tables_equal

from mastcache import runtime
from mastcache.client import CatalogsClass, MastMissionsClass
from mastcache.emulator import EmulatorServer, start

M101 = SkyCoord(210.802429, 54.34875, unit="deg")
REGION = SkyCoord(23.34086, 60.658, unit="deg")
WATCHED_WARNINGS = ("NoResultsWarning", "InputWarning", "MaxResultsWarning")
#: Calls MAST itself refuses: errors are never stored, so offline they are cache misses.
SERVER_ERRORS = ("unknown-catalog",)

Call = Callable[[Any, Any], Any]  # (MastMissions, Catalogs) -> result


def _jwst(m: Any, **criteria: Any) -> Any:
    return type(m)(mission="jwst").query_criteria(**criteria)


def _hst_products(m: Any, **filters: Any) -> Any:
    """Products of three datasets, stably sorted by dataset: astroquery asks for
    ``list(set(ids))``, so its row order changes from run to run (mastcache sorts the ids)."""
    products = m.get_product_list(m.query_object("M101", radius=3)[:3])
    products = products[np.argsort(np.asarray(products["dataset"]), kind="stable")]
    return m.filter_products(products, **filters) if filters else products


CALLS: dict[str, Call] = {
    # -- MastMissions (Search API) ---------------------------------------------------------
    "mission-region-recorded": lambda m, c: m.query_region(
        "40.66963 -0.01328", radius=3, sci_pep_id=[12556, 8794], select_cols=["sci_pep_id"],
        sort_by="sci_pep_id", sort_desc=True,
    ),
    "mission-region": lambda m, c: m.query_region(M101, radius=5),
    "mission-region-degrees": lambda m, c: m.query_region(M101, radius=0.1 * u.deg, limit=50),
    "mission-object": lambda m, c: m.query_object("M101", radius=4, sci_instrume="ACS,WFC3"),
    "mission-criteria-list": lambda m, c: m.query_criteria(
        sci_instrume=["STIS", "COS"], sort_by=["sci_start_time"], limit=200
    ),
    "mission-criteria-range": lambda m, c: m.query_criteria(
        sci_actual_duration="1000..2000", select_cols=["sci_actual_duration"], limit=300
    ),
    "mission-criteria-position": lambda m, c: m.query_criteria(
        objectname="M101", radius=10, sci_instrume="ACS"
    ),
    "mission-max-results": lambda m, c: m.query_criteria(sci_instrume="ACS", limit=2),
    "mission-empty": lambda m, c: m.query_criteria(sci_targname="NO_SUCH_TARGET_ANYWHERE"),
    "mission-bad-criterion": lambda m, c: m.query_criteria(sci_pepid=12556),
    "mission-columns": lambda m, c: m.get_column_list(),
    "mission-products-recorded": lambda m, c: m.get_product_list("Z14Z0104T"),
    "mission-products-rows": lambda m, c: _hst_products(m),
    "mission-products-filtered": lambda m, c: _hst_products(m, extension="fits"),
    "mission-jwst-range": lambda m, c: _jwst(
        m, instrume="NIRCAM", effexptm="100..2000", sort_by="effexptm", limit=100
    ),
    # -- Catalogs ---------------------------------------------------------------------------
    "hsc-recorded": lambda m, c: c.query_region(REGION, radius=0.002),
    "hsc-v2-object": lambda m, c: c.query_object("M101", radius=0.02, version=2),
    "galex": lambda m, c: c.query_region(M101, radius=0.05, catalog="Galex"),
    "gaia": lambda m, c: c.query_region(M101, radius=0.05, catalog="Gaia"),
    "gaia-dr1": lambda m, c: c.query_region(M101, radius=0.05, catalog="Gaia", version=1),
    "tic-object": lambda m, c: c.query_object("TIC 307210830", radius=0.05, catalog="Tic"),
    "tic-criteria-recorded": lambda m, c: c.query_criteria(
        catalog="Tic", Bmag=[30, 50], objType="STAR"
    ),
    "tic-criteria-range-position": lambda m, c: c.query_criteria(
        catalog="Tic", coordinates=M101, radius=0.2, Tmag=[8, 14]
    ),
    "ctl-criteria": lambda m, c: c.query_criteria(
        catalog="Ctl", objectname="M101", radius=0.3, Tmag=[5, 13]
    ),
    "diskdetective-criteria": lambda m, c: c.query_criteria(
        catalog="DiskDetective", objectname="M10", radius=2, state="complete"
    ),
    "panstarrs-recorded": lambda m, c: c.query_region(
        REGION, radius=0.002, catalog="PANSTARRS", columns=["objName", "objID"],
        sort_by=[("desc", "distance")], nDetections=[("gte", 2)],
    ),
    "panstarrs-criteria-range": lambda m, c: c.query_criteria(
        coordinates=M101, radius=0.05, catalog="Panstarrs",
        nDetections=[("gte", 3), ("lte", 40)],
        columns=["objID", "raMean", "decMean", "nDetections"],
    ),
    "panstarrs-bad-criterion": lambda m, c: c.query_region(
        M101, radius=0.01, catalog="Panstarrs", nDetection=2
    ),
    "unknown-catalog": lambda m, c: c.query_region(M101, radius=0.01, catalog="NoSuchCatalog"),
    "unknown-criteria-catalog": lambda m, c: c.query_criteria(catalog="Gaia", ra=[1, 2]),
    "catalog-empty": lambda m, c: c.query_region(
        SkyCoord(1.0, -89.5, unit="deg"), radius=0.0001, catalog="Tic"
    ),
    "hsc-matchid": lambda m, c: c.query_hsc_matchid(82371983),
    "hsc-spectra": lambda m, c: c.get_hsc_spectra(),
}  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What one call gave: a value or an error, and the warnings users see."""

    value: Any
    error: tuple[str, str] | None
    warned: tuple[tuple[str, str], ...]


def run(call: Call, missions: Any, catalogs: Any) -> Outcome:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = call(missions, catalogs), None
        except Exception as exc:
            value, error = None, (type(exc).__name__, str(exc))
    warned = {(w.category.__name__, str(w.message)) for w in caught}
    return Outcome(value, error, tuple(sorted(w for w in warned if w[0] in WATCHED_WARNINGS)))


def run_all(missions: Any, catalogs: Any) -> dict[str, Outcome]:
    return {name: run(call, missions, catalogs) for name, call in CALLS.items()}


def assert_same_outcome(ours: Outcome, theirs: Outcome) -> None:
    assert ours.error == theirs.error
    assert ours.warned == theirs.warned
    if theirs.error is None:
        assert isinstance(theirs.value, Table)
        assert_tables_equal(ours.value, theirs.value)


@pytest.fixture(scope="module")
def astroquery_outcomes(astroquery_mast: ModuleType, astroquery_url: str) -> dict[str, Outcome]:
    """Stock astroquery; its Pan-STARRS metadata host is read at call time (section 0)."""
    with astroquery_mast.conf.set_temp("catalogs_server", astroquery_url):
        return run_all(astroquery_mast.MastMissions, astroquery_mast.Catalogs)


@pytest.fixture(scope="module")
def online_outcomes(configured: str, astroquery_outcomes: dict[str, Outcome]) -> dict[str, Outcome]:
    return run_all(MastMissionsClass(), CatalogsClass())


@pytest.fixture(scope="module")
def offline_outcomes(
    online_outcomes: dict[str, Outcome], no_network: Callable[[], Any]
) -> dict[str, Outcome]:
    """The same calls again: offline, the server unreachable, every socket disabled."""
    with no_network():
        return run_all(MastMissionsClass(), CatalogsClass())


def test_enough_distinct_calls() -> None:
    assert len(CALLS) >= 20


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
    if name in SERVER_ERRORS:
        assert ours.error is not None and ours.error[0] == "CacheMissError"
        return
    assert_same_outcome(ours, astroquery_outcomes[name])
    if isinstance(ours.value, Table):
        assert ours.value.meta["mastcache"]["source"] == "cache"


def test_the_suite_covers_the_promised_cases(astroquery_outcomes: dict[str, Outcome]) -> None:
    outcomes = astroquery_outcomes
    assert outcomes["mission-bad-criterion"].error == (
        "InvalidQueryError",
        "Filter 'sci_pepid' does not exist. Did you mean 'sci_pep_id'?",
    )
    assert outcomes["unknown-catalog"].error is not None
    assert outcomes["unknown-criteria-catalog"].error == (
        "InvalidQueryError",
        "Criteria query not available for Gaia",
    )
    no_rows = ("NoResultsWarning", "Query returned no results.")
    for name in ("mission-empty", "catalog-empty"):
        assert len(outcomes[name].value) == 0 and no_rows in outcomes[name].warned
    assert outcomes["mission-max-results"].warned[0][0] == "MaxResultsWarning"
    ranged = outcomes["mission-criteria-range"].value["sci_actual_duration"]
    assert len(ranged) > 0 and all(1000 <= d <= 2000 for d in ranged)
    jwst = outcomes["mission-jwst-range"].value
    assert len(jwst) > 0 and all(100 <= t <= 2000 for t in jwst["effexptm"])
    ranged_names = ("tic-criteria-range-position", "ctl-criteria", "panstarrs-criteria-range")
    for name in ranged_names:
        assert len(outcomes[name].value) > 0, name
    assert all(3 <= n <= 40 for n in outcomes["panstarrs-criteria-range"].value["nDetections"])


# -- a paginated Pan-STARRS result: page 2 (50,000 rows) of a 100,000-row cone -----------


@pytest.fixture
def big_emulator() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0, rows=100_000) as server:
        yield server


@pytest.mark.slow
def test_50000_row_panstarrs_page_matches_and_replays_offline(
    big_emulator: EmulatorServer, tmp_path: Path
) -> None:
    query = {"radius": 0.2, "catalog": "Panstarrs", "pagesize": 50_000, "page": 2}
    theirs = _astroquery_in_subprocess(big_emulator.url, tmp_path, M101, query)
    before = runtime.current_settings()
    runtime.configure(mast_url=big_emulator.url, cache_dir=tmp_path / "cache", mode="cache-first")
    try:
        first = CatalogsClass().query_region(M101, **{**query, "page": 1})
        ours = CatalogsClass().query_region(M101, **query)
        big_emulator.stop()
        replay = CatalogsClass().query_region(M101, mode="offline", **query)
    finally:
        runtime.configure(cache_dir=before.cache_dir, mast_url=before.mast_url, mode=before.mode)
    assert len(theirs) == 50_000
    assert_tables_equal(ours, theirs)
    assert_tables_equal(replay, theirs)
    assert replay.meta["mastcache"]["source"] == "cache"
    assert len(first) == 50_000  # page 1 is stored apart from page 2
    assert first.meta["mastcache"]["key"] != replay.meta["mastcache"]["key"]
    assert list(first["objName"][:100]) != list(replay["objName"][:100])


def _astroquery_in_subprocess(
    url: str, tmp_path: Path, coord: SkyCoord, query: dict[str, Any]
) -> Table:
    """Stock astroquery in its own process (its URLs are fixed at import)."""
    out = tmp_path / "astroquery.pickle"
    script = _WORKER.format(
        url=url, out=str(out), ra=float(coord.ra.deg), dec=float(coord.dec.deg), q=query
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=600)
    with out.open("rb") as handle:
        result = pickle.load(handle)
    table: Table = result["table"]
    if result["masked"] and not table.masked:  # pickling drops a masked Table's flag
        table = Table(table, masked=True, copy=False)
    for name, fill in result["fills"].items():
        if str(table[name].fill_value) != fill:  # pickling truncates some default fills
            column = table[name]
            table[name] = MaskedColumn(column.data.data, mask=column.mask, dtype=column.dtype)
    return table


_WORKER = """
import pickle
import astropy.config.configuration as configuration
import astroquery
from astropy.coordinates import SkyCoord
configuration.get_config("astroquery.mast", rootname="astropy")["server"] = {url!r}
astroquery.cache_conf.cache_active = False
from astroquery.mast import Catalogs, conf
conf.catalogs_server = {url!r}
table = Catalogs.query_region(SkyCoord({ra!r}, {dec!r}, unit="deg"), **{q!r})
fills = {{n: str(c.fill_value) for n, c in table.columns.items() if hasattr(c, "fill_value")}}
with open({out!r}, "wb") as handle:
    pickle.dump({{"table": table, "fills": fills, "masked": table.masked}}, handle)
"""


#: The only calls whose answer is meant to be empty; every other table result must have rows
#: (an empty one compares only names and dtypes, and proves little).
MEANT_EMPTY = ("mission-empty", "catalog-empty")


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
