"""Exclusive-access datasets through the Search API (MastMissions): hidden from anonymous
callers and other accounts in searches and product lists, retrieve_product 401/403, astroquery's
auth warning on a refused download, isolation of results online and offline; and the scale
knob's rows, which are always PUBLIC."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.table import Table

from mastcache import runtime
from mastcache.client import MastMissionsClass
from mastcache.errors import CacheMissError, NoResultsWarning


@dataclass(frozen=True)
class Datasets:
    """The mission of Alice's proposal and its dataset ids (the Search API's names)."""

    mission: str
    ids: frozenset[str]


def alice_datasets(proposal: Any) -> Datasets:
    from mastcache.emulator.sky.observations import sky_for_seed

    sky = sky_for_seed(20240101)
    rows = [sky.row(i) for i in range(len(sky)) if str(sky.row(i)["obsid"]) in proposal.obsids]
    missions = {str(r["obs_collection"]).lower() for r in rows}
    assert len(missions) == 1
    mission = missions.pop()
    ids = {str(r["obs_id"]).upper() if mission == "hst" else str(r["obs_id"]) for r in rows}
    return Datasets(mission, frozenset(ids))


def client(datasets: Datasets, token: str | None = None) -> MastMissionsClass:
    return MastMissionsClass(mission=datasets.mission, mast_token=token)


def search(missions: MastMissionsClass, proposal: Any, mode: str | None = None) -> Table:
    where = SkyCoord(proposal.ra, proposal.dec, unit="deg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoResultsWarning)
        table: Table = missions.query_region(where, radius=proposal.radius_deg * 60.0, mode=mode)
    return table


def ids(table: Table, missions: MastMissionsClass) -> set[str]:
    keyword = missions.get_dataset_kwd()
    assert keyword is not None
    return {str(v) for v in table[keyword]} if len(table) else set()


def test_search_shows_exclusive_datasets_only_to_their_account(mast: Any) -> None:
    datasets = alice_datasets(mast.proposal)
    alice = client(datasets, mast.alice)
    found = search(alice, mast.proposal)
    anonymous = search(client(datasets), mast.proposal)
    bob = search(client(datasets, mast.bob), mast.proposal)
    assert datasets.ids <= ids(found, alice)
    assert not datasets.ids & ids(anonymous, alice) and not datasets.ids & ids(bob, alice)
    assert ids(found, alice) - datasets.ids == ids(anonymous, alice) == ids(bob, alice)


def test_product_lists_and_downloads_refused_to_others(
    mast: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    datasets = alice_datasets(mast.proposal)
    dataset = sorted(datasets.ids)[0]
    alice = client(datasets, mast.alice)
    products = alice.get_product_list(dataset)
    assert products is not None and len(products) >= 1
    assert set(products["access"]) == {"PROPRIETARY"}
    uri = str(products["uri"][0])
    status, _, _ = alice.download_file(uri, local_path=str(tmp_path / "alice.fits"))
    assert status == "COMPLETE" and (tmp_path / "alice.fits").stat().st_size > 0
    for token, code, warned in ((None, "401", True), (mast.bob, "403", False)):
        other = client(datasets, token)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoResultsWarning)
            listed = other.get_product_list(dataset)
        assert listed is None or len(listed) == 0
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="mastcache"):
            status, message, url = other.download_file(uri, local_path=str(tmp_path / "x.fits"))
        assert status == "ERROR" and code in str(message) and url and "retrieve_product" in url
        assert ("You are not authorized to download" in caplog.text) is warned
        if warned:
            assert "MastMissions.login" in caplog.text
        assert not (tmp_path / "x.fits").exists()


def test_retrieve_product_answers_401_and_403(mast: Any) -> None:
    datasets = alice_datasets(mast.proposal)
    products = client(datasets, mast.alice).get_product_list(sorted(datasets.ids)[0])
    assert products is not None
    url = f"{mast.server.url}/search/{datasets.mission}/api/v0.1/retrieve_product"
    params = {"product_name": str(products["uri"][0])}
    for cookie, code in ((None, 401), (mast.bob, 403), (mast.alice, 200)):
        cookies = {"mast_token": cookie} if cookie else {}
        answer = requests.get(url, params=params, cookies=cookies, timeout=30)
        assert answer.status_code == code


def test_mission_results_stay_with_their_account_offline(mast: Any) -> None:
    datasets = alice_datasets(mast.proposal)
    alice = client(datasets, mast.alice)
    fetched = search(alice, mast.proposal)
    bob = client(datasets, mast.bob)
    with runtime.using_mode("offline"):
        served = search(alice, mast.proposal)
        for other in (client(datasets), bob):
            with pytest.raises(CacheMissError):
                search(other, mast.proposal)
    assert served.meta["mastcache"]["source"] == "cache"
    assert ids(served, alice) == ids(fetched, alice) and datasets.ids <= ids(served, alice)
    anonymous = search(client(datasets), mast.proposal)  # online: its own, public, answer
    assert not datasets.ids & ids(anonymous, alice)
    alice.logout()
    with runtime.using_mode("offline"):
        again = search(alice, mast.proposal)
    assert not datasets.ids & ids(again, alice)


def test_scale_rows_are_always_public() -> None:
    """The scale knob's rows (rows=N) are never exclusive-access, so never need filtering:
    the latest release any instrument can have precedes the sky's 'now'."""
    from mastcache.emulator.sky.scale import ScaleRows
    from mastcache.emulator.sky.scale_tables import scale_tables
    from mastcache.emulator.sky.synth import NOW_MJD, TESS_SECTOR_DAYS

    floats = scale_tables().instrument_float
    longest = max(TESS_SECTOR_DAYS, max(floats["exp_high"]) / 86400.0) * 1.05
    assert max(floats["era_high"]) + longest + 365.0 < NOW_MJD  # latest t_max, + 1 year
    rights = {
        value
        for seed in (1, 20240101)
        for batch in ScaleRows(seed, 20_000, None).batches(0, 20_000)
        for value in batch.columns["dataRights"]
    }
    assert rights == {"PUBLIC"}


def test_scale_knob_answers_every_account_alike(mast: Any) -> None:
    from mastcache.client import ObservationsClass

    mast.server.reconfigure(rows=300)
    where = SkyCoord(mast.proposal.ra, mast.proposal.dec, unit="deg")
    tables = []
    for token in (None, mast.alice, mast.bob):
        observations = ObservationsClass(mast_token=token)
        tables.append(observations.query_region(where, radius="0.01 deg", mode="refresh"))
    assert [len(t) for t in tables] == [300, 300, 300]
    assert {str(v) for v in tables[0]["obsid"]} == {str(v) for v in tables[1]["obsid"]}
    assert set(tables[1]["dataRights"]) == {"PUBLIC"}
