"""The HTTP-level cache against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from net.httpcache_portal import FORM, ROWS_PER_PAGE, invoke, portal_body, write_pages

from mastcache.net.httpcache import HTTP_CACHE_FILE, http_cache_key, make_session
from mastcache.settings import Settings

SECRET = "s3cr3t-T0KEN-value-4242"
PAGES = 4


@dataclass
class Behaviour:
    """What the test server does; every request it receives is logged."""

    log: list[dict[str, Any]] = field(default_factory=list)
    failing_pages: set[int] = field(default_factory=set)
    executing_once: set[str] = field(default_factory=set)
    status_code: int = 200


class PortalHandler(BaseHTTPRequestHandler):
    behaviour: Behaviour

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def _reply(self, status: int, body: dict[str, Any], cookie: bool) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", f"mast_token={SECRET}; Path=/")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.behaviour.log.append({"path": self.path, "cookie": self.headers.get("Cookie")})
        has_cookie = SECRET in (self.headers.get("Cookie") or "")
        self._reply(200, {"anon": not has_cookie, "token": SECRET}, cookie=has_cookie)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        request = json.loads(form["request"][0])
        cookie = self.headers.get("Cookie") or ""
        self.behaviour.log.append({"path": self.path, "request": request, "cookie": cookie})
        self._reply(*self._answer(request), cookie=SECRET in cookie)

    def _answer(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        behaviour, page = self.behaviour, int(request.get("page", 1))
        if page in behaviour.failing_pages:
            return 503, {"status": "ERROR", "msg": "try later"}
        breaker = request.get("cacheBreaker", "")
        if breaker in behaviour.executing_once:
            behaviour.executing_once.discard(breaker)
            return 200, {"status": "EXECUTING", "msg": "", "data": []}
        rows = [{"obsid": str(page * 100 + i)} for i in range(ROWS_PER_PAGE)]
        paging = {"page": page, "pageSize": ROWS_PER_PAGE, "pagesFiltered": PAGES}
        return behaviour.status_code, {"status": "COMPLETE", "data": rows, "paging": paging}


@pytest.fixture
def server() -> Iterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()
    handler = type("Handler", (PortalHandler,), {"behaviour": behaviour})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(cache_dir=tmp_path / "cache")


def test_cache_breaker_does_not_defeat_the_cache(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, behaviour = server
    with make_session(settings) as session:
        answers = [invoke(session, base, portal_body()).json() for _ in range(10)]
    assert len(behaviour.log) == 1
    assert all(answer == answers[0] for answer in answers)


def test_pages_are_separate_entries(server: tuple[str, Behaviour], settings: Settings) -> None:
    base, behaviour = server
    with make_session(settings) as session:
        first = invoke(session, base, portal_body(page=1)).json()
        second = invoke(session, base, portal_body(page=2)).json()
        invoke(session, base, portal_body(page=2))
    assert first["data"] != second["data"]
    assert len(behaviour.log) == 2


def test_different_queries_are_not_shared(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, behaviour = server
    with make_session(settings) as session:
        invoke(session, base, portal_body(ra=1.0, dec=2.0, radius=0.2))
        invoke(session, base, portal_body(ra=1.0, dec=2.0, radius=0.3))
        invoke(session, base, portal_body(radius=0.20, dec=2.0, ra=1))
    assert len(behaviour.log) == 2


def test_token_and_anonymous_scopes_never_share(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, behaviour = server
    anonymous = make_session(settings)
    alice = make_session(settings, scope="user:alice")
    alice.cookies.set("mast_token", SECRET)
    careless = make_session(settings)  # a token session wrongly left in the anonymous scope
    careless.cookies.set("mast_token", SECRET)
    for session in (alice, careless, anonymous, alice, careless, anonymous):
        invoke(session, base, portal_body())
    cookies = [entry["cookie"] for entry in behaviour.log]
    assert len(cookies) == 3
    assert sorted(SECRET in cookie for cookie in cookies) == [False, True, True]
    for session in (anonymous, alice, careless):
        session.close()


def test_the_token_is_never_written(server: tuple[str, Behaviour], settings: Settings) -> None:
    base, behaviour = server
    with make_session(settings, scope="user:alice") as session:
        session.cookies.set("mast_token", SECRET)
        response = invoke(session, base, portal_body())
        session.get(f"{base}/whoami", timeout=10)
        assert SECRET in response.headers["Set-Cookie"]  # the live answer is untouched
        cached = invoke(session, base, portal_body())
        assert getattr(cached, "from_cache", False)
        assert "Set-Cookie" not in cached.headers
        assert not cached.cookies and not cached.request.headers.get("Cookie")
    files = list(settings.cache_dir.glob(HTTP_CACHE_FILE + "*"))
    assert files
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path.name
    assert len(behaviour.log) == 2


def test_whoami_is_never_cached(server: tuple[str, Behaviour], settings: Settings) -> None:
    base, behaviour = server
    with make_session(settings) as session:
        for _ in range(3):
            session.get(f"{base}/whoami", timeout=10)
    assert len(behaviour.log) == 3


def test_executing_and_error_answers_are_not_cached(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, behaviour = server
    breaker = str(uuid.uuid4())
    behaviour.executing_once.add(breaker)
    with make_session(settings) as session:
        polled = invoke(session, base, portal_body(breaker=breaker)).json()
        done = invoke(session, base, portal_body(breaker=breaker)).json()
        behaviour.status_code = 500
        with pytest.raises(requests.HTTPError):
            invoke(session, base, portal_body(page=2))
        with pytest.raises(requests.HTTPError):
            invoke(session, base, portal_body(page=2))
    assert (polled["status"], done["status"]) == ("EXECUTING", "COMPLETE")
    assert len(behaviour.log) == 4


def fetch_all_pages(session: requests.Session, base: str) -> list[dict[str, Any]]:
    """A paging loop like astroquery's: one cacheBreaker per call, pages 1..pagesFiltered."""
    breaker, rows, page, total = str(uuid.uuid4()), [], 1, 1
    while page <= total:
        answer = invoke(session, base, portal_body(page=page, breaker=breaker)).json()
        rows.extend(answer["data"])
        total, page = answer["paging"]["pagesFiltered"], page + 1
    return rows


def test_interrupted_paginated_fetch_resumes_from_cached_pages(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, behaviour = server
    behaviour.failing_pages = {3}
    with make_session(settings) as session, pytest.raises(requests.HTTPError):
        fetch_all_pages(session, base)
    assert [entry["request"]["page"] for entry in behaviour.log] == [1, 2, 3]
    behaviour.failing_pages = set()
    with make_session(settings) as session:
        rows = fetch_all_pages(session, base)
    assert [entry["request"]["page"] for entry in behaviour.log] == [1, 2, 3, 3, 4]
    assert len(rows) == PAGES * ROWS_PER_PAGE
    assert len({row["obsid"] for row in rows}) == len(rows)


def test_concurrent_processes_lose_no_writes(
    server: tuple[str, Behaviour], settings: Settings
) -> None:
    base, _ = server
    make_session(settings).close()  # create the database once, as the transport does
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=write_pages, args=(base, str(settings.cache_dir), w, 40))
        for w in range(3)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    assert [process.exitcode for process in workers] == [0, 0, 0]
    with sqlite3.connect(settings.cache_dir / HTTP_CACHE_FILE) as connection:
        stored = connection.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
    assert stored == 120


def prepared(body: str, **headers: str) -> requests.PreparedRequest:
    return requests.Request(
        "POST", "http://host/api/v0/invoke", data=body, headers={**FORM, **headers}
    ).prepare()


def test_key_function_rules() -> None:
    breaker_a, breaker_b = portal_body(breaker="a"), portal_body(breaker="b")
    assert http_cache_key(prepared(breaker_a)) == http_cache_key(prepared(breaker_b))
    assert http_cache_key(prepared(portal_body(page=1))) != http_cache_key(
        prepared(portal_body(page=2))
    )
    plain = http_cache_key(prepared(breaker_a))
    assert plain == http_cache_key(prepared(breaker_a, Cookie="lb=node3"))
    assert plain != http_cache_key(prepared(breaker_a, Cookie=f"mast_token={SECRET}"))
    assert plain != http_cache_key(prepared(breaker_a), scope="user:alice")


def test_key_function_reads_json_bodies_and_urls() -> None:
    def post_json(body: dict[str, Any]) -> requests.PreparedRequest:
        return requests.Request("POST", "http://h/search", json=body).prepare()

    one = post_json({"target": ["1 2"], "radius": 180.0, "cacheBreaker": "x"})
    two = post_json({"radius": 180, "target": ["1 2"], "token": SECRET})
    assert http_cache_key(one) == http_cache_key(two)
    assert http_cache_key(one) != http_cache_key(post_json({"target": ["1 2"], "radius": 90}))

    def get(url: str) -> requests.PreparedRequest:
        return requests.Request("GET", url).prepare()

    assert http_cache_key(get("http://H/q?b=1&a=2&cacheBreaker=z")) == http_cache_key(
        get("http://h/q?a=2&b=1")
    )
    assert http_cache_key(get("http://h/q?name=A&name=B")) != http_cache_key(
        get("http://h/q?name=A")
    )
