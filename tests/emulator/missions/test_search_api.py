"""The MAST Search API of the emulator (missions): search, column_list, post_list_products and
retrieve_product, directly and over HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from mastcache.emulator import EmulatorServer
from mastcache.emulator.missions.columns import mission_columns
from mastcache.emulator.missions.rows import mission_table
from mastcache.emulator.missions.service import MissionSearch
from mastcache.emulator.samples.recorded import load_json
from mastcache.emulator.sky.fitsgen import product_size
from mastcache.emulator.sky.observations import sky_for_seed

SEED = 11
M31 = "10.68471 41.26875"


@pytest.fixture(scope="module")
def missions() -> MissionSearch:
    return MissionSearch(SEED)


def search(missions: MissionSearch, body: dict[str, Any], mission: str = "hst") -> Any:
    reply = missions.search(mission, json.dumps(body).encode())
    return reply.status, json.loads(reply.read())


def region(radius: float = 600.0, **extra: Any) -> dict[str, Any]:
    body = {"target": [M31], "radius": radius, "radius_units": "arcseconds", "limit": 5000}
    body.update({"offset": 0, "select_cols": None, **extra})
    return body


def test_hst_column_list_is_the_recorded_one(missions: MissionSearch) -> None:
    listed = json.loads(missions.column_list("hst").read())
    assert listed == load_json("mission_columns.json")
    jwst = json.loads(missions.column_list("JWST").read())
    assert {"fileSetName", "program", "targprop", "instrume"} <= {e["column_name"] for e in jwst}
    assert all({"column_name", "qual_type", "description"} <= set(e) for e in jwst)
    assert missions.column_list("nope").status == 400


def test_region_search_agrees_with_the_caom_sky(missions: MissionSearch) -> None:
    status, body = search(missions, region())
    assert status == 200 and body["results"]
    names = [i["name"] for i in body["info"]]
    assert names[0] == "sci_data_set_name" and "search_key" in names
    assert {i["type"] for i in body["info"]} <= {"VARCHAR", "FLOAT", "INTEGER", "DATETIME"}
    assert "search_pos" not in names and "ang_sep" not in names
    assert all({"search_pos", "ang_sep"} <= set(row) for row in body["results"])
    sky = sky_for_seed(SEED)
    hst_ids = {
        str(sky.row(m.index)["obs_id"]).upper()
        for m in sky.cone(10.68471, 41.26875, 600 / 3600)
        if sky.row(m.index)["obs_collection"] == "HST"
    }
    found = {row["sci_data_set_name"] for row in body["results"]}
    assert found and found <= hst_ids
    assert body["totalResults"] == len(body["results"])
    separations = [row["ang_sep"] for row in body["results"]]
    assert separations == sorted(separations) and max(separations) <= 10.0


def test_select_cols_conditions_sort_and_limit(missions: MissionSearch) -> None:
    body = {
        "limit": 5, "offset": 2, "select_cols": ["sci_pep_id", "sci_actual_duration"],
        "conditions": [{"sci_actual_duration": "100..2000"}, {"sci_instrume": "WFC3,ACS"}],
        "sort_by": ["sci_actual_duration"], "sort_desc": [True],
    }  # fmt: skip
    status, reply = search(missions, body)
    assert status == 200 and len(reply["results"]) == 5 and reply["totalResults"] > 7
    durations = [row["sci_actual_duration"] for row in reply["results"]]
    assert durations == sorted(durations, reverse=True)
    assert all(100 <= d <= 2000 for d in durations)
    assert [i["name"] for i in reply["info"]] == ["sci_pep_id", "sci_actual_duration", "search_key"]
    everything = search(missions, {**body, "limit": 5000, "offset": 0})[1]["results"]
    assert reply["results"] == everything[2:7]


def test_condition_forms(missions: MissionSearch) -> None:
    table = mission_table(SEED, "hst")
    wfc3 = sum(1 for row in table.rows if row["sci_instrume"] == "WFC3")
    assert 0 < wfc3 < len(table.rows)
    cases = {
        "WFC3": wfc3,
        "wfc*": wfc3,
        "!WFC3": len(table.rows) - wfc3,
    }
    for value, expected in cases.items():
        _, body = search(missions, {"conditions": [{"sci_instrume": value}]})
        assert body["totalResults"] == expected, value
    _, late = search(missions, {"conditions": [{"sci_start_time": ">=2015-01-01"}]})
    assert late["results"] and all(r["sci_start_time"] >= "2015-01-01" for r in late["results"])
    _, ranged = search(
        missions, {"conditions": [{"sci_pep_id": ">=5000"}, {"sci_pep_id": "!6000"}]}
    )
    assert all(r["sci_pep_id"] >= 5000 for r in ranged["results"])


def test_jwst_search_and_defaults(missions: MissionSearch) -> None:
    status, body = search(missions, {"conditions": [{"program": "1000..9000"}]}, "jwst")
    assert status == 200 and body["results"]
    names = [i["name"] for i in body["info"]]
    assert "fileSetName" in names and "targ_ra" in names
    assert body["search_params"]["sort_by"] == ["fileSetName"]


@pytest.mark.parametrize(
    "body",
    [
        {"conditions": [{"no_such_column": "1"}]},
        {"conditions": [{"sci_pep_id": "abc"}]},
        {"conditions": [{"sci_start_time": ">yesterday"}]},
        {"select_cols": ["nope"]},
        {"sort_by": ["nope"]},
        {"limit": -1},
        {"target": ["no such object anywhere"], "radius": 3},
        {"target": [M31], "radius": 3, "radius_units": "furlongs"},
        {"unknown_key": 1},
    ],
)
def test_bad_parameters_get_http_400(missions: MissionSearch, body: dict[str, Any]) -> None:
    status, reply = search(missions, body)
    assert status == 400 and reply["detail"]


def test_zero_results_still_carry_info(missions: MissionSearch) -> None:
    status, body = search(missions, {**region(1.0), "target": ["0.5 -89.9"]})
    assert status == 200 and body["results"] == [] and body["totalResults"] == 0
    assert body["info"]


def test_named_targets_resolve(missions: MissionSearch) -> None:
    by_name = search(missions, {**region(), "target": ["M31"]})[1]["results"]
    assert by_name and by_name[0]["search_pos"] == "M31"


def test_products_of_datasets(missions: MissionSearch) -> None:
    _, body = search(missions, region())
    datasets = [row["sci_data_set_name"] for row in body["results"][:2]]
    reply = missions.products("hst", json.dumps({"dataset_ids": [*datasets, "NOPE"]}).encode())
    products = json.loads(reply.read())["products"]
    keys = set(load_json("mission_products.json")["products"][0])
    assert products and all(set(p) == keys for p in products)
    assert {p["dataset"] for p in products} == set(datasets)
    first = products[0]
    assert first["uri"] == f"{first['dataset']}/{first['filename']}"
    assert first["size"] == product_size(f"mast:HST/product/{first['filename']}")
    assert missions.products("hst", b'{"dataset_ids": []}').status == 400


def test_mission_columns_cover_every_row_key() -> None:
    for mission in ("hst", "jwst"):
        columns = set(mission_columns(mission).names)
        row = mission_table(SEED, mission).rows[0]
        assert set(row) <= columns


def test_search_api_over_http(emulator: EmulatorServer) -> None:
    url = emulator.url
    listed = requests.get(f"{url}/search/util/api/v0.1/column_list?mission=jwst", timeout=30)
    assert listed.status_code == 200 and listed.json()
    found = requests.post(f"{url}/search/hst/api/v0.1/search", json=region(), timeout=30).json()
    dataset = found["results"][0]["sci_data_set_name"]
    products = requests.post(
        f"{url}/search/hst/api/v0.1/post_list_products", json={"dataset_ids": [dataset]}, timeout=30
    ).json()["products"]
    product = products[0]
    fetched = requests.get(
        f"{url}/search/hst/api/v0.1/retrieve_product",
        params={"product_name": product["uri"]},
        timeout=30,
    )
    assert fetched.status_code == 200 and len(fetched.content) == product["size"]
    assert fetched.headers["Content-Length"] == str(product["size"])
    ranged = requests.get(
        f"{url}/search/hst/api/v0.1/retrieve_product",
        params={"product_name": product["uri"]},
        headers={"Range": "bytes=0-99"},
        timeout=30,
    )
    assert ranged.status_code == 206 and ranged.content == fetched.content[:100]
    bad = requests.post(f"{url}/search/hst/api/v0.1/search", data=b"{oops", timeout=30)
    assert bad.status_code == 400
    missing = requests.get(f"{url}/search/hst/api/v0.1/retrieve_product", timeout=30)
    assert missing.status_code == 400
