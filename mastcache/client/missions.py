"""``MastMissions``: astroquery.mast's MastMissionsClass (the MAST Search API), cached.

Same names, signatures, defaults, warnings and errors as astroquery 0.4.11 (MAST_PROTOCOL.md
section 5); every query method also takes ``mode=``. Searches are stored with kind
``missions`` under ``search/<mission>`` (SQL view ``mission_<mission>``); column lists are
stored too, so criteria are validated offline.
"""

from __future__ import annotations

import difflib
import logging
import warnings
from collections.abc import Mapping
from typing import Any

import astropy.units as u
from astropy.coordinates import Angle, SkyCoord
from astropy.table import Table

from mastcache import runtime
from mastcache.client.coordinates import parse_coordinates, parse_radius
from mastcache.client.core import MastClient, bypasses_http_cache
from mastcache.client.mission_products import MissionProductsMixin
from mastcache.client.rules import LOCATION
from mastcache.errors import (
    InvalidQueryError,
    MaxResultsWarning,
    NoResultsWarning,
    ProtocolError,
)
from mastcache.mast.tables import search_table

__all__ = ["DATASET_KEYWORDS", "MastMissionsClass", "column_table"]

log = logging.getLogger("mastcache")

#: The dataset id column of each mission (astroquery's ``dataset_kwds``).
DATASET_KEYWORDS: Mapping[str, str] = {
    "hst": "sci_data_set_name",
    "jwst": "fileSetName",
    "roman": "fileSetName",
    "classy": "Target",
    "ullyses": "observation_id",
}
#: Keywords sent at the top level of a search rather than as conditions.
SEARCH_OPTIONS = (
    "limit",
    "offset",
    "sort_by",
    "search_key",
    "sort_desc",
    "select_cols",
    "skip_count",
    "user_fields",
)
#: ULLYSES searches without select_cols ask for these, so observation_id comes back.
_ULLYSES_COLUMNS = (
    "target_name_ulysses",
    "target_classification",
    "targ_ra",
    "targ_dec",
    "host_galaxy_name",
    "spectral_type",
    "bmv0_mag",
    "u_mag",
    "b_mag",
    "v_mag",
    "gaia_g_mean_mag",
    "star_mass",
    "instrument",
    "grating",
    "filter",
    "observation_id",
)
_NOT_CRITERIA = ("columns", "sort_by", "page_size", "pagesize", "page")
_DEFAULT_RADIUS = 3 * u.arcmin
_COLUMN_LIST = "search/util/column_list"


class MastMissionsClass(MissionProductsMixin, MastClient):
    """MastMissions search class: metadata of one mission through the MAST Search API.

    ``mission`` (case-insensitive, default "hst") chooses the mission; results are served
    from the local cache when the refresh policy allows.
    """

    def __init__(self, *, mission: str = "hst", mast_token: str | None = None) -> None:
        super().__init__(mast_token)
        self.dataset_kwds = dict(DATASET_KEYWORDS)
        self.mission = mission
        self.limit = 5000
        self.columns: dict[str, Table] = {}

    @property
    def mission(self) -> str:
        """The mission searched (lower case)."""
        return self._mission

    @mission.setter
    def mission(self, value: str) -> None:
        self._mission = str(value).lower()

    # -- searches ------------------------------------------------------------------------

    def query_region(
        self,
        coordinates: Any,
        *,
        radius: Any = _DEFAULT_RADIUS,
        limit: int = 5000,
        offset: int = 0,
        select_cols: list[str] | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Datasets within ``radius`` (a number means arcminutes) of a sky position.

        ``criteria`` are the mission's columns (see :meth:`get_column_list`; a list means
        any of its values) and the search options ``sort_by``, ``sort_desc``, ...
        """
        self.limit = limit
        self._validate_criteria(criteria, mode)
        coord = parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))
        body: dict[str, Any] = {
            "target": [f"{coord.ra.deg} {coord.dec.deg}"],
            "radius": _arcmin_radius(radius).arcsec,
            "radius_units": "arcseconds",
            "limit": limit,
            "offset": offset,
            "select_cols": self._select_cols(select_cols),
        }
        return self._search(_with_criteria(body, criteria), mode)

    def query_object(
        self,
        objectname: str,
        *,
        radius: Any = _DEFAULT_RADIUS,
        limit: int = 5000,
        offset: int = 0,
        select_cols: list[str] | None = None,
        resolver: str | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Datasets within ``radius`` of a named object (resolved through the cache)."""
        coord = self._resolve_position(objectname, resolver, mode)
        return self.query_region(
            coord,
            radius=radius,
            limit=limit,
            offset=offset,
            select_cols=select_cols,
            mode=mode,
            **criteria,
        )

    def query_criteria(
        self,
        *,
        coordinates: Any = None,
        objectname: str | None = None,
        radius: Any = _DEFAULT_RADIUS,
        limit: int = 5000,
        offset: int = 0,
        select_cols: list[str] | None = None,
        resolver: str | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Datasets matching column criteria, optionally around a position or object.

        At least one non-positional criterion is needed; a list (or a comma-separated
        string) matches any of its values.
        """
        self.limit = limit
        self._validate_criteria(criteria, mode)
        coord = None
        if objectname or coordinates:
            coord = self._input_location(coordinates, objectname, resolver, mode)
        angle = _arcmin_radius(radius)
        body: dict[str, Any] = {
            "limit": limit,
            "offset": offset,
            "select_cols": self._select_cols(select_cols),
        }
        if coord is not None:
            body["target"] = [f"{coord.ra.deg} {coord.dec.deg}"]
            body["radius"] = angle.arcsec
            body["radius_units"] = "arcseconds"
        if not any(key not in _NOT_CRITERIA for key in criteria):
            raise InvalidQueryError("At least one non-positional criterion must be supplied.")
        return self._search(_with_criteria(body, criteria), mode)

    # -- columns -------------------------------------------------------------------------

    def get_column_list(self, *, mode: str | None = None) -> Table:
        """The searchable columns of the mission: name, data_type, description."""
        mode = runtime.effective_mode(mode)
        known = self.columns.get(self.mission)
        if known is not None and not bypasses_http_cache(mode):
            return known
        mission = self.mission

        def fetch() -> Table:
            refresh = bypasses_http_cache(mode)
            rows = self.context().services.mission_columns(mission, force_refresh=refresh)
            return column_table(rows, "qual_type", f"mission {mission}")

        table = self._cached_table(_COLUMN_LIST, {"mission": mission}, "raw", fetch, mode)
        self.columns[mission] = table
        return table

    def get_dataset_kwd(self) -> str | None:
        """The dataset id column of the mission, or None (with a warning) when unknown."""
        keyword = self.dataset_kwds.get(self.mission)
        if keyword is None:
            log.warning('The mission "%s" does not have a known dataset ID keyword.', self.mission)
        return keyword

    # -- internals -----------------------------------------------------------------------

    def _search(self, body: dict[str, Any], mode: str | None) -> Table:
        """One Search API query through the archive, with astroquery's warnings."""
        mode = runtime.effective_mode(mode)
        mission = self.mission

        def fetch() -> Table:
            gateway = self.context().services
            answer = gateway.mission_search(mission, body, force_refresh=bypasses_http_cache(mode))
            return search_table(answer, "results")

        table = self._cached_table(f"search/{mission}", body, "missions", fetch, mode)
        if len(table) == 0:
            warnings.warn("Query returned no results.", NoResultsWarning, stacklevel=3)
        if len(table) >= self.limit:
            warnings.warn(
                "Maximum results returned, may not include all sources within radius.",
                MaxResultsWarning,
                stacklevel=3,
            )
        return table

    def _validate_criteria(self, criteria: Mapping[str, Any], mode: str | None) -> None:
        """Every criterion must be a column of the mission (exact case) or a search option."""
        valid = [str(name) for name in self.get_column_list(mode=mode)["name"]]
        valid += SEARCH_OPTIONS
        for keyword in criteria:
            if keyword not in valid:
                raise InvalidQueryError(_unknown_filter(keyword, valid))

    def _select_cols(self, select_cols: list[str] | None) -> list[Any] | None:
        """The columns asked for, plus the dataset id column (a copy: never the caller's)."""
        if select_cols:
            return [*select_cols, self.dataset_kwds.get(self.mission)]
        if self.mission == "ullyses":
            return list(_ULLYSES_COLUMNS)
        return None

    def _input_location(
        self, coordinates: Any, objectname: Any, resolver: str | None, mode: str | None
    ) -> SkyCoord:
        if LOCATION.by_name(coordinates, objectname, resolver, stacklevel=4):
            return self._resolve_position(objectname, resolver, mode)
        return parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))


def _arcmin_radius(radius: Any) -> Angle:
    """astroquery's ``coord.Angle(radius, u.arcmin)``: a bare number means arcminutes."""
    try:
        angle = Angle(radius, u.arcmin)
    except (u.UnitsError, ValueError, TypeError) as exc:
        raise InvalidQueryError(
            f"cannot read radius {radius!r}: expected an angle such as 3 (arcminutes), "
            "'0.05 deg' or 30 * u.arcsec"
        ) from exc
    return parse_radius(angle)


def _with_criteria(body: dict[str, Any], criteria: Mapping[str, Any]) -> dict[str, Any]:
    """Criteria as ``conditions`` (lists comma-joined), options at the top level."""
    conditions = []
    for name, value in criteria.items():
        if name in SEARCH_OPTIONS:
            body[name] = _option_value(name, value)
        else:
            if isinstance(value, list):
                value = ",".join(str(item) for item in value)
            conditions.append({name: value})
    return {**body, "conditions": conditions}


def _option_value(name: str, value: Any) -> Any:
    if name == "sort_by" and isinstance(value, str):
        return [value]
    if name == "sort_desc" and isinstance(value, bool):
        return [value]
    return value


def _unknown_filter(keyword: str, valid: list[str]) -> str:
    closest = difflib.get_close_matches(keyword, valid, n=1)
    if closest:
        return f"Filter '{keyword}' does not exist. Did you mean '{closest[0]}'?"
    return f"Filter '{keyword}' does not exist."


def column_table(rows: list[dict[str, Any]], type_key: str, what: str) -> Table:
    """astroquery's column-list Table (name, data_type, description)."""
    try:
        values = [(r["column_name"], r[type_key], r["description"]) for r in rows]
    except KeyError as exc:
        raise ProtocolError(
            f"Expected key not found in response data while attempting to get column list "
            f"for {what}: {exc}; the server is not answering in MAST's column-list format"
        ) from exc
    names = ("name", "data_type", "description")
    if not values:
        return Table(names=names, dtype=(str, str, str))
    return Table(rows=values, names=names)
