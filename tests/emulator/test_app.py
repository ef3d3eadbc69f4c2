"""The WSGI app and its server: routing, whoami, keep-alive, concurrency, config, laziness."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

import pytest
import requests

from mastcache.emulator import EmulatorConfig, EmulatorServer, Identity, make_app, serve, start
from mastcache.errors import ConfigurationError

ALICE = Identity(token="tok-alice", username="alice", display_name="Alice A.", email="a@x.org")


def call_wsgi(
    app: Any, method: str, path: str, **environ: Any
) -> tuple[str, dict[str, str], bytes]:
    """Call the app directly, as any WSGI server would."""
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured.update(status=status, headers=dict(headers))

    base = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "x"}
    base |= {"SERVER_PORT": "80", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http"}
    body = b"".join(app({**base, **environ}, start_response))
    return captured["status"], captured["headers"], body


def portal_form(service: str, params: dict[str, Any]) -> str:
    request = {"service": service, "params": params, "format": "json", "pagesize": 10, "page": 1}
    return "request=" + quote(json.dumps(request))


def test_the_app_works_without_a_server() -> None:
    status, headers, body = call_wsgi(make_app(), "GET", "/whoami")
    assert status == "200 OK"
    assert headers["Content-Type"].startswith("application/json")
    assert json.loads(body)["anon"] is True


def test_unknown_paths_are_404_json_and_wrong_methods_405() -> None:
    app = make_app()
    status, _, body = call_wsgi(app, "GET", "/no/such/endpoint")
    assert status.startswith("404") and json.loads(body)["status"] == "ERROR"
    status, _, body = call_wsgi(app, "GET", "/api/v0/invoke")
    assert status.startswith("405") and "POST" in json.loads(body)["msg"]


def test_whoami_knows_a_valid_token_cookie_only() -> None:
    app = make_app(identities=[ALICE])
    _, _, body = call_wsgi(app, "GET", "/whoami", HTTP_COOKIE="mast_token=tok-alice")
    answer = json.loads(body)
    assert answer["anon"] is False
    assert answer["attrib"]["display_name"] == "Alice A."
    assert "tok-alice" not in body.decode()
    _, _, body = call_wsgi(app, "GET", "/whoami", HTTP_COOKIE="mast_token=wrong")
    assert json.loads(body)["anon"] is True


def test_invoke_and_columnsconfig_reach_the_portal(emulator_session: EmulatorServer) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    form = portal_form("Mast.Caom.Cone", {"ra": 210.80243, "dec": 54.34875, "radius": 0.2})
    invoke = requests.post(
        f"{emulator_session.url}/api/v0/invoke", data=form, headers=headers, timeout=30
    )
    assert invoke.status_code == 200
    assert invoke.json()["status"] == "COMPLETE"
    assert invoke.json()["data"]
    columns = requests.post(
        f"{emulator_session.url}/portal/Mashup/Mashup.asmx/columnsconfig",
        data={"colConfigId": "Mast.Caom.Cone"},
        timeout=30,
    )
    assert columns.status_code == 200
    assert "obsid" in columns.json()


def test_keep_alive_serves_several_requests_on_one_connection(
    emulator_session: EmulatorServer,
) -> None:
    host, port = emulator_session.url.removeprefix("http://").split(":")
    request = f"GET /whoami HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        stream = sock.makefile("rb")
        for _ in range(3):
            sock.sendall(request)
            assert stream.readline().startswith(b"HTTP/1.1 200")
            length = 0
            while (line := stream.readline()) != b"\r\n":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            assert json.loads(stream.read(length))["anon"] is True


def test_concurrent_requests_are_all_answered(emulator_session: EmulatorServer) -> None:
    def resolve(index: int) -> int:
        url = f"{emulator_session.url}/Santa-war/query"
        response = requests.get(url, params={"name": f"M{index % 110 + 1}"}, timeout=30)
        return len(response.json()["resolvedCoordinate"])

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert list(pool.map(resolve, range(64))) == [1] * 64


def test_connect_tunnels_are_refused(emulator_session: EmulatorServer) -> None:
    host, port = emulator_session.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"CONNECT mast.stsci.edu:443 HTTP/1.1\r\nHost: mast.stsci.edu:443\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 502")


def test_serve_yields_a_base_url_and_stops() -> None:
    with serve(latency_ms=1) as url:
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url + "/whoami", timeout=10).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/whoami", timeout=2)


def test_start_returns_a_server_with_its_config() -> None:
    server = start(rows=1000, seed=3)
    try:
        assert (server.config.rows, server.config.seed) == (1000, 3)
        assert requests.get(server.url + "/whoami", timeout=10).ok
    finally:
        server.stop()


def test_config_accepts_cli_strings_and_rejects_bad_values() -> None:
    config = EmulatorConfig.from_strings({"rows": "5000", "latency_ms": "20", "seed": None})
    assert (config.rows, config.latency_ms, config.seed) == (5000, 20, 20240101)
    assert config.new(faults="/x=500").faults.rules[0].kind == "500"
    with pytest.raises(ConfigurationError, match="outside"):
        EmulatorConfig(rows=1_000_001)
    with pytest.raises(ConfigurationError, match="whole number"):
        EmulatorConfig().new(latency_ms="fast")
    with pytest.raises(ConfigurationError, match="Unknown emulator setting"):
        EmulatorConfig().new(colour="blue")


def test_importing_the_package_does_no_work() -> None:
    code = (
        "import sys, mastcache.emulator\n"
        "loaded = [m for m in sys.modules if m.startswith('mastcache.emulator.')]\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
