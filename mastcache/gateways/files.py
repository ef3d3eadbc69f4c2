"""File-shaped exchanges with MAST over a :class:`~mastcache.net.transport.Transport`: product
bodies (HEAD, streamed and resumable GET), cutout requests and lookups, bundle and curl
scripts, cloud ``path_lookup`` (MAST_PROTOCOL.md sections 1.8, 3 and 7).

Like the other gateways it knows no cache policy: answers are sent uncached at the HTTP level
(the product store is their cache) except the lookups, which go through the HTTP cache with
``force_refresh`` when the caller must reach MAST. Every URL comes from
:class:`~mastcache.net.endpoints.Endpoints`; errors are the ``MastCacheError`` tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import urlencode

import requests

from mastcache.errors import HTTPStatusError
from mastcache.net.endpoints import Endpoints
from mastcache.net.transport import Stream, Transport
from mastcache.settings import Settings

__all__ = ["CutoutRequest", "FileGateway"]

_FORM_HEADERS: Final = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
}
_JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}
_BUNDLE_HEADERS: Final = {"Content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class CutoutRequest:
    """One cutout request as astroquery 0.4.11 sends it.

    ``encoding``: ``form`` (ServiceAPI POST), ``json`` (HAPcut's get_cutouts) or ``get``
    (download_cutouts: astroquery's hand-built query string, ``key=value`` joined, not
    encoded, in the order given).
    """

    service: str  # "tesscut", "zcut", "hapcut"
    route: str  # "astrocut", "moving_target/astrocut"
    encoding: Literal["form", "json", "get"]
    params: Mapping[str, Any] = field(default_factory=dict)


class FileGateway:
    """File-shaped MAST exchanges over one transport (safe to share between threads)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    @property
    def endpoints(self) -> Endpoints:
        return self.transport.endpoints

    @property
    def settings(self) -> Settings:
        return self.transport.settings

    @property
    def scope(self) -> str:
        """The identity scope of this transport's session (``anonymous`` or ``user:<hash>``)."""
        return self.transport.scope

    # -- product bodies ---------------------------------------------------------------------

    def head_size(self, url: str) -> int | None:
        """The Content-Length a HEAD reports for ``url`` (None when absent)."""
        response = self.transport.head(url)
        length = response.headers.get("Content-Length", "")
        response.close()
        return int(length) if length.isdigit() else None

    @contextmanager
    def stream(self, url: str, *, offset: int = 0) -> Iterator[Stream]:
        """A streamed, uncached GET of a file body (``offset``: resume with ``Range``)."""
        with self.transport.stream_get(url, offset=offset) as stream:
            yield stream

    # -- cutouts ------------------------------------------------------------------------------

    def cutout(self, request: CutoutRequest) -> requests.Response:
        """Send one cutout request, uncached: a zip, or a JSON ``msg`` when nothing is there."""
        url = self.endpoints.cutout_url(request.service, request.route)
        params = dict(request.params)
        if request.encoding == "get":
            target = f"{url}?" + "&".join(f"{key}={value}" for key, value in params.items())
            return self.transport.request("GET", target, cached=False)
        if request.encoding == "json":
            return self.transport.request(
                "POST", url, json=params, headers=_JSON_HEADERS, cached=False
            )
        return self.transport.request("POST", url, data=params, headers=_FORM_HEADERS, cached=False)

    def cutout_lookup(
        self, service: str, route: str, params: Mapping[str, Any], *, force_refresh: bool
    ) -> Any:
        """A sector or survey lookup (form POST through the HTTP cache): the decoded JSON."""
        url = self.endpoints.cutout_url(service, route)
        response = self.transport.post_form(url, dict(params), force_refresh=force_refresh)
        return self.transport.json(response)

    def json(self, response: requests.Response) -> Any:
        """A response's decoded JSON (ProtocolError when it is not JSON)."""
        return self.transport.json(response)

    # -- scripts and cloud paths --------------------------------------------------------------

    def bundle_script(self, uris: Sequence[str]) -> bytes:
        """MAST's curl script for ``uris`` (``POST Download/bundle.sh``, uncached)."""
        body = urlencode([("uri", uri) for uri in uris])
        response = self.transport.request(
            "POST", self.endpoints.download_bundle, data=body, headers=_BUNDLE_HEADERS,
            cached=False,
        )  # fmt: skip
        return response.content

    def script(self, url: str) -> bytes:
        """The body of a script MAST named in an answer (``Mast.Bundle.Request``'s url)."""
        return self.transport.request("GET", url, cached=False).content

    def path_lookup(self, uris: Sequence[str], *, force_refresh: bool = False) -> Any:
        """``GET path_lookup/`` for a chunk of URIs: MAST's ``{uri: {"path": ...}}`` answer."""
        response = self.transport.get(
            self.endpoints.path_lookup, {"uri": list(uris)}, force_refresh=force_refresh
        )
        return self.transport.json(response)

    def cloud_object_size(self, key: str) -> int | None:
        """An anonymous HEAD of ``key`` in MAST's public bucket: its size, or None when the
        bucket has no such object (S3 answers 404, or 403 for anonymous reads of a missing
        key); throttling (503 SlowDown) is retried by the transport, then raised."""
        try:
            return self.head_size(self.endpoints.cloud_object(key))
        except HTTPStatusError as exc:
            if exc.status_code in (403, 404):
                return None
            raise
