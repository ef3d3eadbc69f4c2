"""Catalog services of the emulator: the Portal catalog cones and filtered searches, HSC
matches/spectra/bundles and Pan-STARRS, directly and over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import numpy as np
import pytest
import requests

from mastcache.emulator import EmulatorServer
from mastcache.emulator.catalogs.field import field_for, named_anchors, scaled_cone
from mastcache.emulator.catalogs.panstarrs import PanstarrsCatalog
from mastcache.emulator.catalogs.panstarrs_columns import table_schema
from mastcache.emulator.catalogs.schema import known_catalogs, schema
from mastcache.emulator.portal.service import PortalService
from mastcache.emulator.samples.recorded import load_json

SEED = 11
M31 = (10.68471, 41.26875)
L98_59 = (124.5317, -68.313)  # TIC 307210830


@dataclass(frozen=True)
class Knobs:
    seed: int = SEED
    rows: int | None = None
    executing_polls: int = 0


@pytest.fixture(scope="module")
def portal() -> PortalService:
    return PortalService(Knobs())


def invoke(portal: PortalService, service: str, params: dict[str, Any], **extra: Any) -> Any:
    body = {"service": service, "params": params, "format": "json", "pagesize": 50000, "page": 1}
    body.update(extra)
    reply = portal.invoke({"request": json.dumps(body)}, "http://127.0.0.1:1")
    return json.loads(reply.read())


def cone(ra: float, dec: float, radius: float) -> dict[str, float]:
    return {"ra": ra, "dec": dec, "radius": radius}


def test_every_schema_keeps_the_recorded_columns_and_types() -> None:
    for key, sample in [("tic", "tic.json"), ("diskdetective", "dd.json"), ("hsc", "hsc.json")]:
        recorded = [(f["name"], f["type"]) for f in load_json(sample)["fields"]]
        assert list(schema(key).fields) == recorded
    assert len(schema("tic").fields) == 89
    assert set(known_catalogs()) >= {"tic", "ctl", "gaiadr2", "gaiadr3", "galex", "hsc"}


def test_tic_cone_finds_the_named_star_with_its_tic_id(portal: PortalService) -> None:
    reply = invoke(portal, "Mast.Catalogs.Tic.Cone", cone(*L98_59, 0.01))
    assert reply["status"] == "COMPLETE"
    assert [f["name"] for f in reply["fields"]][-1] == "dstArcSec"
    nearest = reply["data"][0]
    assert nearest["ID"] == 307210830
    assert nearest["dstArcSec"] < 1.0
    distances = [row["dstArcSec"] for row in reply["data"]]
    assert distances == sorted(distances)


def test_cone_rows_lie_inside_the_cone_and_agree_between_calls(portal: PortalService) -> None:
    first = invoke(portal, "Mast.Catalogs.GaiaDR2.Cone", cone(*M31, 0.1))
    again = invoke(portal, "Mast.Catalogs.GaiaDR2.Cone", cone(*M31, 0.1))
    assert first == again and first["data"]
    assert max(row["distance"] for row in first["data"]) <= 0.1 * 60.0 + 1e-9
    assert {row["source_id"] for row in first["data"]} <= set(
        field_for(SEED, schema("gaiadr2")).columns["source_id"].tolist()
    )


@pytest.mark.parametrize(
    ("service", "params", "id_column"),
    [
        ("Mast.Hsc.Db.v3", {**cone(*M31, 0.1), "nr": 50000, "ni": 1, "magtype": 1}, "MatchID"),
        ("Mast.Hsc.Db.v2", {**cone(*M31, 0.1), "nr": 50000, "ni": 1, "magtype": 1}, "MatchID"),
        ("Mast.Galex.Catalog", {**cone(*M31, 0.1), "maxrecords": 50000}, "objid"),
        ("Mast.Catalogs.GaiaDR3.Cone", cone(*M31, 0.1), "source_id"),
        ("Mast.Catalogs.GaiaDR1.Cone", cone(*M31, 0.1), "source_id"),
        ("Mast.Catalogs.Ctl.Cone", cone(*M31, 0.3), "ID"),
        ("Mast.Catalogs.DiskDetective.Cone", cone(*M31, 1.0), "designation"),
        ("Mast.Catalogs.Plato.Cone", cone(*M31, 0.2), "sourceId"),
        ("Mast.Catalogs.TIC.Cone", cone(*M31, 0.1), "ID"),
    ],
)
def test_cone_services_answer_rows_with_their_fields(
    portal: PortalService, service: str, params: dict[str, Any], id_column: str
) -> None:
    reply = invoke(portal, service, params)
    names = [f["name"] for f in reply["fields"]]
    assert reply["status"] == "COMPLETE" and reply["data"]
    assert id_column in names
    assert set(reply["data"][0]) == set(names)
    ids = [row[id_column] for row in reply["data"]]
    assert len(set(ids)) == len(ids)


def test_hsc_nr_and_galex_maxrecords_limit_the_rows(portal: PortalService) -> None:
    hsc = invoke(portal, "Mast.Hsc.Db.v3", {**cone(*M31, 0.3), "nr": 3, "ni": 1, "magtype": 1})
    galex = invoke(portal, "Mast.Galex.Catalog", {**cone(*M31, 0.3), "maxrecords": 2})
    assert len(hsc["data"]) == 3 and len(galex["data"]) == 2


def test_filtered_tic_applies_ranges_and_values(portal: PortalService) -> None:
    filters = [
        {"paramName": "Tmag", "values": [{"min": 8.0, "max": 12.0}]},
        {"paramName": "objType", "values": ["STAR"]},
    ]
    reply = invoke(portal, "Mast.Catalogs.Filtered.Tic.Rows", {"columns": "*", "filters": filters})
    rows = reply["data"]
    assert rows and len(reply["fields"]) == 89
    assert all(8.0 <= row["Tmag"] <= 12.0 and row["objType"] == "STAR" for row in rows)
    every = field_for(SEED, schema("tic")).columns
    expected = np.sum((every["Tmag"] >= 8) & (every["Tmag"] <= 12) & (every["objType"] == "STAR"))
    assert len(rows) == int(expected)


def test_filtered_position_services_stay_in_the_cone(portal: PortalService) -> None:
    filters = [{"paramName": "Tmag", "values": [{"min": 0, "max": 30}]}]
    params = {**cone(*M31, 0.2), "columns": "*", "filters": filters}
    reply = invoke(portal, "Mast.Catalogs.Filtered.Ctl.Position.Rows", params)
    assert reply["data"] and all(row["dstArcSec"] <= 720.0 for row in reply["data"])
    dd = invoke(
        portal,
        "Mast.Catalogs.Filtered.DiskDetective.Position",
        {
            **cone(*M31, 2.0),
            "filters": [{"paramName": "w1mpro", "values": [{"min": 0, "max": 99}]}],
        },
    )
    assert dd["status"] == "COMPLETE" and dd["data"]


def test_bad_filter_column_and_unknown_catalog_are_errors(portal: PortalService) -> None:
    filters = [{"paramName": "NoSuchColumn", "values": ["x"]}]
    bad = invoke(portal, "Mast.Catalogs.Filtered.Tic.Rows", {"columns": "*", "filters": filters})
    unknown = invoke(portal, "Mast.Catalogs.Nothing.Cone", cone(*M31, 0.1))
    missing = invoke(portal, "Mast.Catalogs.Tic.Cone", {"ra": 1.0})
    assert bad["status"] == unknown["status"] == missing["status"] == "ERROR"
    assert "NoSuchColumn" in bad["msg"] and "Nothing" in unknown["msg"]


def test_empty_cone_is_a_valid_empty_answer(portal: PortalService) -> None:
    reply = invoke(portal, "Mast.Catalogs.Tic.Cone", cone(0.0, -89.99, 0.0001))
    assert reply["status"] == "COMPLETE" and reply["data"] == []
    assert len(reply["fields"]) == 90 and reply["paging"]["rowsFiltered"] == 0


def test_portal_paging_slices_one_order(portal: PortalService) -> None:
    whole = invoke(portal, "Mast.Catalogs.Tic.Cone", cone(*M31, 0.3))["data"]
    pages = [
        invoke(portal, "Mast.Catalogs.Tic.Cone", cone(*M31, 0.3), pagesize=10, page=p)
        for p in (1, 2)
    ]
    assert [r["ID"] for r in pages[0]["data"] + pages[1]["data"]] == [r["ID"] for r in whole[:20]]
    assert pages[1]["paging"]["page"] == 2


def test_hsc_matches_follow_the_match_id(portal: PortalService) -> None:
    hsc = invoke(portal, "Mast.Hsc.Db.v3", {**cone(*M31, 0.1), "nr": 50000, "ni": 1, "magtype": 1})
    match_id = hsc["data"][0]["MatchID"]
    matches = invoke(portal, "Mast.HscMatches.Db.v3", {"input": str(match_id)})
    assert matches["data"] and all(row["MatchID"] == match_id for row in matches["data"])
    assert [f["name"] for f in matches["fields"]] == [
        f["name"] for f in load_json("matchid.json")["fields"]
    ]
    assert invoke(portal, "Mast.HscMatches.Db.v2", {"input": "1"})["data"] == []
    assert invoke(portal, "Mast.HscMatches.Db.v3", {"input": "abc"})["status"] == "ERROR"


def test_hsc_spectra_link_to_hsc_match_ids(portal: PortalService) -> None:
    spectra = invoke(portal, "Mast.HscSpectra.Db.All", {"synthetic": True})["data"]
    assert len(spectra) == len(named_anchors(schema("hscspectra")))
    hsc_ids = set(field_for(SEED, schema("hsc")).columns["MatchID"].tolist())
    assert all(int(row["MatchID"]) in hsc_ids for row in spectra)


def test_bundle_request_stages_a_curl_script(portal: PortalService) -> None:
    params = {
        "urlList": "https://hla.stsci.edu/a.fits,https://hla.stsci.edu/b.fits",
        "filename": "mastDownload_1",
        "pathList": "mastDownload_1/HSC/a.fits,mastDownload_1/HSC/b.fits",
        "descriptionList": ["", ""],
        "productTypeList": ["spectrum", "spectrum"],
        "extension": "curl",
    }
    reply = invoke(portal, "Mast.Bundle.Request", params)
    assert reply["status"] == "COMPLETE" and set(reply["statusList"].values()) == {"COMPLETE"}
    path = reply["url"].removeprefix("http://127.0.0.1:1")
    script = portal.catalogs.hsc.staged(path)
    assert script is not None and script.count(b"curl ") == 2
    bad = invoke(portal, "Mast.Bundle.Request", {**params, "pathList": "only-one"})
    assert bad["status"] == "ERROR"


def test_scaled_cone_returns_the_requested_rows_quickly_and_stably() -> None:
    tic = schema("tic")
    first = scaled_cone(SEED, tic, (*M31, 0.2), 5000)
    assert len(first) == 5000 and len(set(first.columns["ID"].tolist())) == 5000
    assert first.cone(*M31, 0.2).index.size == 5000
    scaled_cone.cache_clear()
    again = scaled_cone(SEED, tic, (*M31, 0.2), 5000)
    assert np.array_equal(first.columns["Tmag"], again.columns["Tmag"], equal_nan=True)


def test_scale_knob_makes_catalog_cones_that_big() -> None:
    scaled = PortalService(Knobs(rows=1234))
    reply = invoke(scaled, "Mast.Catalogs.Tic.Cone", cone(*M31, 0.05), pagesize=1000)
    assert reply["paging"]["rowsFiltered"] == 1234 and len(reply["data"]) == 1000


def ps_query(params: dict[str, Any], release: str = "dr2", table: str = "mean") -> Any:
    reply = PanstarrsCatalog(SEED, None).query(release, table, params)
    return reply.status, json.loads(reply.read())


def test_panstarrs_cone_filters_sorts_and_selects() -> None:
    params = {
        **cone(*M31, 0.2),
        "columns": ["objName", "objID", "nDetections"],
        "sort_by": ["nDetections.desc"],
        "nDetections.gte": 2,
    }
    status, body = ps_query(params)
    assert status == 200 and [i["name"] for i in body["info"]] == [
        "objName",
        "objID",
        "nDetections",
    ]
    counts = [row[2] for row in body["data"]]
    assert counts and min(counts) >= 2 and counts == sorted(counts, reverse=True)
    assert all(isinstance(row[1], str) and row[0].startswith("PSO J") for row in body["data"])


def test_panstarrs_tables_share_objects_and_have_their_columns() -> None:
    _, mean = ps_query({**cone(*M31, 0.1), "columns": ["objID"]})
    _, stack = ps_query({**cone(*M31, 0.1), "columns": ["objID"]}, table="stack")
    _, dr1 = ps_query({**cone(*M31, 0.1)}, release="dr1")
    assert mean["data"] and sorted(mean["data"]) == sorted(stack["data"])
    assert len(dr1["info"]) == len(load_json("panstarrs_columns.json"))
    status, detection = ps_query({**cone(*M31, 0.1)}, table="detection")
    assert status == 200 and "detectID" in [i["name"] for i in detection["info"]]


def test_panstarrs_pages_one_order_and_errors() -> None:
    _, whole = ps_query({**cone(*M31, 0.3), "columns": ["objID"], "sort_by": ["objID"]})
    pages = [
        ps_query({**cone(*M31, 0.3), "columns": ["objID"], "sort_by": ["objID"], "pagesize": 7,
                  "page": p})[1]["data"]
        for p in (1, 2)
    ]  # fmt: skip
    assert pages[0] + pages[1] == whole["data"][:14]
    assert ps_query({**cone(*M31, 0.1), "nope.gt": 1})[0] == 400
    assert ps_query({**cone(*M31, 0.1)}, table="nope")[0] == 400
    assert ps_query({**cone(*M31, 0.1)}, release="dr1", table="detection")[0] == 400
    empty = ps_query({**cone(0.0, -89.99, 0.0001)})[1]
    assert empty["data"] == [] and empty["info"]


def test_panstarrs_scale_knob_pages_fifty_thousand_rows() -> None:
    catalog = PanstarrsCatalog(SEED, 50_000)
    params = {**cone(*M31, 0.2), "columns": ["objID", "raMean"], "pagesize": 20_000}

    def query(page: int) -> Any:
        return json.loads(catalog.query("dr2", "mean", {**params, "page": page}).read())

    sizes = [len(query(page)["data"]) for page in (1, 2, 3)]
    assert sizes == [20_000, 20_000, 10_000]
    assert table_schema("dr2", "mean").null_marker == -999.0


def test_catalog_routes_over_http(emulator: EmulatorServer) -> None:
    url = emulator.url
    body = {"service": "Mast.Catalogs.Tic.Cone", "params": cone(*L98_59, 0.01), "format": "json"}
    invoke_reply = requests.post(
        f"{url}/api/v0/invoke",
        data="request=" + quote(json.dumps(body)),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert invoke_reply.json()["data"][0]["ID"] == 307210830
    meta = requests.get(f"{url}/api/v0.1/panstarrs/dr2/stack/metadata.json", timeout=30)
    assert meta.status_code == 200 and {"column_name", "db_type", "description"} <= set(
        meta.json()[0]
    )
    ps = requests.post(
        f"{url}/api/v0.1/panstarrs/dr1/mean.json",
        json={**cone(*M31, 0.1), "columns": ["objID"]},
        timeout=30,
    )
    assert ps.status_code == 200 and ps.json()["data"]
    bad = requests.post(f"{url}/api/v0.1/panstarrs/dr2/mean.json", data=b"{not json", timeout=30)
    assert bad.status_code == 400
    assert (
        requests.get(f"{url}/portal/Download/stage/anonymous/public/x/y.sh", timeout=30).status_code
        == 404
    )


def test_hla_spectrum_paths_serve_fits(emulator: EmulatorServer) -> None:
    url = emulator.url
    by_dataset = requests.get(f"{url}/cgi-bin/getdata.cgi?config=ops&dataset=HAG_J1_V01.SPEC1D",
                              timeout=30)  # fmt: skip
    by_file = requests.get(f"{url}/cgi-bin/ecfproxy?file_id=HAG_J1_V01.SPEC1D.fits", timeout=30)
    assert by_dataset.status_code == by_file.status_code == 200
    assert by_dataset.content == by_file.content and by_dataset.content.startswith(b"SIMPLE")
    head = requests.head(f"{url}/cgi-bin/ecfproxy?file_id=HAG_J1_V01.SPEC1D.fits", timeout=30)
    assert head.headers["Content-Length"] == str(len(by_file.content))
    assert requests.get(f"{url}/cgi-bin/getdata.cgi", timeout=30).status_code == 400
