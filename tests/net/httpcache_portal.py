"""Portal request helpers for the HTTP-cache tests, importable by their worker processes
(spawned children cannot import a test module loaded in importlib mode)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from mastcache.net.httpcache import make_session
from mastcache.settings import Settings

ROWS_PER_PAGE = 3
FORM = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}


def portal_body(page: int = 1, breaker: str | None = None, **params: Any) -> str:
    """A Portal form body exactly as astroquery encodes it (MAST_PROTOCOL.md 1.1)."""
    request = {
        "service": "Mast.Caom.Cone",
        "params": params or {"ra": 23.34086, "dec": 60.658, "radius": 0.2},
        "format": "json",
        "pagesize": ROWS_PER_PAGE,
        "page": page,
        "cacheBreaker": breaker or str(uuid.uuid4()),
    }
    return "request=" + quote(json.dumps(request))


def invoke(session: requests.Session, base: str, body: str) -> requests.Response:
    response = session.post(f"{base}/api/v0/invoke", data=body, headers=FORM, timeout=10)
    response.raise_for_status()
    return response


def write_pages(base: str, cache_dir: str, worker: int, count: int) -> None:
    """Worker process: ``count`` distinct Portal requests through one cached session."""
    with make_session(Settings(cache_dir=Path(cache_dir))) as session:
        for index in range(count):
            invoke(session, base, portal_body(ra=float(worker), dec=float(index)))
