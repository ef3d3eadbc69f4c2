"""The ``prerendered_mb`` knob: result pages served again as the same bytes, over HTTP.

Two emulators, one with the knob and one without, must answer every request with the same
bytes; with the knob, a page is rendered once (the second answer is the kept one), faults
still apply on top, and the budget bounds what is kept.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests
from click.testing import CliRunner

from mastcache.emulator import EmulatorConfig, start
from mastcache.emulator.portal.pagememory import PageMemory
from mastcache.emulator.reply import Reply
from mastcache.errors import ConfigurationError

CONE = {"ra": 210.80227, "dec": 54.34895, "radius": 0.2}


def _body(page: int, **extra: Any) -> str:
    request = {
        "service": "Mast.Caom.Cone",
        "params": CONE,
        "format": "json",
        "pagesize": 300,
        "page": page,
        "cacheBreaker": str(uuid.uuid4()),
        **extra,
    }
    return "request=" + quote(json.dumps(request))


def _post(url: str, body: str) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return requests.post(f"{url}/api/v0/invoke", data=body, headers=headers, timeout=30)


def test_pages_are_byte_identical_with_and_without_the_knob() -> None:
    bodies = [_body(page) for page in (1, 2, 5)] + [_body(1, removenullcolumns=True)]
    bodies.append(_body(1, service="Mast.No.Such.Service"))
    with (
        start("127.0.0.1", 0, rows=1_500) as plain,
        start("127.0.0.1", 0, rows=1_500, prerendered_mb=64) as ready,
    ):
        for body in bodies:
            expected = _post(plain.url, body)
            first, again = _post(ready.url, body), _post(ready.url, body)
            assert first.content == expected.content
            assert again.content == expected.content
            assert first.status_code == again.status_code == expected.status_code
            assert first.headers["Content-Type"] == expected.headers["Content-Type"]
        kept = ready.app.portal().pages
        assert kept is not None and 0 < kept.held <= 64 << 20


def test_a_kept_page_is_not_rendered_again() -> None:
    with start("127.0.0.1", 0, rows=1_000, prerendered_mb=16) as server:
        portal = server.app.portal()
        renders = []
        render = portal._dispatch

        def counting(*args: Any) -> Reply:
            renders.append(args[0].page)
            return render(*args)

        portal._dispatch = counting  # type: ignore[method-assign]
        for _ in range(3):
            assert _post(server.url, _body(2)).json()["paging"]["page"] == 2
        assert renders == [2]


def test_faults_apply_to_kept_pages() -> None:
    with start("127.0.0.1", 0, rows=1_000, prerendered_mb=16) as server:
        whole = _post(server.url, _body(1)).content
        server.set_faults("/api/v0/invoke=invalid-json:count=1")
        assert _post(server.url, _body(1)).content != whole
        assert _post(server.url, _body(1)).content == whole


def test_executing_answers_are_never_kept() -> None:
    with start("127.0.0.1", 0, rows=500, executing_polls=1, prerendered_mb=16) as server:
        body = _body(1)
        assert _post(server.url, body).json()["status"] == "EXECUTING"
        assert _post(server.url, body).json()["status"] == "COMPLETE"
        assert _post(server.url, _body(1)).json()["status"] == "EXECUTING"


def test_budget_keeps_the_most_recent_pages() -> None:
    memory = PageMemory(max_bytes=25)
    for key in "abc":
        memory.reply(key, lambda key=key: Reply.raw(key.encode() * 10, "text/plain"))
    assert memory.held == 20
    assert set(memory.kept()) == {"b", "c"}
    memory.reply("d", lambda: Reply.raw(b"x" * 26, "text/plain"))  # larger than the budget
    assert set(memory.kept()) == {"b", "c"}
    failed = memory.reply("e", lambda: Reply.raw(b"no", "text/plain", 500))
    assert failed.status == 500 and "e" not in memory.kept()


def test_knob_is_checked_and_read_from_strings() -> None:
    assert EmulatorConfig().prerendered_mb == 0
    assert EmulatorConfig().new(prerendered_mb="128").prerendered_mb == 128
    with pytest.raises(ConfigurationError, match="prerendered_mb=-1"):
        EmulatorConfig(prerendered_mb=-1)


def test_cli_serve_documents_the_knob() -> None:
    from mastcache.cli import cli

    result = CliRunner().invoke(cli, ["emulator", "serve", "--help"])
    assert result.exit_code == 0 and "--prerendered-mb" in result.output
    bad = CliRunner().invoke(cli, ["emulator", "serve", "--prerendered-mb", "-5"])
    assert bad.exit_code != 0 and "prerendered-mb" in bad.output
