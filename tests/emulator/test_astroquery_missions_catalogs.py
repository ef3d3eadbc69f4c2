"""Stock astroquery 0.4.11 MastMissions and Catalogs against the emulator (over 127.0.0.1):
Tables with the right columns and types, downloads, warnings and errors."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from mastcache.emulator import EmulatorServer

M31 = "10.68471 41.26875"


@pytest.fixture(scope="module")
def mast(astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer) -> Iterator[ModuleType]:
    """astroquery.mast with the Pan-STARRS metadata host on the emulator too (MAST_PROTOCOL.md
    section 0: conf.catalogs_server is read at call time)."""
    previous = astroquery_mast.conf.catalogs_server
    astroquery_mast.conf.catalogs_server = astroquery_emulator.url
    yield astroquery_mast
    astroquery_mast.conf.catalogs_server = previous


def quietly(call: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def caught(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call(*args, **kwargs)
    return result, [type(w.message).__name__ for w in seen]


def test_hst_query_region_has_typed_columns(mast: ModuleType) -> None:
    import astropy.units as u

    table = quietly(mast.MastMissions(mission="hst").query_region, M31, radius=10 * u.arcmin)
    assert len(table) > 0 and table.colnames[0] == "sci_data_set_name"
    assert "search_pos" not in table.colnames and "search_key" in table.colnames
    assert table["sci_pep_id"].dtype == np.int64
    assert table["sci_ra"].dtype == np.float64
    assert table["sci_start_time"].dtype.kind == "U"


def test_hst_query_object_and_select_cols(mast: ModuleType) -> None:
    import astropy.units as u

    missions = mast.MastMissions(mission="hst")
    table = missions.query_object("M31", radius=5 * u.arcmin, select_cols=["sci_targname"])
    assert len(table) > 0
    assert table.colnames == ["sci_targname", "sci_data_set_name", "search_key"]


def test_hst_query_criteria_ranges_and_sort(mast: ModuleType) -> None:
    missions = mast.MastMissions(mission="hst")
    table = quietly(
        missions.query_criteria,
        sci_actual_duration="100..2000", sci_instrume=["WFC3", "ACS"],
        sort_by=["sci_actual_duration"], sort_desc=True, limit=50,
    )  # fmt: skip
    durations = list(table["sci_actual_duration"])
    assert durations and durations == sorted(durations, reverse=True)
    assert all(100 <= d <= 2000 for d in durations)
    assert set(table["sci_instrume"]) <= {"WFC3", "ACS"}


def test_max_results_empty_and_bad_queries(mast: ModuleType) -> None:
    from astroquery.exceptions import InvalidQueryError

    missions = mast.MastMissions(mission="hst")
    limited, names = caught(missions.query_criteria, sci_pep_id=">=1", limit=3)
    assert len(limited) == 3 and "MaxResultsWarning" in names
    empty, names = caught(missions.query_region, "0.5 -89.9", radius=1)
    assert len(empty) == 0 and "NoResultsWarning" in names
    with pytest.raises(InvalidQueryError, match="unable to process"):
        missions.query_criteria(sci_pep_id="not-a-number")
    with pytest.raises(InvalidQueryError, match="does not exist"):
        missions.query_criteria(sci_pep_idd=1)


def test_column_lists_and_mission_switching(mast: ModuleType) -> None:
    missions = mast.MastMissions(mission="hst")
    assert len(missions.get_column_list()) == 57
    missions.mission = "JWST"
    columns = missions.get_column_list()
    assert "fileSetName" in list(columns["name"])
    table = quietly(missions.query_criteria, program="1000..9000", limit=20)
    assert len(table) > 0 and "fileSetName" in table.colnames


def test_hst_products_filter_and_download(mast: ModuleType, tmp_path: Path) -> None:
    import astropy.units as u

    missions = mast.MastMissions(mission="hst")
    datasets = quietly(missions.query_region, M31, radius=10 * u.arcmin)
    products = missions.get_product_list(datasets[:2])
    assert {"dataset", "filename", "uri", "size", "category", "type"} <= set(products.colnames)
    fits = missions.filter_products(products, extension="fits", category="UNCALIBRATED")
    assert 0 < len(fits) < len(products)
    manifest = quietly(missions.download_products, fits[:2], download_dir=tmp_path)
    assert list(manifest["Status"]) == ["COMPLETE", "COMPLETE"]
    for row, path in zip(fits[:2], manifest["Local Path"], strict=True):
        assert Path(path) == tmp_path / "mastDownload" / "hst" / row["dataset"] / row["filename"]
        assert Path(path).stat().st_size == row["size"]


def test_jwst_products_download(mast: ModuleType, tmp_path: Path) -> None:
    missions = mast.MastMissions(mission="jwst")
    datasets = quietly(missions.query_criteria, program="1000..9000", limit=2)
    products = missions.get_product_list(datasets)
    assert set(products["dataset"]) <= set(datasets["fileSetName"])
    manifest = quietly(missions.download_products, products[:1], download_dir=tmp_path)
    assert list(manifest["Status"]) == ["COMPLETE"]
    assert Path(manifest["Local Path"][0]).stat().st_size == products["size"][0]


@pytest.mark.parametrize(
    ("catalog", "options", "column"),
    [
        ("TIC", {}, "Tmag"),
        ("Ctl", {}, "Tmag"),
        ("Gaia", {}, "phot_g_mean_mag"),
        ("Gaia", {"version": 1}, "source_id"),
        ("GaiaDR3", {}, "bp_rp"),
        ("HSC", {}, "MatchID"),
        ("HSC", {"version": 2}, "NumImages"),
        ("Galex", {}, "nuv_mag"),
        ("DiskDetective", {}, "designation"),
        ("Plato", {}, "Pmag"),
    ],
)
def test_catalog_query_region(
    mast: ModuleType, catalog: str, options: dict[str, Any], column: str
) -> None:
    import astropy.units as u

    radius = 1.0 if catalog == "DiskDetective" else 0.2
    table = quietly(
        mast.Catalogs.query_region, M31, radius=radius * u.deg, catalog=catalog, **options
    )
    assert len(table) > 0 and column in table.colnames
    assert "_selected_" not in table.colnames


def test_tic_query_object_finds_the_tic_star(mast: ModuleType) -> None:
    import astropy.units as u

    table = mast.Catalogs.query_object("TIC 307210830", radius=0.01 * u.deg, catalog="TIC")
    assert table["ID"][0] == "307210830" and table["dstArcSec"][0] < 1.0
    assert table["Tmag"].dtype == np.float64 and len(table.colnames) == 90


def test_catalog_criteria_queries(mast: ModuleType) -> None:
    catalogs = mast.Catalogs
    tic = catalogs.query_criteria(catalog="Tic", Tmag=[5, 9], objType="STAR")
    assert len(tic) > 0 and all(5 <= t <= 9 for t in tic["Tmag"])
    ctl = quietly(catalogs.query_criteria, catalog="Ctl", coordinates=M31, Tmag=[0, 30])
    assert len(ctl) > 0 and "dstArcSec" in ctl.colnames
    dd = quietly(
        catalogs.query_criteria, catalog="DiskDetective", objectname="M31", radius=2,
        w1mpro=[0, 30],
    )  # fmt: skip
    assert len(dd) > 0 and "ZooniverseID" in dd.colnames


def test_hsc_matches_and_spectra(mast: ModuleType, tmp_path: Path) -> None:
    import astropy.units as u

    hsc = quietly(mast.Catalogs.query_region, M31, radius=0.1 * u.deg, catalog="HSC")
    matches = mast.Catalogs.query_hsc_matchid(hsc[0])
    assert len(matches) > 0 and set(matches["MatchID"]) == {hsc[0]["MatchID"]}
    assert len(mast.Catalogs.query_hsc_matchid(hsc[0]["MatchID"], version=2)) == len(matches)
    spectra = mast.Catalogs.get_hsc_spectra()
    assert len(spectra) > 0 and "DatasetName" in spectra.colnames
    manifest = mast.Catalogs.download_hsc_spectra(
        spectra[:3], download_dir=tmp_path, curl_flag=True
    )
    script = Path(manifest["Local Path"][0])
    assert manifest["Status"][0] == "COMPLETE"
    assert script.read_text().count("curl ") == 3


@pytest.mark.parametrize(
    ("release", "table", "column"),
    [("dr1", "mean", "nDetections"), ("dr1", "stack", "primaryDetection"),
     ("dr2", "mean", "gMeanPSFMag"), ("dr2", "stack", "rPSFMag"), ("dr2", "detection", "psfFlux")],
)  # fmt: skip
def test_panstarrs_tables(mast: ModuleType, release: str, table: str, column: str) -> None:
    import astropy.units as u

    result = quietly(
        mast.Catalogs.query_region, M31, radius=0.1 * u.deg, catalog="Panstarrs",
        data_release=release, table=table,
    )  # fmt: skip
    assert len(result) > 0 and column in result.colnames
    assert result["objID"].dtype == np.int64


def test_panstarrs_criteria_filters_sort_and_columns(mast: ModuleType) -> None:
    result = quietly(
        mast.Catalogs.query_criteria, coordinates=M31, radius=0.2, catalog="PANSTARRS",
        table="mean", data_release="dr2", nDetections=[("gte", 2)],
        columns=["objName", "objID", "nDetections"], sort_by=[("desc", "nDetections")],
    )  # fmt: skip
    assert result.colnames == ["objName", "objID", "nDetections"]
    counts = list(result["nDetections"])
    assert counts and min(counts) >= 2 and counts == sorted(counts, reverse=True)


def test_panstarrs_fifty_thousand_rows(
    mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    import astropy.units as u

    astroquery_emulator.reconfigure(rows=50_000)
    try:
        result = quietly(
            mast.Catalogs.query_region, M31, radius=0.2 * u.deg, catalog="Panstarrs",
            columns=["objID", "raMean", "decMean", "rMeanPSFMag"],
        )  # fmt: skip
    finally:
        astroquery_emulator.reconfigure(rows=None)
    assert len(result) == 50_000 and len(set(result["objID"])) == 50_000


def test_catalog_errors_and_empty_results(mast: ModuleType) -> None:
    import astropy.units as u
    from astroquery.exceptions import InvalidQueryError, RemoteServiceError

    with pytest.raises(RemoteServiceError, match="Unknown"):
        quietly(mast.Catalogs.query_region, M31, radius=0.1 * u.deg, catalog="NoSuchCatalog")
    with pytest.raises(ConnectionError):
        quietly(mast.Catalogs.query_region, M31, catalog="Panstarrs", table="nosuchtable")
    with pytest.raises(InvalidQueryError, match="does not exist"):
        quietly(mast.Catalogs.query_region, M31, catalog="Panstarrs", nDetectionz=1)
    empty, names = caught(
        mast.Catalogs.query_region, "0.5 -89.99", radius=0.0001 * u.deg, catalog="TIC"
    )
    assert len(empty) == 0 and "NoResultsWarning" in names
    ps_empty, names = caught(
        mast.Catalogs.query_region, "0.5 -89.99", radius=0.0001 * u.deg, catalog="Panstarrs"
    )
    assert len(ps_empty) == 0 and "NoResultsWarning" in names
