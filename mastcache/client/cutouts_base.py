"""What Tesscut, Zcut and Hapcut share: reading the target, sending a cutout request, turning
a stored cutout into astroquery's returns (a list of HDULists, a ``Local Path`` manifest).
"""

from __future__ import annotations

import io
import os
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Final

from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table

from mastcache import runtime
from mastcache.client.coordinates import parse_coordinates, parse_radius
from mastcache.client.core import MastClient, bypasses_http_cache
from mastcache.client.cutouts_request import position_key
from mastcache.client.cutouts_store import CutoutQuery, CutoutResult, CutoutStore, Send
from mastcache.errors import InputWarning, InvalidQueryError, NoResultsWarning
from mastcache.products.placement import check_link_kind, place_file
from mastcache.store.files import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    import requests

    from mastcache.net.transport import Transport

__all__ = [
    "CutoutClient",
    "LookupSend",
    "form_sender",
    "get_sender",
    "json_sender",
    "lookup_params",
    "post_lookup",
]

FORM_HEADERS: Final = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Accept": "application/json",
}
JSON_HEADERS: Final = {"Content-Type": "application/json", "Accept": "application/json"}
#: A lookup request: (transport, force_refresh) -> response.
LookupSend = Callable[["Transport", bool], "requests.Response"]


def form_sender(url: str, params: Mapping[str, Any]) -> Send:
    """POST a form as astroquery's ServiceAPI does; uncached (the product store keeps it)."""
    data = dict(params)
    return lambda transport: transport.request(
        "POST", url, data=data, headers=FORM_HEADERS, cached=False
    )


def json_sender(url: str, body: Mapping[str, Any]) -> Send:
    """POST a JSON body (HAPcut's get_cutouts)."""
    document = dict(body)
    return lambda transport: transport.request(
        "POST", url, json=document, headers=JSON_HEADERS, cached=False
    )


def get_sender(url: str, params: Mapping[str, Any]) -> Send:
    """GET with astroquery's hand-built query string (``key=value`` joined, not encoded)."""
    target = f"{url}?" + "&".join(f"{key}={value}" for key, value in params.items())
    return lambda transport: transport.request("GET", target, cached=False)


class CutoutClient(MastClient):
    """Base of the cutout clients: the common paths of ``get_*`` and ``download_cutouts``."""

    service_name = "tesscut"

    def _base_url(self) -> str:
        return self._services().gateway.transport.endpoints.cutout_service(self.service_name)

    def _position(
        self, coordinates: Any, objectname: Any, resolver: str | None, mode: str | None
    ) -> SkyCoord:
        """astroquery's ``parse_input_location``, names resolved through the cache."""
        if objectname and coordinates is not None:
            raise InvalidQueryError("Only one of objectname and coordinates may be specified.")
        if not objectname and coordinates is None:
            raise InvalidQueryError("One of objectname and coordinates must be specified.")
        if not objectname and resolver:
            warnings.warn(
                "Resolver is only used when resolving object names and will be ignored.",
                InputWarning,
                stacklevel=4,
            )
        if objectname:
            return self._resolve_position(str(objectname), resolver, mode)
        return parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))

    def _lookup(
        self,
        service: str,
        params: Mapping[str, Any],
        send: LookupSend,
        to_table: Callable[[Any], Table],
        mode: str | None,
    ) -> Table:
        """A sector or survey lookup through the archive (kind ``cutouts``: never expires)."""
        mode = runtime.effective_mode(mode)
        transport = self._services().gateway.transport

        def fetch() -> Table:
            response = send(transport, bypasses_http_cache(mode))
            return to_table(transport.json(response))

        return self._cached_table(service, params, "cutouts", fetch, mode)

    def _result(self, query: CutoutQuery, mode: str | None) -> CutoutResult:
        mode = runtime.effective_mode(mode)
        return CutoutStore(self._services()).fetch(query, mode)

    def _hdulists(self, query: CutoutQuery, mode: str | None) -> list[fits.HDUList]:
        """astroquery's get_cutouts return: one HDUList per file, ``filename`` set to its name."""
        result = self._result(query, mode)
        if result.zip_path is None:
            warnings.warn(result.message or "", NoResultsWarning, stacklevel=3)
            return []
        cutouts = []
        for name, data in result.member_bytes():
            hdulist = fits.open(io.BytesIO(data))
            setattr(hdulist, "filename", name)  # noqa: B010 - astroquery replaces the method
            cutouts.append(hdulist)
        return cutouts

    def _download(
        self, query: CutoutQuery, mode: str | None, path: str | os.PathLike[str], inflate: bool,
        verbose: bool, link: str,
    ) -> Table:  # fmt: skip
        """astroquery's download_cutouts: the zip, or its files, under ``path``."""
        kind = check_link_kind(link)
        result = self._result(query, mode)
        manifest = Table(names=["Local Path"], dtype=[str])
        if result.zip_path is None:
            warnings.warn(result.message or "", NoResultsWarning, stacklevel=3)
            return manifest
        folder = os.path.join(os.fspath(path), "")
        os.makedirs(folder, exist_ok=True)
        if not inflate:
            target = f"{folder}{query.prefix}_{time.strftime('%Y%m%d%H%M%S')}.zip"
            place_file(result.zip_path, Path(target), kind)
            manifest["Local Path"] = [target]
            return manifest
        if verbose:
            print("Inflating...")
        manifest["Local Path"] = [_extract(folder, n, d) for n, d in result.member_bytes()]
        return manifest

    def _position_key(self, coord: SkyCoord) -> dict[str, int]:
        return position_key(float(coord.ra.deg), float(coord.dec.deg))


def _extract(folder: str, name: str, data: bytes) -> str:
    target = folder + name
    write_atomic(Path(target), lambda out: _write(out, data))
    return target


def lookup_params(coord: SkyCoord, radius: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(wire, key) parameters of a sector or survey lookup; a bare radius is in degrees."""
    angle = parse_radius(radius)
    wire = {"ra": coord.ra.deg, "dec": coord.dec.deg, "radius": angle.deg}
    key = {**position_key(float(coord.ra.deg), float(coord.dec.deg)), "radius": float(angle.deg)}
    return wire, key


def post_lookup(url: str, params: Mapping[str, Any]) -> LookupSend:
    """A lookup sender: form POST through the HTTP cache (``force_refresh`` when online)."""
    data = dict(params)
    return lambda transport, refresh: transport.post_form(url, data, force_refresh=refresh)


def _write(out: BinaryIO, data: bytes) -> None:
    out.write(data)
