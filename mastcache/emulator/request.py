"""An incoming emulator request, parsed once from the WSGI environ."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["MAX_BODY", "Request"]

MAX_BODY = 16 * 1024 * 1024
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]", "0.0.0.0"})


@dataclass(frozen=True)
class Request:
    """Method, path, query (repeated keys kept), headers (lower-case names), body and host."""

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes
    host: str
    is_absolute_target: bool
    base_url: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        """Parse the environ; reads the body (at most MAX_BODY bytes)."""
        target = str(environ.get("REQUEST_URI", ""))
        is_absolute = target.lower().startswith(("http://", "https://"))
        headers = _headers(environ)
        host = urlsplit(target).hostname if is_absolute else None
        host = host or urlsplit("//" + headers.get("host", "")).hostname or ""
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=str(environ.get("PATH_INFO", "")) or "/",
            query_string=str(environ.get("QUERY_STRING", "")),
            headers=headers,
            body=_body(environ),
            host=host.lower(),
            is_absolute_target=is_absolute,
            base_url=_base_url(environ, headers),
        )

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string, repeated keys kept in order."""
        return parse_qs(self.query_string, keep_blank_values=True)

    @property
    def form(self) -> dict[str, list[str]]:
        """A url-encoded form body, repeated keys kept in order."""
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    @property
    def is_local_host(self) -> bool:
        """Whether the request names this machine (or no host at all)."""
        return not self.host or self.host in LOCAL_HOSTS

    def cookie(self, name: str) -> str | None:
        """The value of one cookie, or None."""
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except CookieError:
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    return headers


def _body(environ: Mapping[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ.get("wsgi.input")
    if length <= 0 or stream is None:
        return b""
    data: bytes = stream.read(min(length, MAX_BODY))
    return data


def _base_url(environ: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = (
        headers.get("host")
        or f"{environ.get('SERVER_NAME', '127.0.0.1')}:{environ.get('SERVER_PORT', '80')}"
    )
    return f"{scheme}://{host}"
