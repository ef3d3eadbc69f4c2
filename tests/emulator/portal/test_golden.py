"""Golden bodies: the exact bytes the Portal answers for representative requests.

The sky digests were taken from the original per-row `json.dumps` encoder before the column
encoder existed and still hold; the scale-knob digests were re-recorded once, when scaled rows
moved from per-row `random.Random` streams to vectorised counter-based draws (`sky_draws`).
Both were re-recorded once more when Kepler, K2 and TESS rows took real cadences as
`t_exptime` (1800 s, 120 s), Kepler's obs_id its quarter map, K2 its EPIC numbers, and
Filtered.Position queries restricted to TESS its full-frame-image observations (#17).
The four scaled cone and position digests were re-recorded on a machine without AVX-512:
numpy had computed their trigonometry with SVML on the machine that recorded them, whose
last bits differ from the C library's. The sky now takes its sines, cosines and arcs from
the C library on every machine (`emulator/sky/geometry.py`), whose results do not depend
on AVX-512, so these digests should hold on both kinds of machine.
Any change to a single byte of a reply (value, float spelling, key order, chunk joins) fails.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest

from mastcache.emulator.portal.service import PortalService

SEED = 7
M101 = {"ra": 210.80227, "dec": 54.34895, "radius": 0.5}
RANGE_AND_LIST = [
    {"paramName": "obs_collection", "values": ["HST", "GALEX", "TESS"]},
    {"paramName": "t_exptime", "values": [{"min": 100, "max": 2500}]},
]
WILDCARD = [{"paramName": "target_name", "values": [], "freeText": "%ngc*"}]


@dataclass(frozen=True)
class Knobs:
    seed: int = SEED
    rows: int | None = None
    executing_polls: int = 0


def request(service: str, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"service": service, "params": params, "format": "json", "pagesize": 2000, **extra}


def filtered(filters: list[dict[str, Any]], columns: str = "*", **extra: Any) -> dict[str, Any]:
    return request("Mast.Caom.Filtered", {"columns": columns, "filters": filters}, **extra)


SKY_CASES: dict[str, dict[str, Any]] = {
    "cone": request("Mast.Caom.Cone", M101),
    "cone_extjs": request("Mast.Caom.Cone", M101, format="extjs"),
    "cone_remove_null": request("Mast.Caom.Cone", M101, removenullcolumns=True),
    "filtered_range_list": filtered(RANGE_AND_LIST),
    "filtered_wildcard": filtered(WILDCARD),
    "filtered_all_page_3": filtered([], page=3),
    "filtered_columns": filtered(RANGE_AND_LIST, "obsid,s_ra,obs_collection,t_min"),
    "count": filtered(RANGE_AND_LIST, "COUNT_BIG(*)"),
    "position": request(
        "Mast.Caom.Filtered.Position",
        {"columns": "*", "filters": RANGE_AND_LIST[:1], "position": "210.8, 54.35, 1.0"},
    ),
    "products": request("Mast.Caom.Products", {"obsid": "x"}),
    "all": request("Mast.Caom.All", {}),
}
SCALE_CASES: dict[str, dict[str, Any]] = {
    "scale_cone_page_1": request("Mast.Caom.Cone", M101, page=1),
    "scale_cone_page_7": request("Mast.Caom.Cone", M101, page=7),
    "scale_cone_extjs": request("Mast.Caom.Cone", M101, page=2, format="extjs"),
    "scale_filtered": filtered(WILDCARD, page=4),
    "scale_position": request(
        "Mast.Caom.Filtered.Position",
        {"columns": "*", "filters": [], "position": "10.0, -30.0, 0.2"},
        page=5,
    ),
    "scale_products": request("Mast.Caom.Products", {"obsid": "50000000003,50000000017"}),
}

# sha256 of each reply body (see the module docstring for where each came from).
GOLDEN: dict[str, str] = {
    "cone": "7b1c2d9b08739dc0265662ecce9671a5b1579aa86e336dca809bec4f6772fb31",
    "cone_extjs": "3a2a89d71fe4921df6d39fbf430261f178b63a4a36472e80d57e7c038909aaab",
    "cone_remove_null": "deea9c349ff0e864b9a0ece49d392fb4b6f75c4b25ef47fcde9e3dcb48061e6f",
    "filtered_range_list": "1c337624cbc4f1e1cdaa1815ba7e285cb44af9803d669d3ff237b74b5756b4c7",
    "filtered_wildcard": "2e2789c5c84cd912f60d48daebf6d8c746474574c8cdc16ee1978ae83a3c86cd",
    "filtered_all_page_3": "b17db700cc6def96b3d5f8f799272191e6abe03a4418fa460e08c081857c3af8",
    "filtered_columns": "aa14498bf70b747770406c185d0d7303e69d43328dfc6c3dbc7dcfe877d8214c",
    "count": "132a78bd93aeca93899866771ed3c9c063a1cb84507bc242c9b5bdef3400faec",
    "position": "5dbe231df6de1465257963e218bf8b0ae9f4571ef17d4b40b77c234b7cb7d0be",
    "products": "1502e6763f91c861302500c00559562a7c274e287daff5a48372b15f83ec8281",
    "all": "c8d070531363cea047da49248da212202043322df6a9ecb5fa0badabad03cba3",
    "scale_cone_page_1": "43796d3facd1139b7d28df91b1a3f1ab18a438badf7793545de9f1b494be1f31",
    "scale_cone_page_7": "6f5d9df32f5ce1842a4c07bb08db18be0ede2798beb05cc77ccdbb78abbc2355",
    "scale_cone_extjs": "92cf3b2ef4c2630a5684934d0337693e27d5c0518cdcaaf73ede608f69d11e3c",
    "scale_filtered": "7360806485f04e88c6b565fc3c31729d6b2c1baa79690b35246fb63ee9b1a256",
    "scale_position": "665fdfbdfc6088eaa67b43294ecb69fbdb3627bd1174954c9e4de47b33120e97",
    "scale_products": "489253e18c2113b7fe4c1b60c144194c153a5d33354ccadba54401aae9f36e12",
}


@pytest.fixture(scope="module")
def sky_portal() -> PortalService:
    return PortalService(Knobs())


@pytest.fixture(scope="module")
def scale_portal() -> PortalService:
    return PortalService(Knobs(rows=15_000))


def products_request(portal: PortalService, body: dict[str, Any]) -> dict[str, Any]:
    """Products of the first observations of the M101 cone (obsids read from the sky)."""
    if body["params"].get("obsid") != "x":
        return body
    cone_body = json.dumps(request("Mast.Caom.Cone", M101))
    cone = json.loads(portal.invoke({"request": cone_body}).read())
    obsids = ",".join(str(row["obsid"]) for row in cone["data"][:6])
    return {**body, "params": {"obsid": obsids}}


def digest(portal: PortalService, body: dict[str, Any]) -> str:
    reply = portal.invoke({"request": json.dumps(products_request(portal, body))})
    assert reply.status == 200
    return hashlib.sha256(reply.read()).hexdigest()


@pytest.mark.parametrize("name", sorted(SKY_CASES))
def test_sky_replies_are_byte_identical(sky_portal: PortalService, name: str) -> None:
    assert digest(sky_portal, SKY_CASES[name]) == GOLDEN[name]


@pytest.mark.parametrize("name", sorted(SCALE_CASES))
def test_scale_replies_are_byte_identical(scale_portal: PortalService, name: str) -> None:
    assert digest(scale_portal, SCALE_CASES[name]) == GOLDEN[name]
