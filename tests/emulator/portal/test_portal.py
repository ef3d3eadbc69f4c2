"""PortalService: real query semantics, paging, errors, EXECUTING polls, configs, scale."""

from __future__ import annotations

import json
import re
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mastcache.emulator.portal.service import PortalService
from mastcache.emulator.samples.recorded import load_json
from mastcache.emulator.sky.columns import OBSERVATION_COLUMNS, PRODUCT_COLUMNS
from mastcache.emulator.sky.observations import sky_for_seed

SEED = 7
M101 = (210.80227, 54.34895)
ALLOWED_TYPES = {
    "char",
    "string",
    "date",
    "datetime",
    "double",
    "float",
    "decimal",
    "int",
    "short",
    "long",
    "number",
    "boolean",
    "binary",
    "unsignedbyte",
}


@dataclass(frozen=True)
class Knobs:
    seed: int = SEED
    rows: int | None = None
    executing_polls: int = 0


@pytest.fixture(scope="module")
def portal() -> PortalService:
    return PortalService(Knobs())


def invoke(portal: PortalService, service: str, params: dict[str, Any], **extra: Any) -> Any:
    request = {
        "service": service,
        "params": params,
        "format": "json",
        "pagesize": 50000,
        "page": 1,
        **extra,
    }
    reply = portal.invoke({"request": json.dumps(request)})
    assert reply.status == 200
    return json.loads(reply.read())


def cone(portal: PortalService, radius: float = 0.5, **extra: Any) -> Any:
    params = {"ra": M101[0], "dec": M101[1], "radius": radius}
    return invoke(portal, "Mast.Caom.Cone", params, **extra)


def filtered(portal: PortalService, *filters: dict[str, Any], **params: Any) -> Any:
    body = {"columns": "*", "filters": list(filters), **params}
    service = "Mast.Caom.Filtered.Position" if "position" in params else "Mast.Caom.Filtered"
    result = invoke(portal, service, body)
    assert result["status"] == "COMPLETE", result["msg"]
    return result


def test_cone_returns_caom_columns_with_distance(portal: PortalService) -> None:
    result = cone(portal)
    names = [f["name"] for f in result["fields"]]
    assert names == [*OBSERVATION_COLUMNS, "distance", "_selected_"]
    assert {f["type"] for f in result["fields"]} <= ALLOWED_TYPES
    assert result["data"] and all(list(row) == names for row in result["data"])
    assert all(0 <= row["distance"] <= 1800 for row in result["data"])
    assert result["paging"]["rowsFiltered"] == len(result["data"])


def test_pages_slice_one_stable_ordering(portal: PortalService) -> None:
    whole = cone(portal, 1.0)["data"]
    pages = [cone(portal, 1.0, pagesize=7, page=p) for p in range(1, 100)]
    total = pages[0]["paging"]["pagesFiltered"]
    assert total == -(-len(whole) // 7) and total > 2
    joined = [row for page in pages[:total] for row in page["data"]]
    assert joined == whole
    assert pages[1]["paging"] == {
        "page": 2,
        "pageSize": 7,
        "pagesFiltered": total,
        "rows": 7,
        "rowsFiltered": len(whole),
        "rowsTotal": len(whole),
    }
    assert pages[total]["data"] == [] and pages[total]["paging"]["rows"] == 0


def test_value_list_and_range_filters(portal: PortalService) -> None:
    result = filtered(
        portal,
        {"paramName": "obs_collection", "values": ["HST", "JWST"]},
        {"paramName": "t_exptime", "values": [{"min": 100, "max": 2000}]},
        {"paramName": "CALIB_LEVEL", "values": [2, 3]},
    )
    assert result["data"]
    for row in result["data"]:
        assert row["obs_collection"] in {"HST", "JWST"}
        assert 100 <= row["t_exptime"] <= 2000 and row["calib_level"] in {2, 3}
    every = sky_for_seed(SEED)
    expected = sum(
        1
        for r in map(every.row, range(len(every)))
        if r["obs_collection"] in {"HST", "JWST"}
        and 100 <= r["t_exptime"] <= 2000
        and r["calib_level"] in {2, 3}
    )
    assert len(result["data"]) == expected


def test_free_text_wildcards_and_separated_values(portal: PortalService) -> None:
    pis = filtered(portal, {"paramName": "proposal_pi", "values": [], "freeText": "Ri%"})
    assert pis["data"] and all(r["proposal_pi"].lower().startswith("ri") for r in pis["data"])
    classes = filtered(
        portal, {"paramName": "target_classification", "separator": ";", "values": ["OPEN CLUSTER"]}
    )
    assert classes["data"]
    assert all("OPEN CLUSTER" in r["target_classification"].split(";") for r in classes["data"])


def test_date_ranges_accept_mjd_and_iso(portal: PortalService) -> None:
    by_mjd = filtered(portal, {"paramName": "t_min", "values": [{"min": 58849, "max": 59215}]})
    by_iso = filtered(
        portal, {"paramName": "t_min", "values": [{"min": "2020-01-01", "max": "2021-01-01"}]}
    )
    assert by_mjd["data"] == by_iso["data"] and by_mjd["data"]
    assert all(58849 <= r["t_min"] <= 59215 for r in by_mjd["data"])


def test_filtered_position_combines_cone_and_filters(portal: PortalService) -> None:
    position = f"{M101[0]}, {M101[1]}, 0.5"
    result = filtered(
        portal, {"paramName": "dataproduct_type", "values": ["image"]}, position=position
    )
    names = [f["name"] for f in result["fields"]]
    assert names[-2:] == ["objID1", "distance"]
    near = {r["obsid"] for r in cone(portal)["data"] if r["dataproduct_type"] == "image"}
    assert {r["obsid"] for r in result["data"]} == near


def test_counts_and_column_selection(portal: PortalService) -> None:
    flt = [{"paramName": "obs_collection", "values": ["TESS"]}]
    full = filtered(portal, *flt)
    count = invoke(portal, "Mast.Caom.Filtered", {"columns": "COUNT_BIG(*)", "filters": flt})
    assert count["fields"] == [{"name": "Column1", "type": "string"}]
    assert count["data"] == [{"Column1": len(full["data"])}]
    some = invoke(portal, "Mast.Caom.Filtered", {"columns": "obsid, s_ra,s_dec", "filters": flt})
    assert [f["name"] for f in some["fields"]] == ["obsid", "s_ra", "s_dec"]
    assert list(some["data"][0]) == ["obsid", "s_ra", "s_dec"]


def test_products_for_obsids_in_order(portal: PortalService) -> None:
    rows = cone(portal)["data"][:3]
    obsids = [str(r["obsid"]) for r in rows]
    result = invoke(portal, "Mast.Caom.Products", {"obsid": ",".join(reversed(obsids))})
    assert [f["name"] for f in result["fields"]] == list(PRODUCT_COLUMNS)
    parents = [str(p["parent_obsid"]) for p in result["data"]]
    assert list(dict.fromkeys(parents)) == list(reversed(obsids))
    assert all(p["dataURI"].startswith("mast:") for p in result["data"])


@pytest.mark.parametrize(
    ("request_text", "message"),
    [
        (json.dumps({"service": "Mast.Nope", "params": {}}), "Unknown service 'Mast.Nope'"),
        ("{not json", "not valid JSON"),
        (json.dumps({"service": "Mast.Caom.Cone", "params": {"ra": 1, "dec": 2}}), "'radius'"),
        (
            json.dumps({"service": "Mast.Caom.Cone", "params": {"ra": 1, "dec": 99, "radius": 1}}),
            "'dec'",
        ),
        (
            json.dumps(
                {
                    "service": "Mast.Caom.Filtered",
                    "params": {
                        "columns": "*",
                        "filters": [{"paramName": "nosuch", "values": ["x"]}],
                    },
                }
            ),
            "nosuch",
        ),
        (
            json.dumps(
                {"service": "Mast.Caom.Filtered", "params": {"columns": "bogus", "filters": []}}
            ),
            "bogus",
        ),
        (json.dumps({"service": "Mast.Caom.Products", "params": {"obsid": "U27XCS01T"}}), "obs_id"),
        (
            json.dumps(
                {"service": "Mast.Caom.Cone", "params": {"ra": 1, "dec": 2, "radius": 1}, "page": 0}
            ),
            "'page'",
        ),
    ],
)
def test_bad_requests_get_mast_error_status(
    portal: PortalService, request_text: str, message: str
) -> None:
    reply = portal.invoke({"request": request_text})
    body = json.loads(reply.read())
    assert reply.status == 200 and body["status"] == "ERROR"
    assert message in body["msg"]


def test_executing_then_complete_per_cache_breaker() -> None:
    portal = PortalService(Knobs(executing_polls=2))
    statuses = [cone(portal, cacheBreaker="a")["status"] for _ in range(4)]
    assert statuses == ["EXECUTING", "EXECUTING", "COMPLETE", "COMPLETE"]
    assert cone(portal, cacheBreaker="b")["status"] == "EXECUTING"
    assert cone(portal, cacheBreaker="a", page=2, pagesize=1)["status"] == "COMPLETE"


def test_remove_null_columns(portal: PortalService) -> None:
    flt = [{"paramName": "obs_collection", "values": ["GALEX"]}]
    body = {"columns": "*", "filters": flt}
    result = invoke(portal, "Mast.Caom.Filtered", body, removenullcolumns=True)
    names = {f["name"] for f in result["fields"]}
    assert "proposal_pi" not in names and "obs_id" in names
    assert all(set(row) == names for row in result["data"])


def test_extjs_format_wraps_rows_in_tables(portal: PortalService) -> None:
    result = cone(portal, format="extjs", pagesize=3)
    table = result["data"]["Tables"][0]
    assert table["ExtendedProperties"]["Paging"]["rows"] == 3
    assert [f["name"] for f in table["Fields"]][:2] == ["intentType", "obs_collection"]
    assert len(table["Rows"]) == 3 and len(table["Rows"][0]) == len(table["Fields"])


def test_caom_all_counts_missions_of_the_sky(portal: PortalService) -> None:
    result = invoke(portal, "Mast.Caom.All", {}, format="extjs")
    columns = {c["text"]: c for c in result["data"]["Tables"][0]["Columns"]}
    hist = columns["obs_collection"]["ExtendedProperties"]["histObj"]
    sky = sky_for_seed(SEED)
    assert {k for k in hist if k != "hist"} == {r[1] for r in sky.rows}
    assert sum(entry["count"] for entry in hist["hist"]) == len(sky)
    assert columns["s_ra"]["ExtendedProperties"]["histObj"]["type"] == "numeric"


@pytest.mark.parametrize(
    ("service", "sample"),
    [
        ("Mast.Catalogs.All.Tic", "ticcolumns_filtered.json"),
        ("Mast.Catalogs.All.DiskDetective", "ddcolumns_filtered.json"),
    ],
)
def test_catalog_histograms_are_the_recorded_ones(
    portal: PortalService, service: str, sample: str
) -> None:
    result = invoke(portal, service, {}, format="extjs")
    assert result == load_json(sample)
    assert "discreteHistogram" in result["data"]["Tables"][0]["ExtendedProperties"]


def test_columnsconfig_extends_the_recorded_caom_config(portal: PortalService) -> None:
    recorded = load_json("columnsconfig.json")
    for service in ("Mast.Caom.Cone", "Mast.Caom.Filtered", "Mast.Caom.Filtered.Position"):
        config = json.loads(portal.columnsconfig({"colConfigId": service}).read())
        assert {k: config[k] for k in recorded} == recorded
        assert set(OBSERVATION_COLUMNS) <= set(config)
    products = json.loads(portal.columnsconfig({"colConfigId": "Mast.Caom.Products"}).read())
    assert set(PRODUCT_COLUMNS) <= set(products)
    assert json.loads(portal.columnsconfig({"colConfigId": "Mast.Hsc.Db.v3"}).read()) == {}
    assert portal.columnsconfig({}).status == 400


def test_scale_knob_returns_exactly_n_rows_inside_the_cone() -> None:
    portal = PortalService(Knobs(rows=2500))
    page = cone(portal, 0.3, pagesize=1000, page=3)
    assert page["paging"]["rowsFiltered"] == 2500 and page["paging"]["rows"] == 500
    assert page["paging"]["pagesFiltered"] == 3
    assert all(r["distance"] <= 0.3 * 3600 for r in page["data"])
    count = invoke(
        portal,
        "Mast.Caom.Filtered",
        {
            "columns": "COUNT_BIG(*)",
            "filters": [{"paramName": "obs_collection", "values": ["HST"]}],
        },
    )
    assert count["data"] == [{"Column1": 2500}]
    products = invoke(portal, "Mast.Caom.Products", {"obsid": str(page["data"][0]["obsid"])})
    assert products["data"]


def test_reply_streams_in_chunks() -> None:
    portal = PortalService(Knobs(rows=3000))
    request = {
        "service": "Mast.Caom.Cone",
        "params": {"ra": 1.0, "dec": 1.0, "radius": 0.1},
        "format": "json",
        "pagesize": 3000,
        "page": 1,
    }
    reply = portal.invoke({"request": json.dumps(request)})
    chunks = list(reply.body)
    assert len(chunks) > 3
    assert re.match(rb'\{"status":"COMPLETE"', chunks[0])
    assert len(json.loads(b"".join(chunks))["data"]) == 3000


def stream_page(portal: PortalService, page: int, pagesize: int) -> tuple[int, int, bytes]:
    """Read one scaled cone page chunk by chunk: (bytes, traced peak bytes, tail)."""
    request = {
        "service": "Mast.Caom.Cone",
        "params": {"ra": 150.0, "dec": 2.2, "radius": 0.5},
        "format": "json",
        "pagesize": pagesize,
        "page": page,
    }
    tracemalloc.start()
    try:
        total, tail = 0, b""
        for chunk in portal.invoke({"request": json.dumps(request)}).body:
            total, tail = total + len(chunk), (tail + chunk)[-2000:]
        return total, tracemalloc.get_traced_memory()[1], tail
    finally:
        tracemalloc.stop()


def test_memory_per_page_does_not_grow_with_the_page() -> None:
    portal = PortalService(Knobs(rows=1_000_000))
    stream_page(portal, 1, 1000)  # warm-up: imports and caches
    small_bytes, small_peak, tail = stream_page(portal, 1000, 1000)
    large_bytes, large_peak, _ = stream_page(portal, 100, 6000)
    paging = json.loads(re.search(rb'"paging":(\{[^}]*\})', tail).group(1))  # type: ignore[union-attr]
    assert paging == {
        "page": 1000,
        "pageSize": 1000,
        "pagesFiltered": 1000,
        "rows": 1000,
        "rowsFiltered": 1_000_000,
        "rowsTotal": 1_000_000,
    }
    assert large_bytes > 5 * small_bytes
    assert large_peak < 1.5 * small_peak
    assert large_peak < large_bytes  # never the whole page in memory


def peak_rss_kib() -> int:
    """This process's peak resident set size (VmHWM), in KiB."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE).group(1))  # type: ignore[union-attr]


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_million_row_cone_streams_every_page_in_flat_memory() -> None:
    portal = PortalService(Knobs(rows=1_000_000))
    request = {
        "service": "Mast.Caom.Cone",
        "params": {"ra": 150.0, "dec": 2.2, "radius": 0.5},
        "format": "json",
        "pagesize": 50_000,
    }
    peaks, rows = [], 0
    for page in range(1, 21):
        body = json.dumps({**request, "page": page})
        tail = b""
        for chunk in portal.invoke({"request": body}).body:
            tail = (tail + chunk)[-2000:]
        rows += json.loads(re.search(rb'"paging":(\{[^}]*\})', tail).group(1))["rows"]  # type: ignore[union-attr]
        peaks.append(peak_rss_kib())
    assert rows == 1_000_000
    assert peaks[-1] - peaks[0] < 32 * 1024  # the peak stops growing after the first page
