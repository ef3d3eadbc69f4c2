"""Stand-in for astroquery's ``utils._simple_request`` (resolver, path lookup, column lists).

SANTA name lookups are answered per name from the archive's stored resolutions (fetched on
a miss), so stock astroquery and mastcache's clients share them; every other URL is relayed
through the HTTP cache. The answer is a ``requests.Response`` checked with
``raise_for_status``, as astroquery's own function returns it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from mastcache.client.resolution import WireOptions
from mastcache.transparent.relay import relay
from mastcache.transparent.responses import json_response
from mastcache.transparent.services import TransparentServices

__all__ = ["SimpleRequest", "make_simple_request", "resolver_options"]

SimpleRequest = Callable[..., requests.Response]
_SANTA_PATH = "/Santa-war/query"
_HEADERS = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}


def make_simple_request(services: TransparentServices, user_agent: str) -> SimpleRequest:
    """A function with ``_simple_request``'s signature answering through ``services``."""

    def simple_request(url: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        request = requests.Request(
            "GET", url, params=dict(params or {}), headers={**_HEADERS, "User-Agent": user_agent}
        ).prepare()
        if urlsplit(url).path.rstrip("/") == _SANTA_PATH:
            response = _santa(services, request, dict(params or {}))
        else:
            response = relay(services, request)
        response.raise_for_status()
        return response

    return simple_request


def resolver_options(params: Mapping[str, Any]) -> WireOptions:
    """The ``resolver`` / ``resolveAll`` a SANTA request carries (Python-style booleans)."""
    resolve_all = params.get("resolveAll", False)
    if isinstance(resolve_all, str):
        resolve_all = resolve_all.strip().lower() == "true"
    resolver = params.get("resolver") or None
    return WireOptions(None if resolve_all else resolver, bool(resolve_all))


def _santa(
    services: TransparentServices, request: requests.PreparedRequest, params: dict[str, Any]
) -> requests.Response:
    raw_names = params.get("name", [])
    names = [raw_names] if isinstance(raw_names, str) else [str(n) for n in raw_names]
    found = services.resolutions(names, resolver_options(params))
    entries = [entry for name in dict.fromkeys(names) for entry in found.get(name, [])]
    body = json.dumps({"resolvedCoordinate": entries, "status": ""}).encode("utf-8")
    return json_response(request, body)
