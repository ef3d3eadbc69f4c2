"""The transport adapter mounted on stock astroquery's sessions while transparent mode is on.

:meth:`MastcacheAdapter.send` routes each request, in order:

1. a Portal ``invoke`` for one page of a JSON query, from an anonymous session: answered
   from the archive at the logical-query level (:mod:`mastcache.transparent.portal`);
2. an anonymous ``GET``/``HEAD`` of a product (``Download/file?uri=``): answered from the
   product store, fetched into it once, verified (:mod:`mastcache.transparent.downloads`);
3. anything else (column configs, extjs and histogram requests, cutouts, Search API,
   authenticated calls, answers that are not tables): relayed through the HTTP cache
   (:mod:`mastcache.transparent.relay`).

Offline misses raise :class:`~mastcache.errors.CacheMissError` out of ``send``, so the
astroquery call that needed the answer fails with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from mastcache.transparent import pages
from mastcache.transparent.downloads import answer_download, download_uri
from mastcache.transparent.portal import UntabularAnswer, answer_invoke
from mastcache.transparent.relay import relay
from mastcache.transparent.responses import json_response
from mastcache.transparent.services import TransparentServices

__all__ = ["MastcacheAdapter"]

_INVOKE_PATH = "/api/v0/invoke"


class MastcacheAdapter(HTTPAdapter):
    """Answers a stock astroquery session's requests through mastcache (cache, store, mode)."""

    def __init__(self, services: TransparentServices) -> None:
        super().__init__()
        self.services = services

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """The answer to ``request``: from the archive, the HTTP cache or MAST."""
        query = _portal_query(request)
        uri = None if _carries_credential(request) else download_uri(request)
        if uri is not None:
            response = answer_download(self.services, request, uri)
        elif query is not None:
            try:
                envelope = answer_invoke(self.services, query)
            except UntabularAnswer as answer:
                envelope = answer.envelope
            response = json_response(request, json.dumps(envelope).encode("utf-8"))
        else:
            response = relay(self.services, request, stream=stream, timeout=timeout)
            response.request = request
        response.connection = self
        return response


def _portal_query(request: requests.PreparedRequest) -> dict[str, Any] | None:
    """The MashupRequest of a one-page JSON Portal query the archive can serve, else None."""
    if (request.method or "").upper() != "POST":
        return None
    if not urlsplit(request.url or "").path.endswith(_INVOKE_PATH):
        return None
    if _carries_credential(request):
        return None
    query = pages.decode_invoke(request.body)
    if query is None or query.get("format", "json") != "json":
        return None
    if not isinstance(query.get("page"), int) or not isinstance(query.get("pagesize"), int):
        return None
    return query


def _carries_credential(request: requests.PreparedRequest) -> bool:
    """Authenticated calls are not stored at the result level (no per-account scope yet)."""
    cookie = request.headers.get("Cookie", "")
    return "mast_token=" in cookie or "Authorization" in request.headers
