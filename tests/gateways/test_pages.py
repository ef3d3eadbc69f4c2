"""DeferredEnvelope: a COMPLETE page's status is read without decoding its body; the body
is decoded once, on first use, and a page that is not what its head said is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from mastcache.errors import ProtocolError, RemoteServiceError
from mastcache.gateways.pages import DeferredEnvelope, is_complete_page
from mastcache.mast import portal


def _response(body: bytes) -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer._content = body
    answer.url = "http://127.0.0.1/api/v0/invoke"
    return answer


PAGE = {"status": "COMPLETE", "msg": "", "data": [{"a": 1}], "fields": [], "paging": None}


def test_status_and_truth_need_no_decoding() -> None:
    calls: list[Any] = []

    def decode(response: requests.Response) -> Any:
        calls.append(response)
        return json.loads(response.content)

    envelope = DeferredEnvelope(_response(json.dumps(PAGE).encode()), decode)
    assert envelope["status"] == "COMPLETE" and bool(envelope)
    portal.raise_for_error(envelope)
    assert calls == []
    assert envelope["data"] == [{"a": 1}] and dict(envelope) == PAGE
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"status": "ERROR", "msg": "bad", "data": []}', RemoteServiceError),
        (b'{"status": "EXECUTING", "data": []}', ProtocolError),
        (b"[1, 2]", ProtocolError),
    ],
)
def test_a_body_that_is_no_complete_page_is_refused(body: bytes, error: type) -> None:
    envelope = DeferredEnvelope(_response(body), lambda r: json.loads(r.content))
    with pytest.raises(error):
        envelope.decoded()


@pytest.mark.parametrize(
    ("head", "complete"),
    [
        (b'{"status":"COMPLETE","msg":"","data":[', True),
        (b'{"status" : "COMPLETE","msg" : "","data":[', True),  # real MAST's spacing
        (b' {\n  "status": "COMPLETE"}', True),
        (b'{"status":"EXECUTING","msg":""}', False),
        (b'{"data": [{"status": "COMPLETE"}]}', False),  # a column, not the envelope's
        (b'{"status":"COMPLETED"}', False),
    ],
)
def test_only_a_complete_head_is_deferred(head: bytes, complete: bool) -> None:
    assert is_complete_page(_response(head)) is complete
