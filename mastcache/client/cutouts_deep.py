"""astroquery.mast 0.4.11's ``ZcutClass`` (deep-field survey cutouts) and ``HapcutClass``
(Hubble Advanced Product cutouts), cached as products; see :mod:`mastcache.client.cutouts`.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, ClassVar

from astropy.io import fits
from astropy.table import Table

from mastcache.client.cutouts_base import (
    CutoutClient,
    lookup_params,
)
from mastcache.client.cutouts_request import image_params, parse_size
from mastcache.errors import InvalidQueryError, NoResultsWarning
from mastcache.products.cutouts import CutoutQuery

__all__ = ["HapcutClass", "ZcutClass"]


class ZcutClass(CutoutClient):
    """Deep-field survey cutouts (astroquery's ``ZcutClass``)."""

    service_name = "zcut"
    accepted_img_params: ClassVar[list[str]] = [
        "stretch",
        "minmax_percent",
        "minmax_value",
        "invert",
    ]

    def get_surveys(
        self, coordinates: Any, *, radius: Any = "0d", mode: str | None = None
    ) -> list[str]:
        """The deep-field surveys available at a position (a list of names)."""
        coord = self._position(coordinates, None, None, mode)
        params, key = lookup_params(coord, radius)
        table = self._lookup("Zcut.Survey", key, ("survey", params), _survey_table, mode)
        surveys = [str(name) for name in table["survey"]]
        if not surveys:
            warnings.warn(
                "Coordinates are not in an available deep field survey.",
                NoResultsWarning,
                stacklevel=2,
            )
        return surveys

    def get_cutouts(
        self, coordinates: Any, *, size: Any = 5, survey: str | None = None,
        mode: str | None = None,
    ) -> list[fits.HDUList]:  # fmt: skip
        """FITS cutouts as HDULists (one file per survey)."""
        query = self._query(coordinates, size, survey, "fits", {}, mode, download=False)
        return self._hdulists(query, mode)

    def download_cutouts(
        self, coordinates: Any, *, size: Any = 5, survey: str | None = None,
        cutout_format: str = "fits", path: str | os.PathLike[str] = ".", inflate: bool = True,
        verbose: bool = False, link: str = "copy", mode: str | None = None, **img_params: Any,
    ) -> Table:  # fmt: skip
        """FITS, JPEG or PNG cutouts saved under ``path``; returns the ``Local Path`` table."""
        query = self._query(
            coordinates, size, survey, cutout_format, img_params, mode, download=True
        )
        return self._download(query, mode, path, inflate, verbose, link)

    def _query(
        self, coordinates: Any, size: Any, survey: str | None, cutout_format: str,
        img_params: dict[str, Any], mode: str | None, *, download: bool,
    ) -> CutoutQuery:  # fmt: skip
        chosen = image_params(cutout_format, img_params)
        if survey is not None and (not isinstance(survey, str) or not survey.strip()):
            raise InvalidQueryError(f"survey={survey!r} is not a survey name such as 'goods_north'")
        coord = self._position(coordinates, None, None, mode)
        cutout_size = parse_size(size, "zcut")
        key = {**self._position_key(coord), **cutout_size.key(), "survey": survey or ""}
        key["format"] = cutout_format.lower()
        key["image"] = {name: str(value) for name, value in chosen.items()}
        ra, dec, only = coord.ra.deg, coord.dec.deg, {"survey": survey} if survey else {}
        if download:  # astroquery's GET order: ra, dec, y, x, units, [survey], format, options
            wire = {"ra": ra, "dec": dec, "y": cutout_size.y, "x": cutout_size.x}
            wire.update({"units": cutout_size.units, **only, "format": cutout_format, **chosen})
            return CutoutQuery("Zcut.Astrocut", key, self._request("astrocut", "get", wire))
        form = {**cutout_size.wire(), "ra": ra, "dec": dec, **only}
        return CutoutQuery("Zcut.Astrocut", key, self._request("astrocut", "form", form))


class HapcutClass(CutoutClient):
    """Hubble Advanced Product cutouts (astroquery's ``HapcutClass``)."""

    service_name = "hapcut"

    def get_cutouts(
        self, coordinates: Any, *, size: Any = 5, mode: str | None = None
    ) -> list[fits.HDUList]:
        """HAP cutouts as HDULists (one per mosaic and filter)."""
        return self._hdulists(self._query(coordinates, size, mode, download=False), mode)

    def download_cutouts(
        self, coordinates: Any, *, size: Any = 5, path: str | os.PathLike[str] = ".",
        inflate: bool = True, verbose: bool = False, link: str = "copy", mode: str | None = None,
    ) -> Table:  # fmt: skip
        """HAP cutouts saved under ``path``; returns the ``Local Path`` table."""
        query = self._query(coordinates, size, mode, download=True)
        return self._download(query, mode, path, inflate, verbose, link)

    def _query(
        self, coordinates: Any, size: Any, mode: str | None, *, download: bool
    ) -> CutoutQuery:
        coord = self._position(coordinates, None, None, mode)
        cutout_size = parse_size(size, "hapcut")
        key = {**self._position_key(coord), **cutout_size.key()}
        ra, dec = coord.ra.deg, coord.dec.deg
        if download:
            wire = {"ra": ra, "dec": dec, **cutout_size.wire()}
            return CutoutQuery("Hapcut.Astrocut", key, self._request("astrocut", "get", wire))
        body: dict[str, Any] = {"x": float(cutout_size.x), "y": float(cutout_size.y)}
        body.update({"units": cutout_size.units, "ra": float(ra), "dec": float(dec)})
        return CutoutQuery("Hapcut.Astrocut", key, self._request("astrocut", "json", body))


def _survey_table(document: Any) -> Table:
    surveys = document.get("surveys", []) if isinstance(document, dict) else []
    return Table([[str(s) for s in surveys]], names=["survey"], dtype=[str])
