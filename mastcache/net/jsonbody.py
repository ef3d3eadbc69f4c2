"""JSON bodies of HTTP answers, decoded once per response (no requests-cache import here,
so modules that only read answers stay cheap to import).

Bodies are decoded by orjson when it is installed (``pip install mastcache[fast]``): a
Portal page of 10,000 rows is ~9 MB of JSON, which orjson reads 2-4x faster than the
standard library. orjson refuses what strict JSON forbids but Python accepts (``NaN``, lone
surrogates, a BOM), and reads integers beyond 64 bits as floats; a body it refuses, or with
a run of 19 or more digits outside a string (a cheap scan), is decoded by
``response.json()`` instead, so the objects are always exactly what ``response.json()``
would give. (Runs right after an opening quote are string contents: MAST's GALEX obs_ids
are 19-digit strings, and must not send every such page down the slow path.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

_fast_loads: Callable[[bytes], Any] | None
try:
    from orjson import loads as _fast_loads
except ImportError:  # optional: the standard library decodes alone
    _fast_loads = None

__all__ = ["decoded_json", "loads_body", "may_hold_big_integers"]

_DECODED = "_mastcache_decoded_json"
#: 19 digits in a row may be an integer orjson would turn into a float (beyond int64);
#: found by mapping digits to "0", quotes to '"' and everything else to " " (a regex is 30x
#: slower). JSON never puts a number right after a quote, so a run that follows one is
#: inside a string; any other run might be a number.
_DIGITS_AND_QUOTES = bytes(
    48 if 48 <= byte <= 57 else 34 if byte == 34 else 32 for byte in range(256)
)
_LONG_RUN = b"0" * 19
_BARE_LONG_RUN = b" " + _LONG_RUN
#: The body is mapped this many bytes at a time: a whole ~9 MB page mapped at once was a
#: fresh 9 MB allocation per page, 8% of a cold fetch's page faults (issue 19).
_SCAN_BYTES = 1 << 16


def decoded_json(response: requests.Response) -> Any:
    """``response.json()``, decoded once per response object and remembered on it.

    A Portal page is megabytes of JSON: whoever looks at the body first (the HTTP cache's
    filter checking the status, then :meth:`Transport.json`) pays for the decoding, later
    callers get the same objects, which they must not modify. Invalid JSON raises
    ``ValueError`` every time and is not remembered.
    """
    memo = response.__dict__.get(_DECODED)
    if memo is None:
        memo = (loads_body(response),)
        response.__dict__[_DECODED] = memo
    return memo[0]


def may_hold_big_integers(content: bytes, *, piece: int = _SCAN_BYTES) -> bool:
    """Whether ``content`` has a run of 19+ digits that is not a string's opening (mapped
    ``piece`` bytes at a time, each with the 19 bytes before it)."""
    if content[: len(_LONG_RUN)].translate(_DIGITS_AND_QUOTES) == _LONG_RUN:
        return True
    overlap = len(_LONG_RUN)
    for start in range(0, len(content), piece):
        mapped = content[max(start - overlap, 0) : start + piece].translate(_DIGITS_AND_QUOTES)
        if _BARE_LONG_RUN in mapped:
            return True
    return False


def loads_body(response: requests.Response) -> Any:
    """The JSON body of ``response``, exactly as ``response.json()`` decodes it."""
    if _fast_loads is not None:
        content = response.content
        if content and not may_hold_big_integers(content):
            try:
                return _fast_loads(content)
            except ValueError:  # orjson.JSONDecodeError
                pass  # what orjson refuses, the standard library may accept
    return response.json()
