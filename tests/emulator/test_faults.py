"""Fault injection, each fault observed by a real client on a real socket."""

from __future__ import annotations

import socket

import pytest
import requests

from mastcache.emulator import EmulatorServer, FaultPlan, FaultRule, start
from mastcache.errors import ConfigurationError

WHOAMI = "/whoami"
URI = "mast:HST/product/u9o40504m_c3m.fits"


def get(server: EmulatorServer, path: str = WHOAMI, **kwargs: object) -> requests.Response:
    return requests.get(server.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def raw_exchange(server: EmulatorServer, path: str) -> list[bytes]:
    """Send one GET on a plain socket and return every recv() result until the peer closes."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        return list(iter(lambda: sock.recv(65536), b""))


def test_500_for_the_first_n_requests_then_normal(emulator: EmulatorServer) -> None:
    emulator.set_faults("/whoami=500:count=2")
    responses = [get(emulator) for _ in range(3)]
    assert [r.status_code for r in responses] == [500, 500, 200]
    assert "Injected fault" in responses[0].json()["msg"]
    assert [e.fault for e in emulator.requests] == ["500", "500", None]


def test_after_lets_n_requests_through_first(emulator: EmulatorServer) -> None:
    """A fault on page k of a paged fetch: ``after=k`` requests pass, then ``count`` fail."""
    emulator.set_faults("/whoami=500:after=2:count=1")
    assert [get(emulator).status_code for _ in range(4)] == [200, 200, 500, 200]
    with pytest.raises(ConfigurationError, match="after=-1"):
        FaultRule("/whoami", "500", after=-1)


def test_503_carries_retry_after(emulator: EmulatorServer) -> None:
    emulator.set_faults(FaultRule("/whoami", "503", retry_after=7))
    response = get(emulator)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json()["status"] == "ERROR"


def test_slow_response_exceeds_a_client_timeout(emulator: EmulatorServer) -> None:
    emulator.set_faults("/whoami=slow:delay=1.0:count=1")
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(emulator.url + WHOAMI, timeout=0.2)
    assert get(emulator).status_code == 200


def test_truncated_body_breaks_the_read(emulator: EmulatorServer) -> None:
    emulator.set_faults("/api/v0.1/Download/*=truncate")
    with pytest.raises(
        (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError)
    ):
        get(emulator, "/api/v0.1/Download/file", params={"uri": URI})
    logged = emulator.requests[-1]
    assert logged.fault == "truncate"
    assert 0 < logged.nbytes < 46080


def test_invalid_json_is_a_200_that_does_not_parse(emulator: EmulatorServer) -> None:
    emulator.set_faults("/whoami=invalid-json")
    response = get(emulator)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        response.json()


def test_wrong_content_length_silently_shortens_the_body(emulator: EmulatorServer) -> None:
    full = get(emulator, "/api/v0.1/Download/file", params={"uri": URI}).content
    emulator.set_faults("/api/v0.1/Download/file=wrong-length")
    response = get(emulator, "/api/v0.1/Download/file", params={"uri": URI})
    assert int(response.headers["Content-Length"]) == len(full) // 2
    assert response.content == full[: len(full) // 2]


def test_connection_reset_before_any_byte(emulator: EmulatorServer) -> None:
    emulator.set_faults("/whoami=reset")
    with pytest.raises(requests.exceptions.ConnectionError):
        get(emulator)
    with pytest.raises(ConnectionResetError):
        raw_exchange(emulator, WHOAMI)


def test_trickled_body_arrives_whole_in_many_pieces(emulator: EmulatorServer) -> None:
    expected = get(emulator, "/Santa-war/query", params={"name": "M101"}).content
    emulator.set_faults("/Santa-war/query=trickle:delay=0.02")
    pieces = raw_exchange(emulator, "/Santa-war/query?name=M101")
    assert len(pieces) > 2
    assert b"".join(pieces).endswith(expected)


def test_rate_faults_are_seeded_and_repeatable() -> None:
    patterns = []
    for _ in range(2):
        with start(faults="/whoami=500:rate=0.5", seed=7) as server:
            patterns.append([get(server).status_code for _ in range(30)])
    assert patterns[0] == patterns[1]
    assert set(patterns[0]) == {200, 500}


def test_routes_are_globs_and_faults_change_at_run_time(emulator: EmulatorServer) -> None:
    emulator.set_faults("/api/v0.1/*=500")
    assert get(emulator, "/api/v0.1/Download/file", params={"uri": URI}).status_code == 500
    assert get(emulator).status_code == 200
    emulator.set_faults(None)
    assert get(emulator, "/api/v0.1/Download/file", params={"uri": URI}).status_code == 200


def test_request_log_records_range_status_and_bytes(emulator: EmulatorServer) -> None:
    get(emulator, "/api/v0.1/Download/file", params={"uri": URI}, headers={"Range": "bytes=0-99"})
    entry = emulator.requests[-1]
    assert (entry.method, entry.path, entry.status, entry.nbytes) == (
        "GET",
        "/api/v0.1/Download/file",
        206,
        100,
    )
    assert entry.header("Range") == "bytes=0-99"
    assert "uri=mast" in entry.query


def test_cookies_never_reach_the_log(emulator: EmulatorServer) -> None:
    get(emulator, cookies={"mast_token": "secret-token"})
    entry = emulator.requests[-1]
    assert entry.has_token
    assert "secret-token" not in repr(entry)


def test_latency_and_other_knobs_change_at_run_time(emulator: EmulatorServer) -> None:
    config = emulator.reconfigure(latency_ms=5, executing_polls=1)
    assert (config.latency_ms, config.executing_polls) == (5, 1)
    assert emulator.config is config
    assert get(emulator).status_code == 200


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/x=teapot", "Unknown fault kind"),
        ("/x", "expected ROUTE=KIND"),
        ("/x=500:often=1", "Unknown fault option"),
        ("/x=500:rate=2", "outside [0, 1]"),
        ("/x=500:count=many", "not a number"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[")):
        FaultPlan.parse(spec)


def test_a_spec_with_several_rules() -> None:
    plan = FaultPlan.parse("/api/v0/invoke=503:count=2:retry_after=3; /api/v0.1/*=reset:rate=0.1")
    assert plan.rules == (
        FaultRule("/api/v0/invoke", "503", count=2, retry_after=3),
        FaultRule("/api/v0.1/*", "reset", rate=0.1),
    )
