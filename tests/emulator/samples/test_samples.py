"""Recorded samples: exact requests replay them byte for byte; near misses do not; and the
synthetic emulator answers every Portal request a sample records with the sample's fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests

from mastcache.emulator import EmulatorServer, start
from mastcache.emulator.samples.recorded import DATA_DIR, load_json
from mastcache.emulator.samples.replay import MISSION_SEARCH, OSTEN_FILTERS, PANSTARRS_QUERY, match

NOT_REPLAYED = {"README.md", "resolver.json", "columnsconfig.json", "bundleResponse.json"}
REGION = {"ra": 23.34086, "dec": 60.658}
M101 = "210.802429, 54.34875, 0.2"
M10 = {"ra": 254.28771, "dec": -4.10031}
M8 = "270.92194, -24.38017, 0.2"


@dataclass(frozen=True)
class Recorded:
    """A request as astroquery 0.4.11 sends it, and the sample that answers it."""

    filename: str
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    body: bytes = b""


def portal(filename: str, service: str, params: dict[str, Any], **extra: Any) -> Recorded:
    request = {
        "service": service,
        "params": params,
        "format": "json",
        "pagesize": 50000,
        "page": 1,
        **extra,
        "cacheBreaker": "5f0c",
    }
    body = b"request=" + quote(json.dumps(request)).encode()
    return Recorded(filename, "POST", "/api/v0/invoke", body=body)


def form(filename: str, path: str, fields: dict[str, Any]) -> Recorded:
    return Recorded(filename, "POST", path, body=urlencode(fields).encode())


def get(filename: str, path: str, fields: dict[str, Any]) -> Recorded:
    return Recorded(filename, "GET", path, query={k: [str(v)] for k, v in fields.items()})


def post_json(filename: str, path: str, body: Any) -> Recorded:
    return Recorded(filename, "POST", path, body=json.dumps(body).encode())


COUNT = "COUNT_BIG(*)"
HSC = {**REGION, "radius": 0.002, "nr": 50000, "ni": 1, "magtype": 1}
TIC = {
    "columns": "*",
    "filters": [
        {"paramName": "Bmag", "values": [{"min": 30, "max": 50}]},
        {"paramName": "objType", "values": ["STAR"]},
    ],
}
TESS = {"x": 5, "y": 5, "units": "px", "ra": 107.27, "dec": -70.0}
ZCUT = {"ra": 189.49206, "dec": 62.20615, "y": 100, "x": 100, "units": "px"}
RECORDED = [
    portal("caom.json", "Mast.Caom.Cone", {**REGION, "radius": 0.2}),
    portal("advSearch.json", "Mast.Caom.Filtered", {"columns": "*", "filters": OSTEN_FILTERS}),
    portal(
        "advSearchPos.json",
        "Mast.Caom.Filtered.Position",
        {
            "columns": "*",
            "position": M101,
            "filters": [{"paramName": "filters", "separator": ";", "values": ["NUV", "FUV"]}],
        },
    ),
    portal(
        "countsResp.json",
        "Mast.Caom.Filtered",
        {"columns": COUNT, "filters": list(reversed(OSTEN_FILTERS))},
    ),
    portal(
        "countsResp.json",
        "Mast.Caom.Filtered.Position",
        {"columns": COUNT, "filters": [], "position": "23.34086, 60.658, 0.2"},
    ),
    portal(
        "countsResp.json",
        "Mast.Caom.Filtered.Position",
        {"columns": COUNT, "filters": [], "position": M8},
    ),
    portal("products.json", "Mast.Caom.Products", {"obsid": "2003738726"}),
    portal("missions.extjs", "Mast.Caom.All", {}, format="extjs"),
    portal("ticcolumns_filtered.json", "Mast.Catalogs.All.Tic", {}, format="extjs"),
    portal("ddcolumns_filtered.json", "Mast.Catalogs.All.DiskDetective", {}, format="extjs"),
    portal("hsc.json", "Mast.Hsc.Db.v3", HSC, use_json=False),
    portal("hsc.json", "Mast.Galex.Catalog", {**REGION, "radius": 0.002, "maxrecords": 50000}),
    portal("hsc.json", "Mast.Catalogs.GaiaDR2.Cone", {**REGION, "radius": 0.002}),
    portal("tic.json", "Mast.Catalogs.Filtered.Tic.Rows", TIC),
    portal("tic.json", "Mast.Catalogs.Filtered.Ctl.Rows", TIC),
    portal(
        "dd.json",
        "Mast.Catalogs.Filtered.DiskDetective.Position",
        {**M10, "radius": 2.0, "filters": [{"paramName": "state", "values": ["complete"]}]},
    ),
    portal("matchid.json", "Mast.HscMatches.Db.v3", {"input": "82371983"}),
    portal("spectra.json", "Mast.HscSpectra.Db.All", {}),
    form(
        "ticcolumns.json",
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        {"colConfigId": "Mast.Catalogs.Tess.Cone"},
    ),
    form(
        "ddcolumns.json",
        "/portal/Mashup/Mashup.asmx/columnsconfig",
        {"colConfigId": "Mast.Catalogs.Dd.Cone"},
    ),
    get("mission_columns.json", "/search/util/api/v0.1/column_list", {"mission": "hst"}),
    post_json("mission_results.json", "/search/hst/api/v0.1/search", MISSION_SEARCH),
    post_json(
        "mission_products.json",
        "/search/hst/api/v0.1/post_list_products",
        {"dataset_ids": ["Z14Z0104T"]},
    ),
    get("panstarrs_columns.json", "/api/v0.1/panstarrs/dr2/mean/metadata.json", {}),
    post_json("panstarrs.json", "/api/v0.1/panstarrs/dr2/mean.json", PANSTARRS_QUERY),
    form(
        "tess_sector.json",
        "/tesscut/api/v0.1/sector",
        {"ra": 324.24368, "dec": -27.01029, "radius": 0.0},
    ),
    form("astrocut_107.27_-70.0_5x5.zip", "/tesscut/api/v0.1/astrocut", TESS),
    get("astrocut_107.27_-70.0_5x5.zip", "/tesscut/api/v0.1/astrocut", TESS),
    form(
        "zcut_survey.json",
        "/zcut/api/v0.1/survey",
        {"ra": 189.49206, "dec": 62.20615, "radius": 0.2},
    ),
    get(
        "astrocut_189.49206_62.20615_100x100px.zip",
        "/zcut/api/v0.1/astrocut",
        {**ZCUT, "format": "jpg"},
    ),
    get(
        "astrocut_189.49206_62.20615_100x100px_f.zip",
        "/zcut/api/v0.1/astrocut",
        {**ZCUT, "format": "fits"},
    ),
    get(
        "mast_relative_path.json",
        "/api/v0.1/path_lookup/",
        {"uri": "mast:HST/product/u9o40504m_c3m.fits"},
    ),
]
NEAR_MISSES = [
    portal("", "Mast.Caom.Cone", {**REGION, "radius": 0.21}),
    portal("", "Mast.Caom.Products", {"obsid": "2003738726,3000007760"}),
    portal("", "Mast.Caom.Filtered", {"columns": "*", "filters": OSTEN_FILTERS[:2]}),
    form("", "/tesscut/api/v0.1/astrocut", {**TESS, "x": 6}),
    get("", "/search/util/api/v0.1/column_list", {"mission": "jwst"}),
    get("", "/api/v0.1/path_lookup/", {"uri": "mast:HST/product/other.fits"}),
    Recorded("", "GET", "/api/v0/invoke", body=RECORDED[0].body),
]


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: f"{r.filename}:{r.path}")
def test_exact_requests_replay_the_sample(recorded: Recorded) -> None:
    reply = match(recorded.method, recorded.path, recorded.query, recorded.body)
    assert reply is not None and reply.status == 200
    body = reply.read()
    if recorded.filename == "mast_relative_path.json":
        uri = recorded.query["uri"][0]
        assert json.loads(body) == {uri: load_json(recorded.filename)[uri]}
    else:
        assert body == (DATA_DIR / recorded.filename).read_bytes()


@pytest.mark.parametrize("recorded", NEAR_MISSES, ids=lambda r: r.path)
def test_other_requests_are_not_replayed(recorded: Recorded) -> None:
    assert match(recorded.method, recorded.path, recorded.query, recorded.body) is None


def test_every_sample_file_is_replayed_or_deliberately_not() -> None:
    files = {p.name for p in DATA_DIR.iterdir()}
    covered = {r.filename for r in RECORDED}
    assert files == covered | NOT_REPLAYED
    assert (Path(DATA_DIR) / "README.md").read_text().count("astroquery") > 0


@pytest.fixture(scope="module")
def synthetic() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0, use_samples=False) as server:
        yield server


@pytest.fixture(scope="module")
def replaying() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0) as server:
        yield server


def send(server: EmulatorServer, recorded: Recorded) -> requests.Response:
    url = server.url + recorded.path
    query = {k: v for k, v in recorded.query.items()}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if recorded.body.startswith((b"{", b"[")):
        headers = {"Content-Type": "application/json"}
    return requests.request(
        recorded.method, url, params=query, data=recorded.body or None, headers=headers, timeout=30
    )


@pytest.mark.parametrize("recorded", RECORDED, ids=lambda r: f"{r.filename}:{r.path}")
def test_samples_replay_over_http(replaying: EmulatorServer, recorded: Recorded) -> None:
    response = send(replaying, recorded)
    assert response.status_code == 200
    if recorded.filename != "mast_relative_path.json":
        assert response.content == (DATA_DIR / recorded.filename).read_bytes()


CAOM_SAMPLES = [
    r
    for r in RECORDED
    if r.path == "/api/v0/invoke" and (b"Mast.Caom" in r.body or b"Mast.Catalogs.All" in r.body)
]


def fields_of(payload: Any) -> dict[str, str]:
    """name -> type of a Portal reply (json or extjs)."""
    data = payload["data"]
    fields = data["Tables"][0]["Fields"] if isinstance(data, dict) else payload["fields"]
    return {f["name"]: f["type"] for f in fields}


@pytest.mark.parametrize("recorded", CAOM_SAMPLES, ids=lambda r: r.filename)
def test_synthetic_answers_carry_the_sample_fields(
    synthetic: EmulatorServer, recorded: Recorded
) -> None:
    response = send(synthetic, recorded)
    assert response.status_code == 200
    payload = response.json()
    assert payload["status"] == "COMPLETE", payload.get("msg")
    expected = fields_of(load_json(recorded.filename))
    actual = fields_of(payload)
    assert {name: actual.get(name) for name in expected} == expected


def test_synthetic_columnsconfig_covers_the_recorded_one(synthetic: EmulatorServer) -> None:
    recorded = load_json("columnsconfig.json")
    response = send(
        synthetic,
        form("", "/portal/Mashup/Mashup.asmx/columnsconfig", {"colConfigId": "Mast.Caom.Cone"}),
    )
    config = response.json()
    assert {name: config.get(name) for name in recorded} == recorded


def test_path_lookup_replays_several_uris(replaying: EmulatorServer) -> None:
    response = requests.get(
        replaying.url + "/api/v0.1/path_lookup/",
        timeout=30,
        params=[
            ("uri", "mast:HST/product/u9o40504m_c3m.fits"),
            ("uri", "mast:HST/product/does_not_exist.fits"),
        ],
    )
    assert response.json() == load_json("mast_relative_path.json")
