"""Transport against the emulator over real HTTP: retries, Retry-After, error mapping, cache."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from requests.adapters import HTTPAdapter

from mastcache.emulator import EmulatorServer
from mastcache.errors import (
    HTTPStatusError,
    ProtocolError,
    RemoteTimeoutError,
    TransportError,
)
from mastcache.mast import portal
from mastcache.net.transport import Transport, _retry_after_seconds, decoded_json
from mastcache.settings import Settings

CONE = {"ra": 210.80227, "dec": 54.34895, "radius": 0.2}


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _transport(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float], **changes: Any
) -> Transport:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url, **changes)
    return Transport(settings, sleep=sleeps.append)


def _cone_body(page: int = 1) -> str:
    request = portal.build_request("Mast.Caom.Cone", CONE, pagesize=50000, page=page)
    return portal.encode_form({**request, "cacheBreaker": "fixed"})


def _invokes(emulator: EmulatorServer) -> list[Any]:
    return emulator.requests.matching("/api/v0/invoke")


def test_retry_after_is_honoured_then_success(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=503:count=2:retry_after=2")
    transport = _transport(emulator, cache_dir, sleeps)
    response = transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    assert transport.json(response)["status"] == "COMPLETE"
    assert sleeps == [2.0, 2.0]
    assert [r.status for r in _invokes(emulator)] == [503, 503, 200]


def test_backoff_with_jitter_without_retry_after(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=500:count=2")
    transport = _transport(emulator, cache_dir, sleeps)
    transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.75 and 1.0 <= sleeps[1] <= 1.5


def test_status_error_after_retries_names_url_and_status(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=503")
    transport = _transport(emulator, cache_dir, sleeps, max_retries=2)
    with pytest.raises(
        HTTPStatusError, match=r"POST http://127\.0\.0\.1:\d+/api/v0/invoke answered HTTP 503"
    ) as caught:
        transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    assert caught.value.status_code == 503
    assert len(_invokes(emulator)) == 3


def test_client_errors_are_not_retried(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    transport = _transport(emulator, cache_dir, sleeps)
    with pytest.raises(HTTPStatusError) as caught:
        transport.get(f"{emulator.url}/no/such/route", {"mast_token": "secret-value"})
    assert caught.value.status_code == 404
    assert "secret-value" not in str(caught.value)
    assert sleeps == []


def test_connection_reset_is_retried_then_mapped(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=reset:count=1")
    transport = _transport(emulator, cache_dir, sleeps)
    transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    emulator.set_faults("/api/v0/invoke=reset")
    with pytest.raises(TransportError, match="failed") as caught:
        transport.post_form(transport.endpoints.portal_invoke, _cone_body(2), force_refresh=True)
    assert type(caught.value) is TransportError


def test_truncated_body_is_retried_then_protocol_error(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=truncate:count=1")
    transport = _transport(emulator, cache_dir, sleeps, max_retries=1)
    assert transport.json(transport.post_form(transport.endpoints.portal_invoke, _cone_body()))
    emulator.set_faults("/api/v0/invoke=truncate")
    with pytest.raises(ProtocolError, match="cut short"):
        transport.post_form(transport.endpoints.portal_invoke, _cone_body(2))


def test_invalid_json_is_a_protocol_error_and_not_cached(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=invalid-json:count=1")
    transport = _transport(emulator, cache_dir, sleeps, max_retries=0)  # no retry: the error
    url = transport.endpoints.portal_invoke
    with pytest.raises(ProtocolError, match="not valid JSON"):
        transport.json(transport.post_form(url, _cone_body()))
    assert transport.json(transport.post_form(url, _cone_body()))["status"] == "COMPLETE"
    assert len(_invokes(emulator)) == 2


@pytest.mark.parametrize("kind", ["invalid-json", "wrong-length"])
def test_a_body_damaged_once_is_fetched_again(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float], kind: str
) -> None:
    """A transient damaged body (not JSON, or shorter than it claims) is retried like a 503:
    the call gets the complete answer, after one back-off, and the HTTP cache keeps it."""
    emulator.set_faults(f"/api/v0/invoke={kind}:count=1")
    transport = _transport(emulator, cache_dir, sleeps, max_retries=2)
    url = transport.endpoints.portal_invoke
    assert transport.json(transport.post_form(url, _cone_body()))["status"] == "COMPLETE"
    assert _invokes(emulator)[0].fault is not None
    assert len(_invokes(emulator)) == 2 and len(sleeps) == 1
    assert transport.json(transport.post_form(url, _cone_body()))["status"] == "COMPLETE"
    assert len(_invokes(emulator)) == 2  # the good answer was cached, the bad one was not


def test_a_body_damaged_every_time_is_a_protocol_error_after_retries(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=invalid-json")
    transport = _transport(emulator, cache_dir, sleeps, max_retries=2)
    url = transport.endpoints.portal_invoke
    with pytest.raises(ProtocolError, match="not valid JSON"):
        transport.json(transport.post_form(url, _cone_body()))
    assert len(_invokes(emulator)) == 3 and len(sleeps) == 2


def test_read_timeout_is_a_remote_timeout(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=slow:delay=2")
    transport = _transport(emulator, cache_dir, sleeps, request_timeout=0.3, max_retries=1)
    with pytest.raises(RemoteTimeoutError, match=r"no answer in time.*request_timeout"):
        transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    assert len(sleeps) == 1


def test_http_cache_serves_repeats_and_force_refresh_bypasses_it(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    transport = _transport(emulator, cache_dir, sleeps)
    url = transport.endpoints.portal_invoke
    first = transport.json(transport.post_form(url, _cone_body()))
    again = transport.post_form(url, _cone_body().replace("fixed", "other-breaker"))
    assert transport.json(again) == first and getattr(again, "from_cache", False)
    assert len(_invokes(emulator)) == 1
    transport.post_form(url, _cone_body(), force_refresh=True)
    assert len(_invokes(emulator)) == 2


def test_head_and_ranged_stream(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    transport = _transport(emulator, cache_dir, sleeps)
    url = transport.endpoints.download_url("mast:IUE/product/swp43920_mxlo.fits")
    size = int(transport.head(url).headers["Content-Length"])
    with transport.stream_get(url) as whole:
        body = b"".join(whole.chunks())
    with transport.stream_get(url, offset=1000) as rest:
        tail = b"".join(rest.chunks(size=4096))
        assert (rest.status_code, rest.offset, rest.total_size) == (206, 1000, size)
    assert len(body) == size and tail == body[1000:]
    assert all(r.fault is None for r in emulator.requests.snapshot())


def test_retry_after_forms() -> None:
    soon = datetime.now(timezone.utc) + timedelta(seconds=30)
    assert _retry_after_seconds("7") == 7.0
    assert 25 <= (_retry_after_seconds(format_datetime(soon, usegmt=True)) or 0) <= 30
    assert _retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert _retry_after_seconds("86400") == 300.0
    assert _retry_after_seconds("soon") is None and _retry_after_seconds(None) is None


def test_progress_bar_only_when_enabled(
    cache_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quiet = Transport(Settings.from_env({}, cache_dir=cache_dir, progress=False))
    with quiet.progress("pages") as update:
        update(1, 5)
        update(5, 5)
    loud = Transport(Settings.from_env({}, cache_dir=cache_dir, progress=True))
    assert capsys.readouterr().err == ""
    with loud.progress("pages") as update:
        update(1, 5)
        update(5, 5)
    assert "pages:" in capsys.readouterr().err


def test_json_is_decoded_once_per_response(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    transport = _transport(emulator, cache_dir, sleeps)
    response = transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    decoded = transport.json(response)
    assert decoded == json.loads(response.content)
    assert decoded_json(response) is decoded
    assert transport.json(response) is decoded


def test_invalid_json_is_not_remembered(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    emulator.set_faults("/api/v0/invoke=invalid-json:count=1")
    transport = _transport(emulator, cache_dir, sleeps)
    response = transport.post_form(transport.endpoints.portal_invoke, _cone_body())
    for _ in range(2):
        with pytest.raises(ValueError):
            decoded_json(response)


@pytest.mark.parametrize(
    ("fault", "error"),
    [("truncate", "cut short"), ("wrong-length", "not valid JSON"), ("reset", "failed")],
)
def test_an_uncached_body_read_whole_is_retried_and_mapped_like_a_cached_one(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float], fault: str, error: str
) -> None:
    """Uncached answers (Portal pages) are read in one urllib3 read, not requests' 10 KiB
    loop: a body damaged once is fetched again, one damaged every time is the same error."""
    transport = _transport(emulator, cache_dir, sleeps, max_retries=1)
    url = transport.endpoints.portal_invoke
    whole = transport.json(transport.post_form(url, _cone_body(), cached=False))
    emulator.set_faults(f"/api/v0/invoke={fault}:count=1")
    assert transport.json(transport.post_form(url, _cone_body(), cached=False)) == whole
    assert len(sleeps) == 1
    emulator.set_faults(f"/api/v0/invoke={fault}")
    with pytest.raises(TransportError, match=error):
        transport.json(transport.post_form(url, _cone_body(), cached=False))


def test_an_uncached_body_read_whole_is_a_complete_response(
    emulator: EmulatorServer, cache_dir: Path, sleeps: list[float]
) -> None:
    """What requests gives for an unstreamed answer: content, text, JSON, iter_content all
    agree, and the connection goes back to the pool (three pages, one connection)."""
    transport = _transport(emulator, cache_dir, sleeps)
    url = transport.endpoints.portal_invoke
    cached = transport.post_form(url, _cone_body())
    answers = [transport.post_form(url, _cone_body(), cached=False) for _ in range(3)]
    for answer in answers:
        assert answer.content == cached.content and len(answer.content) > 10_000
        assert answer.text == cached.text and answer.json() == cached.json()
        assert b"".join(answer.iter_content(4096)) == answer.content
    adapter = transport.session.get_adapter(url)
    assert isinstance(adapter, HTTPAdapter)
    pools = adapter.poolmanager.pools
    assert sum(pools[key].num_connections for key in pools.keys()) == 1  # noqa: SIM118 (no iter)


class _Gzipped(http.server.BaseHTTPRequestHandler):
    """Answers every POST with a gzip-encoded JSON body, chunked; ``/bad`` with bytes that
    claim to be gzip and are not."""

    body = json.dumps({"status": "COMPLETE", "data": [{"n": n} for n in range(5000)]}).encode()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        payload = gzip.compress(self.body) if self.path != "/bad" else b"not gzip at all"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for start in range(0, len(payload), 1000):
            piece = payload[start : start + 1000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args: Any) -> None:
        pass


def test_an_uncached_gzip_body_is_decoded_and_a_bad_one_is_an_error(
    cache_dir: Path, sleeps: list[float]
) -> None:
    """MAST may compress its answers: read whole, they decode as requests decodes them."""
    _Gzipped.protocol_version = "HTTP/1.1"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gzipped)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=url, max_retries=1)
        transport = Transport(settings, sleep=sleeps.append)
        answer = transport.post_form(f"{url}/good", "a=1", cached=False)
        assert answer.content == _Gzipped.body and transport.json(answer)["data"][4999] == {
            "n": 4999
        }
        with pytest.raises(TransportError):
            transport.post_form(f"{url}/bad", "a=1", cached=False)
        assert len(sleeps) == 1  # a body that cannot be decoded is retried, as requests' was
        transport.close()
    finally:
        server.shutdown()
        server.server_close()
