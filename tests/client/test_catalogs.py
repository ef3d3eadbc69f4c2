"""Catalogs through the cache, against the emulator on 127.0.0.1: Portal catalogs (HSC, TIC
criteria, matches, spectra), Pan-STARRS through Catalogs.MAST, errors, warnings, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from astropy.coordinates import SkyCoord

from mastcache import runtime
from mastcache.client import Catalogs, CatalogsClass
from mastcache.client.hsc_spectra import spectrum_url
from mastcache.client.panstarrs import release_and_table, request_body
from mastcache.emulator import EmulatorServer
from mastcache.errors import InputWarning, InvalidQueryError, MaxResultsWarning
from mastcache.net.endpoints import Endpoints

REGION = SkyCoord(23.34086, 60.658, unit="deg")
INVOKE = "/api/v0/invoke"
PANSTARRS = "/api/v0.1/panstarrs/dr2/mean.json"


def _posts(emulator: EmulatorServer, path: str) -> int:
    return len(emulator.requests.matching(path, "POST"))


def _recorded_panstarrs(catalogs: CatalogsClass, **kwargs: object) -> object:
    return catalogs.query_region(
        REGION,
        radius=0.002,
        catalog="PANSTARRS",
        columns=["objName", "objID"],
        sort_by=[("desc", "distance")],
        nDetections=[("gte", 2)],
        **kwargs,  # type: ignore[arg-type]
    )


def test_panstarrs_body_follows_astroquerys_rules() -> None:
    params = {
        "ra": 1.5,
        "columns": ["objName", "objID"],
        "sort_by": [("desc", "distance"), "objID"],
        "nDetections": [("gte", 2), ("lte", 9)],
        "qualityFlag": ("eq", 4),
        "data_release": "DR2",
        "table": "Mean",
    }
    assert release_and_table(params) == ("dr2", "mean")
    assert request_body(params, pagesize=10) == {
        "pagesize": 10,
        "ra": 1.5,
        "columns": ["objName", "objID"],
        "sort_by": ["distance.desc", "objID"],
        "nDetections.gte": 2,
        "nDetections.lte": 9,
        "qualityFlag": ["eq", 4],
    }
    assert request_body({"sort_by": ("distance", "desc")})["sort_by"] == ["distance.desc"]


def test_panstarrs_is_cached_and_replays_offline(live: EmulatorServer) -> None:
    first = _recorded_panstarrs(CatalogsClass())
    again = _recorded_panstarrs(CatalogsClass())
    assert _posts(live, PANSTARRS) == 1
    live.stop()
    offline = _recorded_panstarrs(CatalogsClass(), mode="offline")
    assert len(first) == 35 and first.colnames[:2] == ["objname", "objID"]  # type: ignore[attr-defined]
    assert again.meta["mastcache"]["source"] == "cache"  # type: ignore[attr-defined]
    assert offline.meta["mastcache"]["source"] == "cache"  # type: ignore[attr-defined]


def test_panstarrs_criteria_are_checked_against_its_columns(live: EmulatorServer) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        CatalogsClass().query_region(REGION, radius=0.002, catalog="panstarrs", nDetection=2)
    assert str(caught.value) == (
        "Filter 'nDetection' does not exist for panstarrs catalog mean, dr2. "
        "Did you mean 'nDetections'?"
    )
    assert _posts(live, PANSTARRS) == 0
    ok = CatalogsClass().query_region(REGION, radius=0.002, catalog="Panstarrs", NDETECTIONS=[])
    assert ok is not None  # column names match in any case


def test_hsc_cone_warns_at_its_row_limit_and_sends_hsc_params(live: EmulatorServer) -> None:
    catalogs = CatalogsClass()
    table = catalogs.query_region(REGION, radius=0.002)
    assert len(table) == 28 and table.meta["mastcache"]["source"] == "network"
    with pytest.warns(MaxResultsWarning, match="Maximum catalog results returned"):
        capped = catalogs.query_region("M101", radius=0.02, nr=1)
    assert len(capped) == 1
    with pytest.raises(InvalidQueryError, match="Did you mean 'magtype'"):
        catalogs.query_region(REGION, catalog="hsc", magtyp=2)
    with pytest.warns(InputWarning, match="Invalid HSC version"):
        catalogs.query_region(REGION, radius=0.002, version=7)


def test_tic_criteria_use_the_tess_column_config_and_replay_offline(
    live: EmulatorServer,
) -> None:
    online = CatalogsClass().query_criteria(catalog="Tic", Bmag=[30, 50], objType="STAR")
    live.stop()
    offline = CatalogsClass().query_criteria(
        catalog="Tic", Bmag=[30, 50], objType="STAR", mode="offline"
    )
    assert len(online) == 7 and list(offline["ID"]) == list(online["ID"])
    assert offline.meta["mastcache"]["source"] == "cache"


def test_criteria_errors() -> None:
    with pytest.raises(InvalidQueryError, match="Criteria query not available for Gaia"):
        CatalogsClass().query_criteria(catalog="Gaia", phot_g_mean_mag=[1, 2])


def test_criteria_need_a_filter(live: EmulatorServer) -> None:
    with pytest.raises(InvalidQueryError, match="At least one non-positional criterion"):
        CatalogsClass().query_criteria(catalog="Tic", coordinates=REGION)


def test_hsc_matches_and_spectra(live: EmulatorServer) -> None:
    catalogs = CatalogsClass()
    matches = catalogs.query_hsc_matchid(82371983)
    assert len(matches) == 9
    assert len(catalogs.query_hsc_matchid(matches[0])) == 9  # a Row gives its MatchID
    spectra = catalogs.get_hsc_spectra()
    assert {"DatasetName", "SpectrumType"} <= set(spectra.colnames)


def test_module_level_instance_is_lazy_and_shared() -> None:
    import mastcache.client as client

    assert isinstance(Catalogs, CatalogsClass)
    assert client.Catalogs is Catalogs


def test_hsc_spectra_curl_script(live: EmulatorServer, tmp_path: Path) -> None:
    spectra = CatalogsClass().get_hsc_spectra()[:2]
    manifest = CatalogsClass().download_hsc_spectra(
        spectra, download_dir=str(tmp_path), curl_flag=True
    )
    assert list(manifest.colnames) == ["Local Path", "Status", "Message", "URL"]
    assert manifest["Status"][0] == "COMPLETE", manifest["Message"][0]
    script = Path(manifest["Local Path"][0]).read_text()
    assert all(str(name) in script for name in spectra["DatasetName"])
    runtime.configure(mode="offline")
    offline = CatalogsClass().download_hsc_spectra(
        spectra, download_dir=str(tmp_path), curl_flag=True
    )
    assert offline["Status"][0] == "ERROR" and "offline mode" in offline["Message"][0]


def test_download_hsc_spectra_through_the_store(live: EmulatorServer, tmp_path: Path) -> None:
    spectra = CatalogsClass().get_hsc_spectra()[:2]
    probe = requests.head(spectrum_url(Endpoints.for_base_url(live.url), spectra[0]), timeout=10)
    if probe.status_code == 404:
        pytest.skip("this emulator does not serve the HLA spectra paths (/cgi-bin/...)")
    manifest = CatalogsClass().download_hsc_spectra(spectra, download_dir=str(tmp_path))
    assert list(manifest["Status"]) == ["COMPLETE", "COMPLETE"], list(manifest["Message"])
    for row, path in zip(spectra, manifest["Local Path"], strict=True):
        assert Path(path) == tmp_path / "mastDownload" / "HSC" / f"{row['DatasetName']}.fits"
        assert Path(path).stat().st_size > 0
    live.stop()
    runtime.configure(mode="offline")
    again = CatalogsClass().download_hsc_spectra(spectra, download_dir=str(tmp_path / "again"))
    assert list(again["Status"]) == ["COMPLETE", "COMPLETE"]
