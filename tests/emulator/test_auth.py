"""The emulator's token auth over real HTTP: whoami's shape, the cookie (never a header),
expiry on its clock, exclusive-access rows in every CAOM service (columns and counts
included), and 401/403 on exclusive downloads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mastcache.emulator import EmulatorServer, Identity, start
from mastcache.emulator.auth import DAY_S
from mastcache.emulator.sky.observations import sky_for_seed

ALICE, BOB = "tok-alice-0123456789", "tok-bob-9876543210"


def exclusive_observation() -> dict[str, Any]:
    sky = sky_for_seed(20240101)
    return next(
        row
        for row in (sky.row(i) for i in sky.in_obsid_order())
        if row["proposal_id"] and row["obs_collection"] == "HST"
    )


@pytest.fixture(scope="module")
def target() -> dict[str, Any]:
    return exclusive_observation()


@pytest.fixture
def server(target: dict[str, Any]) -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0) as running:
        running.reconfigure(
            identities=(
                Identity(ALICE, "alice", "Alice A.", "a@x.org",
                         ("mast:exclusive_access", f"proposal:{target['proposal_id']}")),
                Identity(BOB, "bob", "Bob B.", "b@x.org", ("mast:exclusive_access",)),
            )
        )  # fmt: skip
        yield running


def whoami(server: EmulatorServer, token: str | None) -> dict[str, Any]:
    cookies = {"mast_token": token} if token else {}
    answer: dict[str, Any] = requests.get(f"{server.url}/whoami", cookies=cookies).json()
    return answer


def invoke(server: EmulatorServer, token: str | None, service: str, params: Any) -> Any:
    request = {"service": service, "params": params, "format": "json", "pagesize": 5000}
    cookies = {"mast_token": token} if token else {}
    form = {"request": json.dumps(request)}
    return requests.post(f"{server.url}/api/v0/invoke", data=form, cookies=cookies).json()


def test_whoami_shape_and_the_cookie(server: EmulatorServer) -> None:
    info = whoami(server, ALICE)
    assert info["anon"] is False and info["attrib"]["display_name"] == "Alice A."
    assert {"eppn", "ezid", "attrib", "scopes", "session", "token"} <= set(info)
    assert whoami(server, None)["anon"] is True and whoami(server, "nope")["anon"] is True
    header = requests.get(f"{server.url}/whoami", headers={"Authorization": f"token {ALICE}"})
    assert header.json()["anon"] is True  # MAST reads the cookie, not a header


def test_tokens_expire_idle_and_by_age(server: EmulatorServer) -> None:
    tokens = server.app.access.tokens
    assert whoami(server, ALICE)["anon"] is False  # first use: issued now
    tokens.advance(10 * DAY_S + 1)
    assert whoami(server, ALICE)["anon"] is True  # idle too long
    tokens.issue(BOB, age_s=0)
    for _ in range(6):
        tokens.advance(9.9 * DAY_S)
        assert whoami(server, BOB)["anon"] is False  # in use: 59.4 days
    tokens.advance(DAY_S)
    assert whoami(server, BOB)["anon"] is True  # older than 60 days


def test_filtered_services_hide_rows_before_columns_and_counts(
    server: EmulatorServer, target: dict[str, Any]
) -> None:
    filters = [{"paramName": "proposal_id", "values": [str(target["proposal_id"])]}]
    counts = {}
    for who in (None, ALICE, BOB):
        params = {"columns": "COUNT_BIG(*)", "filters": filters}
        answer = invoke(server, who, "Mast.Caom.Filtered", params)
        counts[who] = int(answer["data"][0]["Column1"])
    assert counts[None] == counts[BOB] == 0 < counts[ALICE]
    params = {"columns": "obsid,obs_id", "filters": filters}
    rows = invoke(server, ALICE, "Mast.Caom.Filtered", params)["data"]
    assert len(rows) == counts[ALICE] and set(rows[0]) == {"obsid", "obs_id"}


def test_cone_and_products(server: EmulatorServer, target: dict[str, Any]) -> None:
    cone = {"ra": target["s_ra"], "dec": target["s_dec"], "radius": 0.01}
    seen = {who: {r["obsid"] for r in invoke(server, who, "Mast.Caom.Cone", cone)["data"]}
            for who in (None, ALICE, BOB)}  # fmt: skip
    assert target["obsid"] in seen[ALICE] and target["obsid"] not in seen[None] | seen[BOB]
    products = {"obsid": str(target["obsid"])}
    assert invoke(server, None, "Mast.Caom.Products", products)["data"] == []
    rows = invoke(server, ALICE, "Mast.Caom.Products", products)["data"]
    assert rows and {r["dataRights"] for r in rows} == {"EXCLUSIVE_ACCESS"}


def test_exclusive_downloads_401_anonymous_403_others(
    server: EmulatorServer, target: dict[str, Any]
) -> None:
    rows = invoke(server, ALICE, "Mast.Caom.Products", {"obsid": str(target["obsid"])})["data"]
    url = f"{server.url}/api/v0.1/Download/file"
    uri = {"uri": rows[0]["dataURI"]}
    assert requests.get(url, params=uri).status_code == 401
    assert requests.head(url, params=uri).status_code == 401
    assert requests.get(url, params=uri, cookies={"mast_token": BOB}).status_code == 403
    mine = requests.get(url, params=uri, cookies={"mast_token": ALICE})
    assert mine.status_code == 200 and mine.content[:6] == b"SIMPLE"
