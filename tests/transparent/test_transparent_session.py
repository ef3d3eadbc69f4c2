"""Stock astroquery.mast through ``mastcache.transparent.install()`` against the emulator:
online equal to astroquery alone, then offline (in process and in a fresh process that
installs before importing astroquery and cannot open a socket) equal again, with results in
mastcache's store, SQL views and keys."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from transparent.stock_session import (
    M101,
    assert_same_results,
    assert_tables_equal,
    run_session,
)

import mastcache
from mastcache import runtime
from mastcache.emulator import EmulatorServer
from mastcache.settings import Settings
from mastcache.transparent import install, installed, is_installed, uninstall

WORKER = Path(__file__).with_name("stock_session.py")


@dataclass(frozen=True)
class Populated:
    """A cache filled by one installed, online run of the session."""

    settings: Settings
    baseline: dict[str, Any]
    online: dict[str, Any]


@pytest.fixture(scope="module")
def populated(
    astroquery_mast: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Populated]:
    """Run the session with astroquery alone, then once more through mastcache online."""
    root = tmp_path_factory.mktemp("transparent")
    settings = Settings.from_env({}, cache_dir=root / "cache")
    baseline = run_session(astroquery_mast, root / "plain")
    with runtime.using_settings(settings), installed():
        online = run_session(astroquery_mast, root / "online")
    yield Populated(settings, baseline, online)


@pytest.fixture
def in_cache(populated: Populated) -> Iterator[Settings]:
    """The populated cache's settings for this test."""
    with runtime.using_settings(populated.settings) as settings:
        yield settings


def test_installed_online_results_equal_astroquery_alone(populated: Populated) -> None:
    assert_same_results(populated.online, populated.baseline)
    assert len(populated.online["paged"]) > 8  # several Portal pages re-cut from one result
    assert all(status == "COMPLETE" for status, _, _ in populated.online["downloads"])


def test_offline_in_process_is_equal_and_never_touches_the_network(
    populated: Populated,
    in_cache: Settings,
    astroquery_mast: ModuleType,
    astroquery_emulator: EmulatorServer,
    tmp_path: Path,
) -> None:
    before = len(astroquery_emulator.requests)
    with installed(), runtime.using_mode("offline"):
        offline = run_session(astroquery_mast, tmp_path)
    assert len(astroquery_emulator.requests) == before
    assert_same_results(offline, populated.baseline)


def test_offline_fresh_process_installs_before_import_without_sockets(
    populated: Populated, astroquery_emulator: EmulatorServer, tmp_path: Path
) -> None:
    out = tmp_path / "results.pickle"
    before = len(astroquery_emulator.requests)
    argv = [str(WORKER), astroquery_emulator.url, str(populated.settings.cache_dir)]
    subprocess.run(
        [sys.executable, *argv, str(tmp_path / "downloads"), str(out)],
        check=True,
        timeout=240,
        cwd=tmp_path,
    )
    answer = pickle.loads(out.read_bytes())
    assert answer["connect_attempts"] == []
    assert len(astroquery_emulator.requests) == before
    # both sides cross a pickle (it narrows a string column's fill value to its width)
    assert_same_results(answer["results"], pickle.loads(pickle.dumps(populated.baseline)))


def test_results_land_in_the_store_and_sql_views(populated: Populated, in_cache: Settings) -> None:
    services = {
        row["service"]
        for row in mastcache.sql("SELECT DISTINCT service FROM queries").arrow().to_pylist()
    }
    assert {"Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Products"} <= services
    assert {"Mast.Hsc.Db.v3", "Mast.Caom.Filtered.Position"} <= services
    region = populated.online["region"]
    ids = mastcache.sql("SELECT obsid FROM observations").arrow().to_pylist()
    assert set(region["obsid"]) <= {row["obsid"] for row in ids}
    resolutions = mastcache.sql("SELECT * FROM resolutions").arrow().to_pylist()
    assert len(resolutions) >= 2  # M101 (query_object) and M1 (resolve_object)


def test_mastcache_clients_serve_stock_results_under_the_same_keys(
    populated: Populated, in_cache: Settings
) -> None:
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    from mastcache.client import Mast, Observations

    mine = Observations.query_region(
        SkyCoord(*M101, unit="deg"), radius=0.2 * u.deg, mode="offline"
    )
    assert mine.meta["mastcache"]["source"] == "cache"
    assert_tables_equal(mine, populated.online["region"], "region")
    paged = Mast.service_request(
        "Mast.Caom.Cone",
        {"ra": M101[0], "dec": M101[1], "radius": 0.2},
        pagesize=4,
        mode="offline",
    )
    assert_tables_equal(paged, populated.online["paged"], "paged")
    coord = Mast.resolve_object("M1", resolver="NED", mode="offline")
    assert (coord.ra.deg, coord.dec.deg) == populated.online["resolved"]


def test_stock_astroquery_serves_what_mastcache_client_fetched(
    in_cache: Settings, astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    from mastcache.client import Mast

    params = {"ra": 83.63, "dec": 22.01, "radius": 0.1}
    with runtime.using_settings(in_cache.new(mast_url=_base(astroquery_mast))):
        mine = Mast.service_request("Mast.Caom.Cone", params)
    before = len(astroquery_emulator.requests)
    with installed(), runtime.using_mode("offline"):
        theirs = astroquery_mast.Mast.service_request("Mast.Caom.Cone", params)
    assert len(astroquery_emulator.requests) == before
    assert_tables_equal(theirs, mine, "cone")


def _base(mast: ModuleType) -> str:
    return str(mast.discovery_portal.PortalAPI.MAST_REQUEST_URL).removesuffix("/api/v0/invoke")


def test_install_is_idempotent_and_installed_nests(in_cache: Settings) -> None:
    assert not is_installed()
    with installed():
        install()
        with installed():
            assert is_installed()
        assert is_installed()
    assert not is_installed()
    uninstall()
    assert not is_installed()
