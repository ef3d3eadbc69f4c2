"""Transparent mode covers astroquery.mast objects the user (or lightkurve) creates itself.

Instances made before and after ``install()`` answer through mastcache; ``uninstall()``
leaves the classes and every session exactly as they were; an offline miss through a
user-made ``TesscutClass()`` raises CacheMissError naming the call, not a connection error.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

from mastcache import runtime
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError
from mastcache.settings import Settings
from mastcache.transparent import install, installed, uninstall
from mastcache.transparent.adapter import MastcacheAdapter
from mastcache.transparent.compat import SESSION_CLASSES

CLASSES = (
    "ObservationsClass",
    "MastClass",
    "CatalogsClass",
    "MastMissionsClass",
    "TesscutClass",
    "ZcutClass",
    "HapcutClass",
)


def _sessions_of(obj: Any) -> list[requests.Session]:
    holders = (obj, obj._portal_api_connection, obj._service_api_connection)
    found = [holder._session for holder in holders] + [obj._auth_obj.session]
    return list({id(s): s for s in found}.values())


def _adapter_ids(session: requests.Session) -> list[tuple[str, int]]:
    return [(prefix, id(adapter)) for prefix, adapter in session.adapters.items()]


def _class_dicts(mast: ModuleType) -> list[tuple[str, bool]]:
    return [
        (name, attribute in vars(getattr(getattr(mast, module), name)))
        for module, name, attribute in SESSION_CLASSES
    ]


def test_instances_made_before_and_after_install_are_hooked_and_restored_exactly(
    astroquery_mast: ModuleType,
) -> None:
    before = {name: getattr(astroquery_mast, name)() for name in CLASSES}
    original = {name: [_adapter_ids(s) for s in _sessions_of(o)] for name, o in before.items()}
    class_dicts = _class_dicts(astroquery_mast)
    install()
    try:
        after = {name: getattr(astroquery_mast, name)() for name in CLASSES}
        for obj in [*before.values(), *after.values()]:
            sessions = _sessions_of(obj)
            assert len(sessions) == 1  # the connections and MastAuth share the object's
            assert all(isinstance(a, MastcacheAdapter) for a in sessions[0].adapters.values())
    finally:
        uninstall()
    assert _class_dicts(astroquery_mast) == class_dicts
    for name, obj in before.items():
        assert [_adapter_ids(s) for s in _sessions_of(obj)] == original[name]
    for obj in after.values():
        for session in _sessions_of(obj):
            assert not any(isinstance(a, MastcacheAdapter) for a in session.adapters.values())


def test_a_subclass_made_by_a_client_library_is_covered(astroquery_mast: ModuleType) -> None:
    class LibraryTesscut(astroquery_mast.TesscutClass):  # type: ignore[name-defined,misc]
        pass

    with installed():
        session = LibraryTesscut()._session
        assert all(isinstance(a, MastcacheAdapter) for a in session.adapters.values())
    assert not any(isinstance(a, MastcacheAdapter) for a in session.adapters.values())


def test_user_made_tesscut_is_cached_and_an_offline_miss_names_the_call(
    astroquery_mast: ModuleType,
    astroquery_emulator: EmulatorServer,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    """lightkurve's pattern: a fresh TesscutClass() for the sectors, another for the files."""
    import hashlib

    from astropy.coordinates import SkyCoord

    made_before = astroquery_mast.TesscutClass()
    target = SkyCoord(324.24368, -27.01029, unit="deg")
    settings = Settings.from_env({}, cache_dir=cache_dir)
    with runtime.using_settings(settings), installed():
        online = made_before.get_sectors(coordinates=target)
        sector = int(online["sector"][0])
        files = astroquery_mast.TesscutClass().download_cutouts(
            coordinates=target, size=5, sector=sector, path=str(tmp_path / "online")
        )
    assert len(online) > 0 and len(files) == 1
    digest = hashlib.sha256(Path(str(files["Local Path"][0])).read_bytes()).hexdigest()
    before = len(astroquery_emulator.requests)
    with runtime.using_settings(settings.new(mode="offline")), installed():
        again = astroquery_mast.TesscutClass().get_sectors(coordinates=target)
        assert list(again["sectorName"]) == list(online["sectorName"])
        replayed = astroquery_mast.TesscutClass().download_cutouts(
            coordinates=target, size=5, sector=sector, path=str(tmp_path / "offline")
        )
        path = Path(str(replayed["Local Path"][0]))
        assert path.is_relative_to(tmp_path / "offline")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        with pytest.raises(CacheMissError, match=r"offline mode: POST .*/tesscut/api/v0\.1/sector"):
            astroquery_mast.TesscutClass().get_sectors(
                coordinates=SkyCoord(10.0, -30.0, unit="deg")
            )
    assert len(astroquery_emulator.requests) == before
