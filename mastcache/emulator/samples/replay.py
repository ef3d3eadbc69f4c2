"""Exact-match replay of the recorded MAST responses in `data/` (see data/README.md for
provenance). `match` answers only a request that is exactly the one a sample records;
anything else returns None and is answered by the synthetic emulator.

Not replayed on purpose: the Mast.Caom.Cone columnsconfig (the Portal serves a superset with
today's live columns) and the SANTA resolver sample (the resolver owns those entries).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from mastcache.emulator.reply import JSON_TYPE, Reply
from mastcache.emulator.samples.compare import (
    form_fields,
    json_body,
    portal_request,
    same,
    same_fields,
    same_param,
)
from mastcache.emulator.samples.recorded import DATA_DIR, load_json

INVOKE: Final = "/api/v0/invoke"
COLUMNS_CONFIG: Final = "/portal/Mashup/Mashup.asmx/columnsconfig"
Query = Mapping[str, list[str]]
Matcher = Callable[[Query, bytes], bool]


@dataclass(frozen=True)
class Sample:
    """One recorded response and the request(s) it answers."""

    method: str
    path: str
    accepts: Matcher
    filename: str
    content_type: str = JSON_TYPE


def match(method: str, path: str, query: Query, body: bytes) -> Reply | None:
    """The recorded reply for exactly this request, or None."""
    wanted = path.rstrip("/") or "/"
    if wanted == "/api/v0.1/path_lookup" and method.upper() == "GET":
        return _path_lookup(query)
    for sample in samples():
        if (
            sample.method == method.upper()
            and sample.path == wanted
            and sample.accepts(query, body)
        ):
            data = (DATA_DIR / sample.filename).read_bytes()
            return Reply.raw(data, sample.content_type)
    return None


def _portal_matcher(service: str, variants: Sequence[Mapping[str, Any]]) -> Matcher:
    def accepts(query: Query, body: bytes) -> bool:
        request = portal_request(body)
        if request is None or request.get("service") != service:
            return False
        params = request.get("params", {})
        return any(same_param("params", params, v) for v in variants)

    return accepts


def _form(*variants: Mapping[str, str]) -> Matcher:
    return lambda query, body: any(same_fields(form_fields(body), v) for v in variants)


def _query(*variants: Mapping[str, str]) -> Matcher:
    return lambda query, body: any(same_fields(query, v) for v in variants)


def _json(*variants: Any) -> Matcher:
    return lambda query, body: any(same(json_body(body), v) for v in variants)


def _path_lookup(query: Query) -> Reply | None:
    """path_lookup answers per URI, so any subset of the recorded URIs is a recorded answer."""
    recorded: dict[str, Any] = load_json("mast_relative_path.json")
    uris = query.get("uri", [])
    if not uris or set(query) != {"uri"} or not set(uris) <= set(recorded):
        return None
    return Reply.json({uri: recorded[uri] for uri in uris})


@cache
def samples() -> tuple[Sample, ...]:
    """Every replayable sample, with the requests it records (astroquery's own tests)."""
    return (*_portal_samples(), *_service_samples())


def _named(service: str, filename: str, *variants: Mapping[str, Any]) -> Sample:
    """A Portal sample: `service` with any of the recorded `params` variants."""
    return Sample("POST", INVOKE, _portal_matcher(service, variants), filename)


def _resolved(name: str) -> list[tuple[float, float]]:
    """Every recorded resolver position of `name` (resolver.json)."""
    entries = load_json("resolver.json")["resolvedCoordinate"]
    return [(e["ra"], e["decl"]) for e in entries if e["searchString"] == name]


REGION: Final = {"ra": 23.34086, "dec": 60.658}
OSTEN_FILTERS: Final = [
    {"paramName": "dataproduct_type", "values": ["image"]},
    {"paramName": "proposal_pi", "values": [], "freeText": "Ost%"},
    {"paramName": "s_dec", "values": [{"min": 43.5, "max": 45.5}]},
]


def _positions(name: str, radius: float) -> list[str]:
    return [f"{ra}, {dec}, {radius}" for ra, dec in _resolved(name)]


def _portal_samples() -> list[Sample]:
    hsc = {**REGION, "radius": 0.002, "nr": 50000, "ni": 1, "magtype": 1}
    cone = {**REGION, "radius": 0.002}
    count = "COUNT_BIG(*)"
    region_position = "23.34086, 60.658, 0.2"
    dd_filters = [{"paramName": "state", "values": ["complete"]}]
    tic = {
        "columns": "*",
        "filters": [
            {"paramName": "Bmag", "values": [{"min": 30, "max": 50}]},
            {"paramName": "objType", "values": ["STAR"]},
        ],
    }
    return [
        _named("Mast.Caom.Cone", "caom.json", {**REGION, "radius": 0.2}),
        _named("Mast.Caom.Filtered", "advSearch.json", {"columns": "*", "filters": OSTEN_FILTERS}),
        _named(
            "Mast.Caom.Filtered.Position",
            "advSearchPos.json",
            *[
                {
                    "columns": "*",
                    "position": p,
                    "filters": [
                        {"paramName": "filters", "separator": ";", "values": ["NUV", "FUV"]}
                    ],
                }
                for p in _positions("m101", 0.2)
            ],
        ),
        _named(
            "Mast.Caom.Filtered", "countsResp.json", {"columns": count, "filters": OSTEN_FILTERS}
        ),
        _named(
            "Mast.Caom.Filtered.Position",
            "countsResp.json",
            {"columns": count, "filters": OSTEN_FILTERS, "position": region_position},
            {"columns": count, "filters": [], "position": region_position},
            *[{"columns": count, "filters": [], "position": p} for p in _positions("m8", 0.2)],
        ),
        _named("Mast.Caom.Products", "products.json", {"obsid": "2003738726"}),
        _named("Mast.Caom.All", "missions.extjs", {}),
        _named("Mast.Catalogs.All.Tic", "ticcolumns_filtered.json", {}),
        _named("Mast.Catalogs.All.DiskDetective", "ddcolumns_filtered.json", {}),
        _named("Mast.Hsc.Db.v3", "hsc.json", hsc),
        _named("Mast.Hsc.Db.v2", "hsc.json", hsc),
        _named("Mast.Galex.Catalog", "hsc.json", {**cone, "maxrecords": 50000}),
        _named("Mast.Catalogs.GaiaDR2.Cone", "hsc.json", cone),
        _named("Mast.Catalogs.GaiaDR1.Cone", "hsc.json", cone),
        _named("Mast.Catalogs.Filtered.Tic.Rows", "tic.json", tic),
        _named("Mast.Catalogs.Filtered.Ctl.Rows", "tic.json", tic),
        _named(
            "Mast.Catalogs.Filtered.DiskDetective.Position",
            "dd.json",
            *[
                {"ra": ra, "dec": dec, "radius": 2.0, "filters": dd_filters}
                for ra, dec in _resolved("m10")
            ],
        ),
        _named("Mast.HscMatches.Db.v3", "matchid.json", {"input": "82371983"}),
        _named("Mast.HscMatches.Db.v2", "matchid.json", {"input": "82371983"}),
        _named("Mast.HscSpectra.Db.All", "spectra.json", {}),
    ]


MISSION_SEARCH: Final = {
    "target": ["40.66963 -0.01328"],
    "radius": 180.0,
    "radius_units": "arcseconds",
    "limit": 5000,
    "offset": 0,
    "select_cols": ["sci_pep_id", "sci_data_set_name"],
    "conditions": [{"sci_pep_id": "12556,8794"}],
    "sort_by": ["sci_pep_id"],
    "sort_desc": [True],
}
PANSTARRS_QUERY: Final = {
    "ra": 23.34086,
    "dec": 60.658,
    "radius": 0.002,
    "columns": ["objName", "objID"],
    "sort_by": ["distance.desc"],
    "nDetections.gte": 2,
}


def _service_samples() -> list[Sample]:
    tess = {"x": "5", "y": "5", "units": "px", "ra": "107.27", "dec": "-70.0"}
    zcut = {"ra": "189.49206", "dec": "62.20615", "y": "100", "x": "100", "units": "px"}
    sector = {"ra": "324.24368", "dec": "-27.01029"}
    survey = {"ra": "189.49206", "dec": "62.20615"}
    zip_type = "application/zip"
    return [
        Sample(
            "POST",
            COLUMNS_CONFIG,
            _form({"colConfigId": "Mast.Catalogs.Tess.Cone"}),
            "ticcolumns.json",
        ),
        Sample(
            "POST",
            COLUMNS_CONFIG,
            _form({"colConfigId": "Mast.Catalogs.Dd.Cone"}),
            "ddcolumns.json",
        ),
        Sample(
            "GET",
            "/search/util/api/v0.1/column_list",
            _query({"mission": "hst"}),
            "mission_columns.json",
        ),
        Sample(
            "POST", "/search/hst/api/v0.1/search", _json(MISSION_SEARCH), "mission_results.json"
        ),
        Sample(
            "POST",
            "/search/hst/api/v0.1/post_list_products",
            _json({"dataset_ids": ["Z14Z0104T"]}),
            "mission_products.json",
        ),
        Sample(
            "GET",
            "/api/v0.1/panstarrs/dr2/mean/metadata.json",
            _query({}),
            "panstarrs_columns.json",
        ),
        Sample(
            "POST",
            "/api/v0.1/panstarrs/dr2/mean.json",
            _json(PANSTARRS_QUERY, {"ra": 23.34086, "dec": 60.658, "radius": 0.002}),
            "panstarrs.json",
        ),
        Sample(
            "POST",
            "/tesscut/api/v0.1/sector",
            _form({**sector, "radius": "0.0"}, {**sector, "radius": "0.2"}),
            "tess_sector.json",
        ),
        Sample(
            "POST",
            "/tesscut/api/v0.1/astrocut",
            _form(tess, {**tess, "sector": "1"}),
            "astrocut_107.27_-70.0_5x5.zip",
            zip_type,
        ),
        Sample(
            "GET",
            "/tesscut/api/v0.1/astrocut",
            _query(tess, {**tess, "sector": "1"}),
            "astrocut_107.27_-70.0_5x5.zip",
            zip_type,
        ),
        Sample(
            "POST",
            "/zcut/api/v0.1/survey",
            _form({**survey, "radius": "0.0"}, {**survey, "radius": "0.2"}),
            "zcut_survey.json",
        ),
        Sample(
            "GET",
            "/zcut/api/v0.1/astrocut",
            _query({**zcut, "format": "jpg"}),
            "astrocut_189.49206_62.20615_100x100px.zip",
            zip_type,
        ),
        Sample(
            "GET",
            "/zcut/api/v0.1/astrocut",
            _query({**zcut, "format": "fits"}),
            "astrocut_189.49206_62.20615_100x100px_f.zip",
            zip_type,
        ),
        Sample(
            "POST",
            "/zcut/api/v0.1/astrocut",
            _form(zcut),
            "astrocut_189.49206_62.20615_100x100px_f.zip",
            zip_type,
        ),
    ]
