"""install()/uninstall(): what is hooked, exact restoration, refused versions, offline misses."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from mastcache import runtime
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError, ConfigurationError
from mastcache.settings import Settings
from mastcache.transparent import SUPPORTED_RANGE, install, installed, uninstall
from mastcache.transparent.adapter import MastcacheAdapter
from mastcache.transparent.compat import check_version

SINGLETONS = ("Observations", "Mast", "Catalogs", "MastMissions", "Tesscut", "Zcut", "Hapcut")


def _sessions(mast: ModuleType) -> list[requests.Session]:
    found = {}
    for name in SINGLETONS:
        owner = getattr(mast, name)
        for holder in (owner, getattr(owner, "_portal_api_connection", None)):
            session = getattr(holder, "_session", None)
            if session is not None:
                found[id(session)] = session
    return list(found.values())


def _state(mast: ModuleType) -> list[Any]:
    adapters = [[(p, id(a)) for p, a in s.adapters.items()] for s in _sessions(mast)]
    return [adapters, id(mast.utils._simple_request)]


def test_install_hooks_every_singleton_session_and_uninstall_restores_exactly(
    astroquery_mast: ModuleType,
) -> None:
    before = _state(astroquery_mast)
    original = astroquery_mast.utils._simple_request
    install()
    try:
        sessions = _sessions(astroquery_mast)
        assert len(sessions) == len(SINGLETONS)
        for session in sessions:
            assert all(isinstance(a, MastcacheAdapter) for a in session.adapters.values())
        assert astroquery_mast.utils._simple_request is not original
    finally:
        uninstall()
    assert _state(astroquery_mast) == before
    assert astroquery_mast.utils._simple_request is original
    with installed():
        assert _state(astroquery_mast) != before
    assert _state(astroquery_mast) == before


@pytest.mark.parametrize("version", ["0.3.10", "0.5.0", "1.0", "not-a-version"])
def test_unsupported_astroquery_versions_are_refused(version: str) -> None:
    with pytest.raises(ConfigurationError, match=r">=0\.4,<0\.5") as info:
        check_version(version)
    assert "astroquery" in str(info.value)


@pytest.mark.parametrize("version", ["0.4", "0.4.11", "0.4.12.dev3"])
def test_astroquery_04x_is_accepted(version: str) -> None:
    check_version(version)
    assert SUPPORTED_RANGE == ">=0.4,<0.5"


@pytest.mark.filterwarnings("ignore:Query returned no results")
def test_offline_misses_raise_cache_miss_error_out_of_astroquery(
    astroquery_mast: ModuleType,
    astroquery_emulator: EmulatorServer,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from astropy.table import Table

    obs = astroquery_mast.Observations
    settings = Settings.from_env({}, cache_dir=cache_dir)
    with runtime.using_settings(settings), installed():
        obs.query_region(SkyCoord(10.0, -30.0, unit="deg"), radius=0.1 * u.deg)  # column config
    before = len(astroquery_emulator.requests)
    with runtime.using_settings(settings.new(mode="offline")), installed():
        with pytest.raises(CacheMissError, match=r"offline mode: Mast\.Caom\.Cone"):
            obs.query_region(SkyCoord(12.5, -33.0, unit="deg"), radius=0.1 * u.deg)
        with pytest.raises(CacheMissError, match="name resolution of 'M31'"):
            astroquery_mast.Mast.resolve_object("M31")
        uri = "mast:IUE/product/swp43920_raw.fits"
        product = Table({"dataURI": [uri], "productFilename": ["swp43920_raw.fits"]})
        product["obs_collection"], product["obs_id"] = ["IUE"], ["swp43920"]
        with pytest.raises(CacheMissError, match="not in mastcache's HTTP cache"):
            obs.download_products(product, download_dir=str(tmp_path))
    assert len(astroquery_emulator.requests) == before
