"""The Portal catalog services astroquery 0.4.11 calls (MAST_PROTOCOL.md section 1.8): cones
on TIC, CTL, Gaia, PLATO and Disk Detective, the filtered TIC/CTL/Disk Detective searches, the
HSC and GALEX cones, HSC matches and spectra, and the HSC spectra curl bundle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from mastcache.emulator.catalogs.field import SourceField, field_for, scaled_cone
from mastcache.emulator.catalogs.hsc import HscQueries
from mastcache.emulator.catalogs.results import (
    Selection,
    cone_of,
    filtered,
    optional_count,
    result_set,
)
from mastcache.emulator.catalogs.schema import CatalogSchema, schema
from mastcache.emulator.portal.envelope import result_reply
from mastcache.emulator.portal.request import PortalRequest
from mastcache.emulator.portal.results import ResultSet, select_columns
from mastcache.emulator.reply import Reply
from mastcache.errors import InvalidQueryError

CONE_CATALOGS: Final[dict[str, str]] = {
    "tic": "tic", "tess": "tic", "ctl": "ctl", "gaiadr1": "gaiadr1", "gaiadr2": "gaiadr2",
    "gaiadr3": "gaiadr3", "plato": "plato", "diskdetective": "diskdetective",
    "dd": "diskdetective",
}  # fmt: skip
FILTERED_CATALOGS: Final[dict[str, str]] = {
    "tic": "tic", "ctl": "ctl", "diskdetective": "diskdetective"
}  # fmt: skip
Handler = Callable[[PortalRequest, str], Reply]


class CatalogQueries:
    """Answers the catalog services for one seed; `scale_rows` makes every cone that big."""

    def __init__(self, seed: int, scale_rows: int | None) -> None:
        self.seed = seed
        self.scale_rows = scale_rows
        self.hsc = HscQueries(seed, self.field)
        self._fixed: dict[str, Handler] = {
            "mast.hsc.db.v3": lambda r, base: self._limited_cone(r, "hsc", "nr"),
            "mast.hsc.db.v2": lambda r, base: self._limited_cone(r, "hsc", "nr"),
            "mast.galex.catalog": lambda r, base: self._limited_cone(r, "galex", "maxrecords"),
            "mast.hscmatches.db.v3": lambda r, base: result_reply(self.hsc.matches(r.params), r),
            "mast.hscmatches.db.v2": lambda r, base: result_reply(self.hsc.matches(r.params), r),
            "mast.hscspectra.db.all": lambda r, base: result_reply(self.hsc.spectra(), r),
            "mast.bundle.request": lambda r, base: Reply.json(self.hsc.bundle(r.params, base)),
        }

    def field(self, key: str) -> SourceField:
        """The field of catalog `key` for this seed."""
        return field_for(self.seed, schema(key))

    def handles(self, service: str) -> bool:
        """Whether `service` (any case) is a catalog service this emulator answers."""
        return self._handler(service.lower()) is not None

    def answer(self, request: PortalRequest, base_url: str = "") -> Reply:
        """The reply to a catalog service request (InvalidQueryError for bad params)."""
        handler = self._handler(request.service.lower())
        if handler is None:
            raise InvalidQueryError(f"Unknown catalog service '{request.service}'.")
        return handler(request, base_url)

    def _handler(self, key: str) -> Handler | None:
        if key in self._fixed:
            return self._fixed[key]
        parts = key.split(".")
        if len(parts) == 4 and parts[:2] == ["mast", "catalogs"] and parts[3] == "cone":
            catalog = CONE_CATALOGS.get(parts[2])
            return None if catalog is None else lambda r, base: self._cone(r, catalog)
        if len(parts) >= 4 and parts[:3] == ["mast", "catalogs", "filtered"]:
            return self._filtered_handler(parts[3:])
        return None

    def _filtered_handler(self, rest: list[str]) -> Handler | None:
        catalog = FILTERED_CATALOGS.get(rest[0])
        tail = rest[1:]
        if tail and tail[-1] == "rows" and catalog != "diskdetective":
            tail = tail[:-1]
        if catalog is None or tail not in ([], ["position"]):
            return None
        positional = tail == ["position"]
        return lambda r, base: self._filtered(r, catalog, positional)

    def _cone(self, request: PortalRequest, catalog: str) -> Reply:
        selection = self._cone_selection(schema(catalog), request.params)
        result = result_set(selection, schema(catalog).output_fields)
        return result_reply(_columns(result, request.params), request)

    def _limited_cone(self, request: PortalRequest, catalog: str, limit_name: str) -> Reply:
        limit = optional_count(request.params, limit_name)
        selection = self._cone_selection(schema(catalog), request.params).limited(limit)
        return result_reply(result_set(selection, schema(catalog).output_fields), request)

    def _filtered(self, request: PortalRequest, catalog: str, positional: bool) -> Reply:
        cat = schema(catalog)
        if positional:
            selection = self._cone_selection(cat, request.params)
        else:
            whole = self.field(catalog)
            selection = Selection(whole, whole.everything())
        selection = filtered(selection, request.params.get("filters"))
        fields = cat.output_fields if positional else cat.fields
        return result_reply(_columns(result_set(selection, fields), request.params), request)

    def _cone_selection(self, cat: CatalogSchema, params: Mapping[str, Any]) -> Selection:
        ra, dec, radius = cone_of(params)
        if self.scale_rows is not None:
            whole = scaled_cone(self.seed, cat, (ra, dec, radius), self.scale_rows)
        else:
            whole = self.field(cat.key)
        hits = whole.cone(ra, dec, radius)
        return Selection(whole, hits.index, hits.distance_deg)


def _columns(result: ResultSet, params: Mapping[str, Any]) -> ResultSet:
    return select_columns(result, params.get("columns"))
