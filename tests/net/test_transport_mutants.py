"""Transport behaviour the sampled mutation run found unguarded (docs/testing.md): GET query
parameters, JSON POSTs, back-off before a damaged body is asked again, a session without the
HTTP cache, whole error messages, and Retry-After dates without a zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from mastcache.emulator import EmulatorServer
from mastcache.errors import HTTPStatusError, RemoteTimeoutError
from mastcache.net.transport import Transport, _retry_after_seconds
from mastcache.settings import Settings

M31 = {"ra": 10.684708, "dec": 41.26875}


def transport(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float], **kw: Any
) -> Transport:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url, **kw)
    return Transport(settings, sleep=sleeps.append)


def test_get_sends_its_query_parameters(emulator: EmulatorServer, cache_dir: Path) -> None:
    sent = transport(emulator, cache_dir, [])
    params = {"outputFormat": "json", "resolveAll": "False", "name": ["M101", "M31"]}
    answer = sent.json(sent.get(sent.endpoints.resolver, params))
    (logged,) = emulator.requests.matching("/Santa-war/query")
    assert "name=M101&name=M31" in logged.query and "outputFormat=json" in logged.query
    names = [entry["searchString"] for entry in answer["resolvedCoordinate"]]
    assert sorted(names) == ["m101", "m31"]  # SANTA answers lower-case search strings


def test_post_json_sends_a_json_body(emulator: EmulatorServer, cache_dir: Path) -> None:
    sent = transport(emulator, cache_dir, [])
    body = {"target": [f"{M31['ra']} {M31['dec']}"], "radius": 600, "radius_units": "arcseconds",
            "limit": 5, "offset": 0, "select_cols": None}  # fmt: skip
    answer = sent.json(sent.post_json(f"{sent.endpoints.search_api('hst')}/search", body))
    (logged,) = emulator.requests.matching("/search/hst/api/v0.1/search")
    assert logged.method == "POST" and logged.header("Content-Type") == "application/json"
    assert 0 < len(answer["results"]) <= 5


def test_a_damaged_body_is_asked_again_after_a_backoff(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.set_faults("/api/v0/invoke=invalid-json:count=1")
    sleeps: list[float] = []
    sent = transport(emulator, cache_dir, sleeps)
    body = {
        "request": '{"service":"Mast.Caom.Cone","params":{"ra":10.68,"dec":41.27,"radius":0.1}}'
    }
    assert sent.json(sent.post_form(sent.endpoints.portal_invoke, body))["status"] == "COMPLETE"
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.75  # first back-off: 0.5 s + jitter


def test_a_session_without_the_http_cache_also_retries_a_damaged_body(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.set_faults("/api/v0/invoke=invalid-json:count=1")
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url)
    sent = Transport(settings, session=requests.Session(), sleep=lambda _s: None)
    body = {
        "request": '{"service":"Mast.Caom.Cone","params":{"ra":10.68,"dec":41.27,"radius":0.1}}'
    }
    assert sent.json(sent.post_form(sent.endpoints.portal_invoke, body))["status"] == "COMPLETE"
    assert len(emulator.requests.matching("/api/v0/invoke")) == 2


def test_a_timeout_message_says_how_to_allow_more_time(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.set_faults("/api/v0/invoke=slow:delay=3")
    sent = transport(emulator, cache_dir, [], request_timeout=0.5, max_retries=0)
    with pytest.raises(RemoteTimeoutError) as caught:
        sent.post_form(sent.endpoints.portal_invoke, {"request": "{}"})
    message = str(caught.value)
    assert message.startswith(f"POST {sent.endpoints.portal_invoke} got no answer in time (")
    assert message.endswith(
        "MAST may be slow: try again, or raise request_timeout "
        "(mastcache.configure(request_timeout=...))"
    )


@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_server_is_called_busy_after_retries(
    emulator: EmulatorServer, cache_dir: Path, status: int
) -> None:
    emulator.set_faults(f"/api/v0/invoke={status}")
    sent = transport(emulator, cache_dir, [], max_retries=1)
    with pytest.raises(HTTPStatusError) as caught:
        sent.post_form(sent.endpoints.portal_invoke, {"request": "{}"})
    assert caught.value.status_code == status
    assert str(caught.value).endswith(
        " after retries; expected a 2xx answer. MAST is busy or failing; try again later."
    )


def test_an_unknown_path_is_a_404_naming_the_url_to_check(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    sent = transport(emulator, cache_dir, [])
    with pytest.raises(HTTPStatusError) as caught:
        sent.get(f"{emulator.url}/no/such/service")
    assert caught.value.status_code == 404
    assert str(caught.value).endswith(
        "; expected a 2xx answer. Check MASTCACHE_MAST_URL and the service or product name."
    )


def test_retry_after_as_a_date_without_a_zone_is_read_as_utc() -> None:
    soon = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=40)
    text = format_datetime(soon)  # "-0000": no zone information
    assert text.endswith("-0000")
    assert 30 <= (_retry_after_seconds(text) or 0) <= 40


@pytest.fixture
def reasonless_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 whose every answer is ``418`` with no reason phrase."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.1 418 \r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    stop.set()
    thread.join(timeout=5)
    listener.close()


def test_a_status_without_a_reason_phrase_is_reported_plainly(
    reasonless_server: str, cache_dir: Path
) -> None:
    sent = Transport(Settings.from_env({}, cache_dir=cache_dir, mast_url=reasonless_server))
    with pytest.raises(HTTPStatusError) as caught:
        sent.get(f"{reasonless_server}/teapot")
    assert str(caught.value) == (
        f"GET {reasonless_server}/teapot answered HTTP 418 ; expected a 2xx answer. "
        "Check the query parameters."
    )
