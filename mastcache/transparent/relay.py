"""Everything but Portal queries, relayed through mastcache's HTTP-level cache.

Column configurations, downloads, cutouts, Search API and other calls go out through the
requests-cache session of :mod:`mastcache.net.httpcache` (keys without ``cacheBreaker`` or
tokens, no cookie stored), honouring the mode: ``offline`` answers only from the cache and
raises :class:`~mastcache.errors.CacheMissError` otherwise; ``online``/``refresh`` refetch.
A ``HEAD`` is answered from the cached ``GET`` of the same URL, so downloads replay offline.
"""

from __future__ import annotations

from typing import Any

import requests

from mastcache import runtime
from mastcache.errors import CacheMissError
from mastcache.transparent.services import TransparentServices

__all__ = ["relay"]

#: Headers requests recomputes for the body it sends.
_RECOMPUTED = frozenset({"content-length", "transfer-encoding", "host"})


def relay(
    services: TransparentServices,
    request: requests.PreparedRequest,
    *,
    stream: bool = False,
    timeout: Any = None,
) -> requests.Response:
    """The answer to ``request`` from the HTTP cache or, as the mode allows, the network."""
    if (request.method or "GET").upper() == "HEAD":
        return _head_from_get(services, request, timeout)
    return _send(services, request, request.method or "GET", stream, timeout)


def _send(
    services: TransparentServices,
    request: requests.PreparedRequest,
    method: str,
    stream: bool,
    timeout: Any,
) -> requests.Response:
    mode = runtime.effective_mode()
    session = services.http_session
    response = session.request(
        method,
        request.url or "",
        data=request.body,
        headers=_forwarded_headers(request),
        stream=stream,
        timeout=timeout or services.settings().request_timeout,
        **_cache_options(mode),
    )
    if mode == "offline" and response.status_code == 504:
        # requests-cache's "only-if-cached" miss (a real 504 is never stored)
        raise _miss(method, request.url or "")
    return response


def _head_from_get(
    services: TransparentServices, request: requests.PreparedRequest, timeout: Any
) -> requests.Response:
    response = _send(services, request, "GET", False, timeout)
    response.headers["Content-Length"] = str(len(response.content))
    response._content = b""
    return response


def _cache_options(mode: str) -> dict[str, Any]:
    if mode == "offline":
        return {"only_if_cached": True}
    if mode in ("online", "refresh"):
        return {"force_refresh": True}
    return {}


def _forwarded_headers(request: requests.PreparedRequest) -> dict[str, str]:
    return {
        name: value for name, value in request.headers.items() if name.lower() not in _RECOMPUTED
    }


def _miss(method: str, url: str) -> CacheMissError:
    return CacheMissError(
        f"offline mode: {method} {url} is not in mastcache's HTTP cache. Re-run without "
        "offline mode (unset MASTCACHE_MODE=offline or leave mastcache.using_mode('offline')) "
        "to fetch it from MAST, or restore a snapshot that holds it."
    )
