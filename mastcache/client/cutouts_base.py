"""What Tesscut, Zcut and Hapcut share: reading the target, sending a cutout request (as data,
through :class:`~mastcache.gateways.files.FileGateway`), turning a stored cutout into
astroquery's returns (a list of HDULists, a ``Local Path`` manifest).
"""

from __future__ import annotations

import io
import os
import time
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table

from mastcache import runtime
from mastcache.client.coordinates import parse_coordinates, parse_radius
from mastcache.client.core import MastClient, bypasses_http_cache
from mastcache.client.cutouts_request import position_key
from mastcache.client.rules import CUTOUT_LOCATION, write_file
from mastcache.errors import NoResultsWarning
from mastcache.gateways.files import CutoutRequest
from mastcache.products.cutouts import CutoutQuery, CutoutResult
from mastcache.products.placement import check_link_kind, place_file

__all__ = ["CutoutClient", "CutoutRequest", "lookup_params"]


class CutoutClient(MastClient):
    """Base of the cutout clients: the common paths of ``get_*`` and ``download_cutouts``."""

    service_name = "tesscut"

    def _request(self, route: str, encoding: str, params: Mapping[str, Any]) -> CutoutRequest:
        """A cutout request to this client's service (``encoding``: form, json or get)."""
        assert encoding in ("form", "json", "get")
        return CutoutRequest(self.service_name, route, encoding, dict(params))  # type: ignore[arg-type]

    def _position(
        self, coordinates: Any, objectname: Any, resolver: str | None, mode: str | None
    ) -> SkyCoord:
        """astroquery's ``parse_input_location``, names resolved through the cache."""
        if CUTOUT_LOCATION.by_name(coordinates, objectname, resolver, stacklevel=4):
            return self._resolve_position(str(objectname), resolver, mode)
        return parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))

    def _lookup(
        self,
        service: str,
        key: Mapping[str, Any],
        lookup: tuple[str, Mapping[str, Any]],
        to_table: Callable[[Any], Table],
        mode: str | None,
    ) -> Table:
        """A sector or survey lookup through the archive (kind ``cutouts``: never expires);
        ``lookup`` is the route of this client's service and its form parameters."""
        mode = runtime.effective_mode(mode)
        route, params = lookup

        def fetch() -> Table:
            files = self.context().files
            refresh = bypasses_http_cache(mode)
            return to_table(
                files.cutout_lookup(self.service_name, route, params, force_refresh=refresh)
            )

        return self._cached_table(service, key, "cutouts", fetch, mode)

    def _result(self, query: CutoutQuery, mode: str | None) -> CutoutResult:
        mode = runtime.effective_mode(mode)
        return self.context().cutouts().fetch(query, mode)

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
    return write_file(folder + name, data)


def lookup_params(coord: SkyCoord, radius: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(wire, key) parameters of a sector or survey lookup; a bare radius is in degrees."""
    angle = parse_radius(radius)
    wire = {"ra": coord.ra.deg, "dec": coord.dec.deg, "radius": angle.deg}
    key = {**position_key(float(coord.ra.deg), float(coord.dec.deg)), "radius": float(angle.deg)}
    return wire, key
