"""astroquery.mast 0.4.11's cutout clients, cached: ``Tesscut`` (TESS FFI cutouts), ``Zcut``
(deep-field survey cutouts) and ``Hapcut`` (Hubble Advanced Product cutouts).

Same names, signatures, defaults, warnings and returns as astroquery (lists of HDULists;
``Local Path`` manifests), plus ``mode=`` on every call and ``link=`` on downloads. Each
cutout is stored as a product (:mod:`mastcache.products.cutouts`), so asking again, or
offline, is served from the store; sector and survey lookups are cached queries. Bad input
(sizes beyond the services' limits, malformed sizes or units, impossible sectors) raises
InvalidQueryError before anything is sent.
"""

from __future__ import annotations

import os
from typing import Any, Final

import astropy.units as u
from astropy.io import fits
from astropy.table import Table
from astropy.utils.decorators import deprecated_renamed_argument

from mastcache.client.cutouts_base import (
    CutoutClient,
    lookup_params,
)
from mastcache.client.cutouts_deep import HapcutClass, ZcutClass
from mastcache.client.cutouts_request import parse_sectors, parse_size
from mastcache.errors import InvalidQueryError, NoResultsWarning
from mastcache.products.cutouts import CutoutQuery

__all__ = ["HapcutClass", "TesscutClass", "ZcutClass"]

SECTOR_NAMES: Final = ["sectorName", "sector", "camera", "ccd"]
_PRODUCT_DEPRECATED: Final = (
    "Tesscut no longer supports operations on TESS Image Calibrator (TICA) products. "
    "The `product` argument is deprecated and will be removed in a future version."
)
_deprecated_product = deprecated_renamed_argument(
    "product", None, since="0.4.11", message=_PRODUCT_DEPRECATED
)


class TesscutClass(CutoutClient):
    """TESS full-frame image cutouts (astroquery's ``TesscutClass``)."""

    service_name = "tesscut"

    @_deprecated_product  # type: ignore[untyped-decorator]
    def get_sectors(
        self, *, coordinates: Any = None, radius: Any = 0 * u.deg, product: str = "SPOC",
        objectname: str | None = None, moving_target: bool = False, mt_type: str | None = None,
        resolver: str | None = None, mode: str | None = None,
    ) -> Table:  # fmt: skip
        """The TESS sectors, cameras and CCDs whose footprints hold the target."""
        _check_product(product)
        _check_target(coordinates, objectname, moving_target)
        if moving_target:
            params: dict[str, Any] = {"obj_id": objectname}
            params.update({"obj_type": mt_type} if mt_type else {})
            key, path = dict(params), "moving_target/sector"
        else:
            coord = self._position(coordinates, objectname, resolver, mode)
            params, key = lookup_params(coord, radius)
            path = "sector"
        service = "Tesscut.MovingTarget.Sector" if moving_target else "Tesscut.Sector"
        table = self._lookup(service, key, (path, params), _sector_table, mode)
        if len(table) == 0:
            _warn("Coordinates are not in any TESS sector.")
        return table

    @_deprecated_product  # type: ignore[untyped-decorator]
    def get_cutouts(
        self, *, coordinates: Any = None, size: Any = 5, product: str = "SPOC",
        sector: Any = None, objectname: str | None = None, moving_target: bool = False,
        mt_type: str | None = None, resolver: str | None = None, mode: str | None = None,
    ) -> list[fits.HDUList]:  # fmt: skip
        """Cutout target pixel files as HDULists (one per sector/camera/CCD)."""
        query = self._query(
            coordinates, size, product, sector, objectname, moving_target, mt_type, resolver,
            mode, download=False,
        )  # fmt: skip
        return self._hdulists(query, mode)

    @_deprecated_product  # type: ignore[untyped-decorator]
    def download_cutouts(
        self, *, coordinates: Any = None, size: Any = 5, sector: Any = None,
        product: str = "SPOC", path: str | os.PathLike[str] = ".", inflate: bool = True,
        objectname: str | None = None, moving_target: bool = False, mt_type: str | None = None,
        resolver: str | None = None, verbose: bool = False, link: str = "copy",
        mode: str | None = None,
    ) -> Table:  # fmt: skip
        """Cutout target pixel files saved under ``path``; returns the ``Local Path`` table."""
        query = self._query(
            coordinates, size, product, sector, objectname, moving_target, mt_type, resolver,
            mode, download=True,
        )  # fmt: skip
        return self._download(query, mode, path, inflate, verbose, link)

    def _query(
        self, coordinates: Any, size: Any, product: str, sector: Any, objectname: str | None,
        moving_target: bool, mt_type: str | None, resolver: str | None, mode: str | None,
        *, download: bool,
    ) -> CutoutQuery:  # fmt: skip
        """The cached request: astroquery's wire parameters and the canonical key."""
        _check_product(product)
        _check_target(coordinates, objectname, moving_target)
        cutout_size, sectors = parse_size(size, "tesscut"), parse_sectors(sector)
        params: dict[str, Any] = cutout_size.wire()
        params.update({"sector": sectors} if sectors is not None else {})
        key: dict[str, Any] = {**cutout_size.key(), "product": product.upper()}
        key["sector"] = _sector_key(sectors)
        if moving_target:
            target = {"obj_id": objectname, **({"obj_type": mt_type} if mt_type else {})}
            params.update(target)
            key.update(target)
        else:
            coord = self._position(coordinates, objectname, resolver, mode)
            params.update({"ra": coord.ra.deg, "dec": coord.dec.deg})
            key.update(self._position_key(coord))
        route = "moving_target/astrocut" if moving_target else "astrocut"
        request = self._request(route, "get" if download else "form", params)
        service = "Tesscut.MovingTarget.Astrocut" if moving_target else "Tesscut.Astrocut"
        return CutoutQuery(service, key, request)


def _sector_key(sectors: int | list[int] | None) -> list[int]:
    """Sectors in the key: sorted, ``[]`` for all of them."""
    if sectors is None:
        return []
    return sorted(sectors) if isinstance(sectors, list) else [sectors]


def _check_product(product: str) -> None:
    """astroquery 0.4.11 accepts only SPOC (any case)."""
    if not isinstance(product, str) or product.upper() != "SPOC":
        raise InvalidQueryError("Input product must be SPOC.")


def _check_target(coordinates: Any, objectname: str | None, moving_target: bool) -> None:
    """astroquery's ``_validate_target_input``, word for word."""
    if moving_target:
        if coordinates is not None:
            raise InvalidQueryError(
                "Only one of moving_target and coordinates may be specified. "
                "Please remove coordinates if using moving_target and objectname."
            )
        if not objectname:
            raise InvalidQueryError(
                "Please specify the object name or ID (as understood by the "
                "`JPL ephemerides service <https://ssd.jpl.nasa.gov/horizons/app.html>`__) "
                "of a moving target such as an asteroid or comet."
            )
    elif coordinates is not None and objectname:
        raise InvalidQueryError(
            "Only one of objectname and coordinates may be specified. "
            "Please remove objectname if using coordinates."
        )


def _sector_table(document: Any) -> Table:
    """astroquery's Table of the ``results`` (sector, camera and ccd cast with int())."""
    entries = document.get("results", []) if isinstance(document, dict) else []
    rows = [(e["sectorName"], int(e["sector"]), int(e["camera"]), int(e["ccd"])) for e in entries]
    return Table(rows=rows, names=SECTOR_NAMES)


def _warn(message: str) -> None:
    import warnings

    warnings.warn(message, NoResultsWarning, stacklevel=4)  # past the decorator
