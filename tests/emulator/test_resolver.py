"""The SANTA resolver over HTTP: name lists, resolver choice, resolveAll, and the proxy host."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import requests

from mastcache.emulator import EmulatorServer
from mastcache.emulator.samples.recorded import DATA_DIR
from mastcache.emulator.sky.objects import NAMED_OBJECTS

SAMPLE = DATA_DIR / "resolver.json"
RECORDED_NAMES = ["tic 307210830", "m1", "m8", "m10", "m101", "m103", "barnard's star"]


def santa(url: str, names: list[str], **params: str) -> requests.Response:
    query: dict[str, Any] = {"outputFormat": "json", "resolveAll": "False", **params}
    return requests.get(f"{url}/Santa-war/query", params={**query, "name": names}, timeout=10)


def entries(url: str, names: list[str], **params: str) -> list[dict[str, Any]]:
    response = santa(url, names, **params)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == ""
    found: list[dict[str, Any]] = body["resolvedCoordinate"]
    return found


def test_resolve_all_reproduces_the_recorded_answer(emulator_session: EmulatorServer) -> None:
    recorded = json.loads(SAMPLE.read_text())["resolvedCoordinate"]
    ours = entries(emulator_session.url, RECORDED_NAMES, resolveAll="True")
    key = lambda e: (e["searchString"], e["resolver"])  # noqa: E731
    assert sorted(ours, key=key) == sorted(recorded, key=key)
    for ours_entry in ours:
        assert list(ours_entry) == list(next(r for r in recorded if key(r) == key(ours_entry)))


def test_search_string_is_the_name_lower_cased(emulator_session: EmulatorServer) -> None:
    found = entries(emulator_session.url, ["M101", "Barnard's Star", "NGC  224"])
    assert [e["searchString"] for e in found] == ["m101", "barnard's star", "ngc  224"]


@pytest.mark.parametrize("resolver", ["SIMBAD", "NED"])
def test_named_resolver_answers_with_that_resolver(
    emulator_session: EmulatorServer, resolver: str
) -> None:
    found = entries(emulator_session.url, ["M101", "Vega"], resolver=resolver)
    assert [e["resolver"] for e in found] == [resolver, resolver]
    assert all(isinstance(e["ra"], float) and isinstance(e["decl"], float) for e in found)


def test_default_answer_is_the_preferred_resolver_only(emulator_session: EmulatorServer) -> None:
    found = entries(
        emulator_session.url, ["M101", "TIC 307210830", "KIC 8462852", "EPIC 201912552"]
    )
    assert [e["resolver"] for e in found] == ["SIMBAD", "TIC", "KEPLER", "K2"]


def test_resolve_all_puts_the_catalog_first_for_catalog_ids(
    emulator_session: EmulatorServer,
) -> None:
    found = entries(emulator_session.url, ["TIC 150428135"], resolveAll="True")
    assert found[0]["resolver"] == "TIC"
    assert "SIMBAD" in {e["resolver"] for e in found}


def test_unknown_names_get_no_entry_and_do_not_hide_others(
    emulator_session: EmulatorServer,
) -> None:
    found = entries(emulator_session.url, ["no such thing 42", "M 57"], resolveAll="True")
    assert {e["searchString"] for e in found} == {"m 57"}
    assert entries(emulator_session.url, ["no such thing 42"]) == []


def test_forty_names_in_one_request(emulator_session: EmulatorServer) -> None:
    names = [obj.name for obj in NAMED_OBJECTS[:40]]
    found = entries(emulator_session.url, names)
    assert [e["searchString"] for e in found] == [n.lower() for n in names]


@pytest.mark.parametrize(
    ("params", "message"),
    [({"resolver": "VIZIER"}, "Unknown resolver"), ({"outputFormat": "xml"}, "outputFormat")],
)
def test_bad_parameters_are_rejected_with_a_message(
    emulator_session: EmulatorServer, params: dict[str, str], message: str
) -> None:
    response = santa(emulator_session.url, ["M1"], **params)
    assert response.status_code == 400
    assert message in response.json()["msg"]


def test_a_request_without_names_is_rejected(emulator_session: EmulatorServer) -> None:
    response = requests.get(f"{emulator_session.url}/Santa-war/query", timeout=10)
    assert response.status_code == 400
    assert "name" in response.json()["msg"]


def test_the_resolver_host_is_served_through_the_proxy(emulator_session: EmulatorServer) -> None:
    response = requests.get(
        "http://mastresolver.stsci.edu/Santa-war/query",
        params={"outputFormat": "json", "resolveAll": "True", "name": "M101"},
        proxies={"http": emulator_session.url},
        timeout=10,
    )
    assert response.status_code == 200
    assert {e["resolver"] for e in response.json()["resolvedCoordinate"]} == {
        "SIMBAD",
        "SIMBADCFA",
        "NED",
    }


def test_a_raw_proxy_request_line_is_answered(emulator_session: EmulatorServer) -> None:
    host, port = emulator_session.url.removeprefix("http://").split(":")
    request = (
        "GET http://mastresolver.stsci.edu/Santa-war/query?outputFormat=json&name=vega HTTP/1.1\r\n"
        "Host: mastresolver.stsci.edu\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body)["resolvedCoordinate"][0]["searchString"] == "vega"


def test_other_proxied_hosts_are_refused(emulator_session: EmulatorServer) -> None:
    response = requests.get(
        "http://example.org/anything", proxies={"http": emulator_session.url}, timeout=10
    )
    assert response.status_code == 502
    assert "never reaches example.org" in response.json()["msg"]
