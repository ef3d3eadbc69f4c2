"""``requests.Response`` objects made from answers mastcache already holds."""

from __future__ import annotations

import io

import requests
from requests.structures import CaseInsensitiveDict

__all__ = ["json_response"]


def json_response(request: requests.PreparedRequest, body: bytes) -> requests.Response:
    """A complete ``200 OK`` JSON answer to ``request`` (readable streamed or not)."""
    response = requests.Response()
    response.status_code = 200
    response.reason = "OK"
    response.url = request.url or ""
    response.request = request
    response.encoding = "utf-8"
    response.headers = CaseInsensitiveDict(
        {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body))}
    )
    response.raw = io.BytesIO(body)
    response._content = body
    response._content_consumed = True  # type: ignore[attr-defined]
    return response
