"""The only module that does HTTP: one session (requests-cache), timeouts, retries, errors.

:meth:`Transport.request` runs, in order: send through the session (HTTP cache unless
``force_refresh``) with ``settings.request_timeout``; on a connection error, timeout, cut
body or HTTP 429/500/502/503/504, wait (``Retry-After`` when sent, else exponential backoff
with jitter) and retry up to ``settings.max_retries`` times; then map what is left into the
``TransportError`` tree (RemoteTimeoutError, HTTPStatusError, ProtocolError).
:meth:`Transport.json` retries the same way when a body is not valid JSON (a damaged answer).
"""

from __future__ import annotations

import random
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

from mastcache._version import __version__
from mastcache.errors import HTTPStatusError, ProtocolError, RemoteTimeoutError, TransportError
from mastcache.net.endpoints import Endpoints
from mastcache.net.hostlimits import HostLimits
from mastcache.net.jsonbody import decoded_json
from mastcache.settings import Settings

__all__ = [
    "CHUNK_SIZE",
    "MAX_BODY_BYTES",
    "RETRY_STATUSES",
    "Stream",
    "Transport",
    "decoded_json",
]

CHUNK_SIZE = 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_MAX_RETRY_AFTER = 300.0
_BACKOFF_CAP = 30.0
_FORM_HEADERS = {"Content-type": "application/x-www-form-urlencoded", "Accept": "text/plain"}
_JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
#: The largest answer read into memory (a Portal page of 50,000 rows is well under it); a
#: larger declared Content-Length is refused unread, so a hostile server cannot exhaust memory.
MAX_BODY_BYTES = 2 * 1024**3
_RETRY_EXCEPTIONS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

Progress = Callable[[int, int], None]


@dataclass
class Stream:
    """A streamed GET answer; ``offset`` is the byte position of its first chunk."""

    response: requests.Response
    offset: int

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self.response.headers

    @property
    def total_size(self) -> int | None:
        """Size of the whole file, from Content-Range or Content-Length, when known."""
        content_range = self.headers.get("Content-Range", "")
        if "/" in content_range and not content_range.endswith("*"):
            return int(content_range.rsplit("/", 1)[1])
        length = self.headers.get("Content-Length")
        return self.offset + int(length) if length and length.isdigit() else None

    def chunks(self, size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The body in chunks of ``size`` bytes; a broken connection -> TransportError tree."""
        try:
            yield from self.response.iter_content(chunk_size=size)
        except requests.RequestException as exc:
            raise _mapped(exc, "GET", self.response.url) from exc


class Transport:
    """HTTP to MAST for one identity ``scope``: cached session, retries, mapped errors.

    Thread-safe: parallel pages share the session (requests pools connections per host).
    ``sleep`` is injectable so tests can observe back-off waits without waiting.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        scope: str = "anonymous",
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
    ) -> None:
        self.settings = settings
        self.scope = scope
        self.endpoints = Endpoints.for_base_url(settings.mast_url, settings.cloud_url)
        self.limits = HostLimits(settings.max_per_host, settings.host_limits)
        self._session = session
        self._plain: requests.Session | None = None
        self._sleep = sleep
        self._backoff = backoff
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """The session, made on first use (the HTTP cache for this scope, when installed)."""
        with self._lock:
            if self._session is None:
                self._session = _new_session(self.settings, self.scope)
            return self._session

    def close(self) -> None:
        """Close the session's connections (and its cache file)."""
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None
            self._plain = None

    def _uncached_session(self) -> requests.Session:
        """A session without the HTTP cache that shares the cached one's connection pools,
        headers and cookies. Uncached requests must not pass through requests-cache: its
        response filter runs even for DO_NOT_CACHE and reads the whole body, which defeated
        streaming (a cut body was fetched again from byte 0, never resumed)."""
        cached = self.session
        if not hasattr(cached, "cache"):
            return cached
        with self._lock:
            if self._plain is None:
                plain = requests.Session()
                plain.headers = cached.headers
                plain.cookies = cached.cookies
                plain.adapters = cached.adapters
                plain.trust_env = cached.trust_env
                plain.hooks = cached.hooks  # _refuse_oversized guards unstreamed bodies
                self._plain = plain
            return self._plain

    # -- verbs ----------------------------------------------------------------------------

    def post_form(
        self,
        url: str,
        data: str | Mapping[str, Any],
        *,
        force_refresh: bool = False,
        cached: bool = True,
    ) -> requests.Response:
        """POST a form body (a pre-encoded string is sent as is), Portal headers.
        ``cached=False`` passes the HTTP cache by (Portal table pages: store/fragments.py)."""
        return self.request(
            "POST", url, data=data, headers=_FORM_HEADERS, force_refresh=force_refresh,
            cached=cached,
        )  # fmt: skip

    def post_json(self, url: str, body: Any, *, force_refresh: bool = False) -> requests.Response:
        """POST a JSON body with JSON content headers (Search API, Pan-STARRS, Hapcut)."""
        return self.request(
            "POST", url, json=body, headers=_JSON_HEADERS, force_refresh=force_refresh
        )

    def get(
        self, url: str, params: Mapping[str, Any] | None = None, *, force_refresh: bool = False
    ) -> requests.Response:
        """GET with query ``params`` (list values repeat the key, as SANTA's ``name``)."""
        headers = {"Accept": "text/plain"}
        return self.request("GET", url, params=params, headers=headers, force_refresh=force_refresh)

    def head(self, url: str, params: Mapping[str, Any] | None = None) -> requests.Response:
        """HEAD (never cached): size and type of a product before downloading it."""
        return self.request("HEAD", url, params=params, cached=False, allow_redirects=True)

    @contextmanager
    def stream_get(
        self, url: str, params: Mapping[str, Any] | None = None, *, offset: int = 0
    ) -> Iterator[Stream]:
        """A streamed, uncached GET; ``offset > 0`` asks for the rest with ``Range``.

        When the server ignores the range (200 instead of 206) the stream starts at 0.
        """
        headers = {"Range": f"bytes={offset}-"} if offset > 0 else {}
        with self.limits.slot(url):  # the body holds the host's slot until it is read
            response = self.request(
                "GET", url, params=params, headers=headers, stream=True, cached=False
            )
            start = offset if response.status_code == 206 else 0
            try:
                yield Stream(response, start)
            finally:
                response.close()

    # -- answers --------------------------------------------------------------------------

    def json(self, response: requests.Response) -> Any:
        """The decoded JSON body. Invalid or cut-short JSON is dropped from the HTTP cache and
        the same request is sent again (up to ``settings.max_retries`` times, with back-off):
        a body damaged once must not fail the call. What is still not JSON after that ->
        ProtocolError."""
        for attempt in range(1, self.settings.max_retries + 2):
            try:
                return decoded_json(response)
            except ValueError as exc:
                self.evict(response)
                if attempt > self.settings.max_retries:
                    raise ProtocolError(
                        f"{response.request.method} {_display_url(response.url)} answered "
                        f"{len(response.content)} bytes that are not valid JSON ({exc}); "
                        "expected a complete JSON document. The answer was probably cut "
                        "short: try again"
                    ) from exc
                self._sleep(self._backoff_delay(attempt, None))
                response = self._sent_again(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _sent_again(self, response: requests.Response) -> requests.Response:
        """The request behind ``response`` sent once more, past the HTTP cache (and not into
        it when ``response`` did not come through it)."""
        sent = response.request
        headers = {k: v for k, v in sent.headers.items() if k.lower() != "content-length"}
        return self.request(
            sent.method or "GET", sent.url or response.url, data=sent.body, headers=headers,
            force_refresh=True, cached=hasattr(response, "from_cache"),
        )  # fmt: skip

    def evict(self, response: requests.Response) -> None:
        """Forget ``response`` in the HTTP cache (an unfinished or damaged answer)."""
        cache = getattr(self.session, "cache", None)
        key = getattr(response, "cache_key", None)
        if cache is not None and key:
            cache.responses.pop(key, None)

    @contextmanager
    def progress(self, description: str) -> Iterator[Progress]:
        """A ``progress(done, total)`` callback drawing a tqdm bar on stderr, shown only for
        fetches of several pages when stderr is a terminal (or ``settings.progress`` is True)."""
        bar: Any = None

        def update(done: int, total: int) -> None:
            nonlocal bar
            if total < 2 or not self._shows_progress():
                return
            if bar is None:
                bar = _tqdm(total, description)
            bar.total = total
            bar.update(done - bar.n)

        try:
            yield update
        finally:
            if bar is not None:
                bar.close()

    def _shows_progress(self) -> bool:
        if self.settings.progress is not None:
            return self.settings.progress
        return sys.stderr.isatty()

    # -- the retry loop -------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        force_refresh: bool = False,
        cached: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send with retries; return a response with status < 400 or raise a TransportError."""
        attempts = self.settings.max_retries + 1
        for attempt in range(1, attempts + 1):
            response = self._attempt(
                method, url, attempt == attempts, force_refresh, cached, kwargs
            )
            if response is None:
                self._sleep(self._backoff_delay(attempt, None))
                continue
            if response.status_code in RETRY_STATUSES and attempt < attempts:
                delay = self._backoff_delay(attempt, response.headers.get("Retry-After"))
                response.close()
                self._sleep(delay)
                continue
            return _checked(response, method)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(
        self,
        method: str,
        url: str,
        is_last: bool,
        force_refresh: bool,
        cached: bool,
        kwargs: dict[str, Any],
    ) -> requests.Response | None:
        """One send; None means a retryable failure with attempts left."""
        try:
            return self._send(method, url, force_refresh, cached, kwargs)
        except _RETRY_EXCEPTIONS as exc:
            if is_last:
                raise _mapped(exc, method, url) from exc
            return None
        except requests.RequestException as exc:
            raise _mapped(exc, method, url) from exc

    def _send(
        self, method: str, url: str, force_refresh: bool, cached: bool, kwargs: dict[str, Any]
    ) -> requests.Response:
        options = dict(kwargs, timeout=self.settings.request_timeout)
        session = self.session if cached else self._uncached_session()
        if cached and force_refresh and hasattr(session, "cache"):
            options["force_refresh"] = True
        with self.limits.slot(url):  # polite: at most N in flight per host (net/hostlimits)
            if cached or options.get("stream"):
                return session.request(method, url, **options)
            response = session.request(method, url, stream=True, **options)
            _refuse_oversized(response)  # the hook let it pass as streamed; it is read whole
            return _read_whole(response)

    def _backoff_delay(self, attempt: int, retry_after: str | None) -> float:
        """Seconds before retry ``attempt + 1``: Retry-After if given, else backoff + jitter."""
        honoured = _retry_after_seconds(retry_after)
        if honoured is not None:
            return honoured
        base = min(self._backoff * 2.0 ** (attempt - 1), _BACKOFF_CAP)
        return base + random.uniform(0, base / 2)


# -- helpers --------------------------------------------------------------------------------


def _new_session(settings: Settings, scope: str) -> requests.Session:
    from mastcache.net import httpcache

    session: requests.Session = httpcache.make_session(settings, scope=scope)
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(10, 2 * settings.max_parallel))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = f"mastcache/{__version__} {requests.utils.default_user_agent()}"
    session.hooks["response"].append(_refuse_oversized)
    return session


def _refuse_oversized(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Refuse an answer read into memory whose declared size is beyond MAX_BODY_BYTES, before
    any of its body is read (streamed downloads go to disk and are not limited)."""
    declared = response.headers.get("Content-Length", "")
    if kwargs.get("stream") or not declared.isdigit() or int(declared) <= MAX_BODY_BYTES:
        return
    response.close()
    raise ProtocolError(
        f"{response.request.method} {_display_url(response.url)} announced {int(declared):,} "
        f"bytes, more than the {MAX_BODY_BYTES:,} mastcache reads into memory; nothing was read. "
        "Expected a MAST answer; check MASTCACHE_MAST_URL, or split the query into smaller ones"
    )


def _read_whole(response: requests.Response) -> requests.Response:
    """``response`` with its body read, as requests reads an unstreamed answer, but in one
    urllib3 read: requests takes 10 KiB at a time in Python, which for a ~9 MB Portal page
    costs 3x the CPU and keeps fetch threads waking the typing thread (issue 19,
    docs/performance.md). A cut or undecodable body raises what requests would raise."""
    from urllib3 import exceptions as urllib3_errors

    try:
        body = response.raw.read(decode_content=True)
    except BaseException as exc:
        response.close()
        if isinstance(exc, urllib3_errors.ProtocolError):
            raise requests.exceptions.ChunkedEncodingError(exc) from exc
        if isinstance(exc, urllib3_errors.DecodeError):
            raise requests.exceptions.ContentDecodingError(exc) from exc
        if isinstance(exc, urllib3_errors.ReadTimeoutError):
            raise requests.ConnectionError(exc) from exc
        if isinstance(exc, urllib3_errors.SSLError):
            raise requests.exceptions.SSLError(exc) from exc
        raise
    response._content = body or b""
    return response


def _retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds (a number or an HTTP date), capped; None when absent/bad."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


def _checked(response: requests.Response, method: str) -> requests.Response:
    if response.status_code < 400:
        return response
    status = response.status_code
    response.close()
    raise HTTPStatusError(
        f"{method} {_display_url(response.url)} answered HTTP {status} {response.reason or ''}"
        f"{' after retries' if status in RETRY_STATUSES else ''}; expected a 2xx answer. "
        f"{_status_advice(status)}",
        status,
    )


def _status_advice(status: int) -> str:
    if status in (401, 403):
        return "Log in with `mastcache auth login` or check that the data is public."
    if status == 404:
        return "Check MASTCACHE_MAST_URL and the service or product name."
    if status >= 500 or status == 429:
        return "MAST is busy or failing; try again later."
    return "Check the query parameters."


def _mapped(exc: requests.RequestException, method: str, url: str | None) -> TransportError:
    where = f"{method} {_display_url(url or '')}"
    if isinstance(exc, requests.Timeout):
        return RemoteTimeoutError(
            f"{where} got no answer in time ({exc.__class__.__name__}); MAST may be slow: "
            "try again, or raise request_timeout (mastcache.configure(request_timeout=...))"
        )
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return ProtocolError(f"{where}: the answer was cut short or damaged ({exc}); try again")
    return TransportError(
        f"{where} failed: {exc.__class__.__name__}; expected a connection to the server. "
        "Check your network or MASTCACHE_MAST_URL, or use offline mode for cached results"
    )


def _display_url(url: str) -> str:
    """``url`` with the values of token-like query parameters hidden."""
    parts = urlsplit(url)
    query = [
        (key, "***" if "token" in key.lower() or "auth" in key.lower() else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _tqdm(total: int, description: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="page", file=sys.stderr, leave=False)
