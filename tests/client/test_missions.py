"""MastMissions through the cache, against the emulator on 127.0.0.1 (recorded Search API
samples and the synthetic missions): wire body, caching, offline replay, validation, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import MastMissions, MastMissionsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import InvalidQueryError, MaxResultsWarning, NoResultsWarning

SEARCH = "/search/hst/api/v0.1/search"


def _recorded_search(missions: MastMissionsClass, **kwargs: object) -> Table:
    return missions.query_region(
        "40.66963 -0.01328",
        radius=3,
        sci_pep_id=[12556, 8794],
        select_cols=["sci_pep_id"],
        sort_by="sci_pep_id",
        sort_desc=True,
        **kwargs,  # type: ignore[arg-type]
    )


#: The datasets of the recorded answer: only astroquery's exact body gets it (samples.py).
RECORDED_DATASETS = ["W1DG8D06T", "W1DG9S01T", "J8DM01ELQ"]


def _posts(emulator: EmulatorServer, path: str) -> int:
    return len(emulator.requests.matching(path, "POST"))


@pytest.mark.filterwarnings("ignore::astropy.utils.exceptions.AstropyWarning")
def test_search_sends_astroquerys_body_and_is_served_from_cache(live: EmulatorServer) -> None:
    missions = MastMissionsClass()
    first = _recorded_search(missions)
    again = _recorded_search(MastMissionsClass())
    assert _posts(live, SEARCH) == 1
    assert list(first["sci_data_set_name"]) == RECORDED_DATASETS
    assert first.meta["mastcache"]["source"] == "network"
    assert again.meta["mastcache"]["source"] == "cache"
    assert list(again["sci_data_set_name"]) == list(first["sci_data_set_name"])


@pytest.mark.filterwarnings("ignore::astropy.utils.exceptions.AstropyWarning")
def test_offline_replay_validates_criteria_from_the_stored_column_list(
    live: EmulatorServer,
) -> None:
    theirs = _recorded_search(MastMissionsClass())
    live.stop()
    offline = MastMissionsClass()
    ours = _recorded_search(offline, mode="offline")
    assert ours.meta["mastcache"]["source"] == "cache" and len(ours) == len(theirs)
    with pytest.raises(InvalidQueryError, match="Did you mean 'sci_pep_id'"):
        offline.query_criteria(sci_pepid=1, mode="offline")


def test_unknown_criterion_is_refused_before_any_search(live: EmulatorServer) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        MastMissionsClass().query_criteria(Sci_Pep_Id=12556)  # exact case is required
    assert str(caught.value) == "Filter 'Sci_Pep_Id' does not exist. Did you mean 'sci_pep_id'?"
    assert _posts(live, SEARCH) == 0


def test_criteria_need_a_non_positional_criterion(live: EmulatorServer) -> None:
    with pytest.raises(InvalidQueryError, match="At least one non-positional criterion"):
        MastMissionsClass().query_criteria(coordinates="40.66963 -0.01328", sort_by="sci_pep_id")


def test_http_500_from_the_search_api_is_an_invalid_query(live: EmulatorServer) -> None:
    runtime.configure(max_retries=0)
    live.set_faults(f"{SEARCH}=500")
    with pytest.raises(InvalidQueryError, match="unable to process the request"):
        MastMissionsClass().query_criteria(sci_pep_id=12556)


def test_mission_switching_and_dataset_keywords() -> None:
    missions = MastMissionsClass(mission="JWST")
    assert missions.mission == "jwst" and missions.get_dataset_kwd() == "fileSetName"
    missions.mission = "ULLYSES"
    assert missions.get_dataset_kwd() == "observation_id"
    missions.mission = "nosuch"
    assert missions.get_dataset_kwd() is None
    assert MastMissions.mission == "hst"


@pytest.mark.filterwarnings("ignore::astropy.utils.exceptions.AstropyWarning")
def test_select_cols_of_the_caller_is_not_changed(live: EmulatorServer) -> None:
    chosen = ["sci_pep_id"]
    MastMissionsClass().query_region(
        "40.66963 -0.01328", sci_pep_id=[12556, 8794], select_cols=chosen,
        sort_by="sci_pep_id", sort_desc=True,
    )  # fmt: skip
    assert chosen == ["sci_pep_id"]


def test_product_list_from_rows_filter_and_unique(live: EmulatorServer) -> None:
    missions = MastMissionsClass()
    datasets = Table({"sci_data_set_name": ["Z14Z0104T", " ", "Z14Z0104T"]})
    products = missions.get_product_list(datasets)
    assert products is not None and len(products) == 5
    assert _posts(live, "/search/hst/api/v0.1/post_list_products") == 1
    fits = missions.filter_products(products, extension="fits")
    assert all(str(name).endswith("fits") for name in fits["filename"]) and len(fits) > 0
    small = missions.filter_products(products, size="<20000")
    assert all(int(size) < 20000 for size in small["size"])
    assert len(missions.get_unique_product_list("Z14Z0104T")) == len(set(products["filename"]))


def test_empty_dataset_list_is_refused() -> None:
    with pytest.raises(InvalidQueryError, match="Dataset list is empty"):
        MastMissionsClass().get_product_list(["", "  "])
    with pytest.raises(TypeError, match="Unsupported data type"):
        MastMissionsClass().get_product_list(42)


def test_warnings_for_empty_and_limited_results(live: EmulatorServer, tmp_path: Path) -> None:
    missions = MastMissionsClass()
    with pytest.warns(NoResultsWarning, match="Query returned no results"):
        empty = missions.query_criteria(sci_pep_id=1, sci_targname="NO SUCH TARGET")
    assert len(empty) == 0
    with pytest.warns(MaxResultsWarning, match="Maximum results returned"):
        limited = missions.query_criteria(sci_instrume="ACS", limit=2)
    assert len(limited) == 2


def test_download_products_into_astroquerys_layout_then_offline(
    live: EmulatorServer, tmp_path: Path
) -> None:
    missions = MastMissionsClass()
    datasets = missions.query_object("M101", radius=3)["sci_data_set_name"][:2].tolist()
    manifest = missions.download_products(datasets, download_dir=tmp_path, extension="fits")
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}
    for path in manifest["Local Path"]:
        relative = Path(path).relative_to(tmp_path / "mastDownload" / "hst")
        assert relative.parts[0] in datasets and Path(path).stat().st_size > 0
    live.stop()
    runtime.configure(mode="offline")
    again = missions.download_products(
        datasets, download_dir=tmp_path / "again", flat=True, extension="fits"
    )
    assert again is not None and set(again["Status"]) == {"COMPLETE"}
    assert {Path(p).parent for p in again["Local Path"]} == {tmp_path / "again"}


def test_download_file_reports_errors_as_astroquery(live: EmulatorServer, tmp_path: Path) -> None:
    runtime.configure(max_retries=0)
    live.set_faults("/search/hst/api/v0.1/retrieve_product=500")
    uri = "Z14Z0104T/z14z0104t_shf.fits"
    status, message, url = MastMissionsClass().download_file(uri, local_path=tmp_path)
    assert status == "ERROR" and message and "HTTP 500" in message
    assert url is not None and url.endswith(
        f"/search/hst/api/v0.1/retrieve_product?product_name={uri}"
    )
    assert not (tmp_path / "z14z0104t_shf.fits").exists()
    with pytest.warns(NoResultsWarning, match="No products to download"):
        MastMissionsClass().download_products("Z14Z0104T", extension="nothing")
