"""JSON bodies of HTTP answers, decoded once per response (no requests-cache import here,
so modules that only read answers stay cheap to import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = ["decoded_json"]

_DECODED = "_mastcache_decoded_json"


def decoded_json(response: requests.Response) -> Any:
    """``response.json()``, decoded once per response object and remembered on it.

    A Portal page is megabytes of JSON: whoever looks at the body first (the HTTP cache's
    filter checking the status, then :meth:`Transport.json`) pays for the decoding, later
    callers get the same objects, which they must not modify. Invalid JSON raises
    ``ValueError`` every time and is not remembered.
    """
    memo = response.__dict__.get(_DECODED)
    if memo is None:
        memo = (response.json(),)
        response.__dict__[_DECODED] = memo
    return memo[0]
