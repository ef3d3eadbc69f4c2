"""The HTTP-level cache: a requests-cache ``CachedSession`` on ``cache_dir/http.sqlite``.

Every page of every MAST request is kept, so an interrupted paginated fetch resumes from the
pages already received (DESIGN.md section 3). The traps of section 11 shape it:

- keys decode Portal form bodies (``request=<quoted JSON>``) and JSON bodies, and drop
  ``cacheBreaker`` and tokens; ``page``/``pagesize`` stay (each page is its own entry);
- the identity scope, and whether the request carries a credential at all, are part of the
  key, so a token session never shares entries with an anonymous one; cookies and auth
  headers are never keyed on and never stored (``Set-Cookie`` included);
- SQLite runs in WAL mode with a busy timeout, and each write is read back, because
  requests-cache rolls a failed COMMIT back silently;
- only ``200`` answers are stored, and a Portal answer only once its status is ``COMPLETE``
  (an ``EXECUTING`` answer must be polled again, never replayed); ``whoami`` never is.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict
from requests_cache import DO_NOT_CACHE, NEVER_EXPIRE, AnyRequest, CachedSession
from requests_cache.backends.sqlite import SQLiteCache
from requests_cache.cache_keys import filter_url, normalize_body
from requests_cache.models.response import CachedResponse
from requests_cache.policy import ExpirationPatterns
from urllib3 import HTTPHeaderDict

from mastcache.access import is_read_only_dir
from mastcache.keys import canonical_json, canonical_value
from mastcache.net.jsonbody import decoded_json
from mastcache.policy import RefreshPolicy

if TYPE_CHECKING:
    import requests

    from mastcache.settings import Settings

__all__ = [
    "HTTP_CACHE_FILE",
    "HTTP_VOLATILE_FIELDS",
    "SECRET_HEADERS",
    "ScrubbingSQLiteCache",
    "decoded_json",
    "http_cache_key",
    "is_cacheable_response",
    "make_session",
]

logger = logging.getLogger(__name__)

HTTP_CACHE_FILE = "http.sqlite"
#: Dropped from URLs and bodies before keying (and from what is stored). Unlike the result
#: key, ``page`` and ``pagesize`` stay: every page is an entry of its own.
HTTP_VOLATILE_FIELDS: frozenset[str] = frozenset({"cacheBreaker", "token", "mast_token"})
#: Never keyed on, never written to ``http.sqlite``.
SECRET_HEADERS: tuple[str, ...] = ("Cookie", "Set-Cookie", "Authorization", "Proxy-Authorization")
_BUSY_TIMEOUT_MS = 30_000
_WRITE_ATTEMPTS = 3
_NEVER_CACHED_PATHS = ("/whoami",)


def _text(body: bytes | str) -> str | None:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _canonical_pairs(pairs: list[tuple[str, str]]) -> list[list[Any]]:
    kept = [(name, value) for name, value in pairs if name not in HTTP_VOLATILE_FIELDS]
    return [[name, _form_value(name, value)] for name, value in sorted(kept, key=_first)]


def _first(pair: tuple[str, str]) -> str:
    return pair[0]


def _form_value(name: str, value: str) -> Any:
    if name != "request":
        return value
    try:
        return canonical_value(json.loads(value), HTTP_VOLATILE_FIELDS)
    except ValueError:
        return value


def _canonical_body(body: bytes | str | None, content_type: str) -> Any:
    if not body:
        return None
    text = _text(body)
    if text is None:
        raw = body if isinstance(body, bytes) else body.encode()
        return {"sha256": hashlib.sha256(raw).hexdigest()}
    if "json" in content_type:
        try:
            return {"json": canonical_value(json.loads(text), HTTP_VOLATILE_FIELDS)}
        except ValueError:
            return {"text": text}
    if "x-www-form-urlencoded" in content_type or "=" in text:
        return {"form": _canonical_pairs(parse_qsl(text, keep_blank_values=True))}
    return {"text": text}


def _canonical_url(url: str) -> str:
    parts = urlsplit(url)
    pairs = _canonical_pairs(parse_qsl(parts.query, keep_blank_values=True))
    query = urlencode([(name, value) for name, value in pairs])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, query, ""))


def _carries_credential(headers: Mapping[str, str]) -> bool:
    cookie = headers.get("Cookie", "")
    return "mast_token=" in cookie or "Authorization" in headers


def http_cache_key(request: AnyRequest, scope: str = "anonymous", **_: Any) -> str:
    """The cache key of one HTTP request (requests-cache ``key_fn`` signature, plus scope)."""
    headers = CaseInsensitiveDict(request.headers or {})
    document = {
        "v": 1,
        "scope": scope,
        "credentialed": _carries_credential(headers),
        "method": (request.method or "GET").upper(),
        "url": _canonical_url(request.url or ""),
        "body": _canonical_body(getattr(request, "body", None), headers.get("Content-Type", "")),
    }
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def _portal_is_complete(response: requests.Response) -> bool:
    try:
        envelope = decoded_json(response)
    except ValueError:
        return False
    return isinstance(envelope, dict) and envelope.get("status") == "COMPLETE"


def is_cacheable_response(response: requests.Response) -> bool:
    """Whether ``response`` may be stored (``filter_fn``): never session info, never a
    Portal answer that is still ``EXECUTING`` or an ``ERROR``."""
    path = urlsplit(response.url or "").path
    if path.endswith(_NEVER_CACHED_PATHS):
        return False
    if path.endswith("/invoke"):
        return _portal_is_complete(response)
    return bool(response.content)


def _expiry(policy: RefreshPolicy, kind: str) -> int:
    seconds = policy.ttl(kind)
    return NEVER_EXPIRE if math.isinf(seconds) else max(int(seconds), 1)


def _url_expiry(policy: RefreshPolicy) -> ExpirationPatterns:
    return {
        "*/whoami": DO_NOT_CACHE,
        "*/Santa-war/*": _expiry(policy, "resolutions"),
        "*/tesscut/*": _expiry(policy, "cutouts"),
        "*/zcut/*": _expiry(policy, "cutouts"),
        "*/hapcut/*": _expiry(policy, "cutouts"),
    }


def _without_secrets(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    secret = {name.lower() for name in SECRET_HEADERS}
    return [(name, value) for name, value in headers.items() if name.lower() not in secret]


def _scrub_request(request: Any) -> None:
    request.headers = CaseInsensitiveDict(dict(_without_secrets(request.headers or {})))
    request.cookies = RequestsCookieJar()
    request.url = filter_url(request.url or "", list(HTTP_VOLATILE_FIELDS))
    request.body = normalize_body(request, list(HTTP_VOLATILE_FIELDS))


def _scrub(response: CachedResponse) -> None:
    """Remove every cookie, auth header and token from what will be written."""
    response.cookies = RequestsCookieJar()
    response.headers = CaseInsensitiveDict(dict(_without_secrets(response.headers)))
    response.raw.headers = HTTPHeaderDict(_without_secrets(response.raw.headers))
    response.url = filter_url(response.url, list(HTTP_VOLATILE_FIELDS))
    _scrub_request(response.request)
    if response._next is not None:
        _scrub_request(response._next)
    for earlier in response.history:
        _scrub(earlier)


class ScrubbingSQLiteCache(SQLiteCache):
    """SQLite backend that stores no secrets and notices writes SQLite rolled back."""

    def save_response(
        self,
        response: requests.Response,
        cache_key: str | None = None,
        expires: datetime | None = None,
    ) -> None:
        cache_key = cache_key or self.create_key(response.request)
        cached = CachedResponse.from_response(response, expires=expires)
        _scrub(cached)
        self._write_checked(cache_key, cached)
        if response.history and not cached.revalidated:
            for earlier in response.history:
                self.redirects[self.create_key(earlier.request)] = cache_key

    def _write_checked(self, cache_key: str, cached: CachedResponse) -> None:
        for _ in range(_WRITE_ATTEMPTS):
            self.responses[cache_key] = cached
            if self._is_stored(cache_key):
                return
        logger.warning(
            "http.sqlite stayed locked: the cached page for %s was not saved after %d tries; "
            "it will be fetched again next time (check for a stuck process on the cache dir)",
            cached.url,
            _WRITE_ATTEMPTS,
        )

    def _is_stored(self, cache_key: str) -> bool:
        table = self.responses.table_name
        with self.responses.connection() as connection:
            row = connection.execute(
                f"SELECT 1 FROM {table} WHERE key = ?", (cache_key,)
            ).fetchone()
        return row is not None


def _serializer() -> str:
    """JSON on disk either way; orjson (when installed) writes and reads a ~10 MB page entry
    several times faster than the standard library, and each reads the other's entries."""
    return "orjson" if find_spec("orjson") is not None else "json"


def make_session(
    settings: Settings, *, scope: str = "anonymous", policy: RefreshPolicy | None = None
) -> CachedSession:
    """A ``CachedSession`` on ``settings.cache_dir/http.sqlite`` for identity ``scope``.

    ``scope`` names the account (``"anonymous"`` or e.g. ``"user:<ezid>"``), never a token.
    """
    policy = policy or RefreshPolicy.from_settings(settings)
    if not settings.cache_dir.is_dir():
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    backend: Any = "memory"  # a read-only cache dir: HTTP pages live for this process only
    if not is_read_only_dir(settings.cache_dir):
        backend = ScrubbingSQLiteCache(
            settings.cache_dir / HTTP_CACHE_FILE,
            busy_timeout=_BUSY_TIMEOUT_MS,
            wal=True,
            serializer=_serializer(),
        )
    return CachedSession(
        backend=backend,
        key_fn=partial(http_cache_key, scope=scope),
        expire_after=_expiry(policy, "raw"),
        urls_expire_after=_url_expiry(policy),
        allowable_codes=(200,),
        allowable_methods=("GET", "HEAD", "POST"),
        match_headers=False,
        filter_fn=is_cacheable_response,
        stale_if_error=False,
    )
