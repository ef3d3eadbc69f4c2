"""``Catalogs``: astroquery.mast's CatalogsClass (MAST catalogs), served through the cache.

HSC, GALEX, Gaia, TIC, CTL, DiskDetective and other Portal catalogs, and Pan-STARRS through
Catalogs.MAST, with astroquery 0.4.11's names, defaults, warnings and errors (MAST_PROTOCOL.md
sections 1.8 and 6). Results are stored with kind ``catalogs`` (SQL views ``catalog_tic``,
``catalog_panstarrs_dr2_mean``...); every query method also takes ``mode=``.
"""

from __future__ import annotations

import difflib
import warnings
from typing import Any

import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.table import Row, Table

from mastcache import runtime
from mastcache.client import panstarrs
from mastcache.client.coordinates import cone_params, parse_coordinates, parse_radius
from mastcache.client.core import MastClient, bypasses_http_cache
from mastcache.client.hsc_spectra import HscSpectraMixin
from mastcache.client.missions import column_table
from mastcache.client.rules import LOCATION
from mastcache.errors import InputWarning, InvalidQueryError, MaxResultsWarning, NoResultsWarning
from mastcache.mast.tables import search_table

__all__ = ["CatalogsClass"]

_DEFAULT_RADIUS = 0.2 * u.deg
#: Criteria queries: catalog -> (service stem, columns-config service, asks for all columns).
_CRITERIA_SERVICES = {
    "tic": ("Mast.Catalogs.Filtered.Tic", "Mast.Catalogs.Tess.Cone", True),
    "ctl": ("Mast.Catalogs.Filtered.Ctl", "Mast.Catalogs.Tess.Cone", True),
    "diskdetective": ("Mast.Catalogs.Filtered.DiskDetective", "Mast.Catalogs.Dd.Cone", False),
}
_NO_CRITERION = "At least one non-positional criterion must be supplied."
_NOT_CRITERIA = ("columns", "sort_by", "page_size", "pagesize", "page")


class CatalogsClass(HscSpectraMixin, MastClient):
    """MAST catalog query class; results come from the local cache when the policy allows."""

    def __init__(self) -> None:
        super().__init__()
        #: Row count that raises MaxResultsWarning (astroquery keeps it between calls).
        self.catalog_limit: int | None = None
        self._service_columns: dict[tuple[str, str, str], Table] = {}

    # -- cone queries --------------------------------------------------------------------

    def query_region(
        self,
        coordinates: Any,
        *,
        radius: Any = _DEFAULT_RADIUS,
        catalog: str = "Hsc",
        version: int | None = None,
        pagesize: int | None = None,
        page: int | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Catalog entries within ``radius`` (a number means degrees) of a sky position.

        ``criteria``: ``nr``/``ni``/``magtype`` for HSC, ``maxrecords`` for GALEX; for
        Pan-STARRS any column (a value, a list, or ``(operator, value)`` tuples such as
        ``("gte", 2)``), ``columns``, ``sort_by``, ``table`` and ``data_release``.
        """
        coord = parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))
        params: dict[str, Any] = cone_params(coord, parse_radius(radius))
        if catalog.lower() == panstarrs.PANSTARRS:
            self._validate_panstarrs(criteria, mode)
            return self._panstarrs({**params, **criteria}, pagesize, page, mode)
        service = self._cone_service(catalog, version, params, criteria)
        return self._catalog_table(service, params, mode, pagesize, page)

    def query_object(
        self,
        objectname: str,
        *,
        radius: Any = _DEFAULT_RADIUS,
        catalog: str = "Hsc",
        pagesize: int | None = None,
        page: int | None = None,
        version: int | None = None,
        resolver: str | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Catalog entries within ``radius`` of a named object (resolved through the cache)."""
        coord = self._resolve_position(objectname, resolver, mode)
        return self.query_region(
            coord,
            radius=radius,
            catalog=catalog,
            version=version,
            pagesize=pagesize,
            page=page,
            mode=mode,
            **criteria,
        )

    # -- criteria queries ----------------------------------------------------------------

    def query_criteria(
        self,
        catalog: str,
        *,
        pagesize: int | None = None,
        page: int | None = None,
        resolver: str | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Entries of TIC, CTL, DiskDetective or Pan-STARRS matching column criteria.

        Optionally around ``coordinates`` or ``objectname`` (``radius``, default 0.2 deg).
        A float column takes ``[min, max]``; ``*``/``%`` are wildcards; Pan-STARRS takes
        ``(operator, value)`` tuples, ``columns`` and ``sort_by``.
        """
        params, criteria = self._criteria_position(criteria, resolver, mode)
        if catalog.lower() == panstarrs.PANSTARRS:
            self._validate_panstarrs(criteria, mode)
            if not any(key not in _NOT_CRITERIA for key in criteria):
                raise InvalidQueryError(_NO_CRITERION)
            return self._panstarrs({**params, **criteria}, pagesize, page, mode)
        known = _CRITERIA_SERVICES.get(catalog.lower())
        if known is None:
            raise InvalidQueryError(f"Criteria query not available for {catalog}")
        stem, config_service, all_columns = known
        service = f"{stem}{'.Position' if params else ''}{'.Rows' if all_columns else ''}"
        if all_columns:
            params["columns"] = "*"
        params["filters"] = self._filters(config_service, criteria, mode)
        return self._catalog_table(service, params, mode, pagesize, page, fetch_name=config_service)

    # -- HSC matches and spectra -----------------------------------------------------------

    def query_hsc_matchid(
        self,
        match: Any,
        *,
        version: int = 3,
        pagesize: int | None = None,
        page: int | None = None,
        mode: str | None = None,
    ) -> Table:
        """The HSC entries matched to ``match`` (a MatchID or a Row holding one)."""
        if isinstance(match, Row):
            match = match["MatchID"]
        service = "Mast.HscMatches.Db." + _hsc_version(version)
        return self._catalog_table(service, {"input": str(match)}, mode, pagesize, page)

    def get_hsc_spectra(
        self, *, pagesize: int | None = None, page: int | None = None, mode: str | None = None
    ) -> Table:
        """Every Hubble Source Catalog spectrum."""
        return self._catalog_table("Mast.HscSpectra.Db.All", {}, mode, pagesize, page)

    # -- internals -----------------------------------------------------------------------

    def _cone_service(
        self, catalog: str, version: int | None, params: dict[str, Any], criteria: dict[str, Any]
    ) -> str:
        """The Portal cone service of ``catalog``; fills its extra params (HSC, GALEX)."""
        criteria = dict(criteria)
        name, valid = catalog.lower(), []
        if name == "hsc":
            service = "Mast.Hsc.Db." + _hsc_version(version)
            self.catalog_limit = params["nr"] = criteria.pop("nr", 50000)
            params["ni"], params["magtype"] = criteria.pop("ni", 1), criteria.pop("magtype", 1)
            valid = ["nr", "ni", "magtype"]
        elif name == "galex":
            service = "Mast.Galex.Catalog"
            self.catalog_limit = params["maxrecords"] = criteria.pop("maxrecords", 50000)
            valid = ["maxrecords"]
        elif name in ("gaia", "plato"):
            service = _gaia_service(version) if name == "gaia" else _plato_service(version)
        else:
            service, self.catalog_limit = f"Mast.Catalogs.{catalog}.Cone", None
        if criteria:
            raise InvalidQueryError(_unknown_cone_filter(next(iter(criteria)), valid, catalog))
        return service

    def _criteria_position(
        self, criteria: dict[str, Any], resolver: str | None, mode: str | None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(``{ra, dec, radius}`` or ``{}``, the criteria without positional ones)."""
        criteria = dict(criteria)
        coordinates = criteria.pop("coordinates", None)
        objectname = criteria.pop("objectname", None)
        radius = parse_radius(criteria.pop("radius", _DEFAULT_RADIUS))
        if not (objectname or coordinates):
            return {}, criteria
        if LOCATION.by_name(coordinates, objectname, resolver, stacklevel=4):
            coord = self._resolve_position(objectname, resolver, mode)
        else:
            coord = self._location(coordinates, mode)
        return cone_params(coord, radius), criteria

    def _location(self, coordinates: Any, mode: str | None) -> SkyCoord:
        return parse_coordinates(coordinates, lambda n: self._resolve_position(n, None, mode))

    def _filters(
        self, config_service: str, criteria: dict[str, Any], mode: str | None
    ) -> list[dict[str, Any]]:
        from mastcache.mast import columns

        config = self._column_config(config_service, mode)
        filters = columns.build_filter_set(config, criteria)
        if not filters:
            raise InvalidQueryError(_NO_CRITERION)
        return filters

    def _catalog_table(
        self,
        service: str,
        params: dict[str, Any],
        mode: str | None,
        pagesize: int | None,
        page: int | None,
        **extra: Any,
    ) -> Table:
        table = self._portal_table(
            service, params, kind="catalogs", mode=mode, pagesize=pagesize, page=page, **extra
        )
        return self._warn_if_limited(table)

    def _panstarrs(
        self, params: dict[str, Any], pagesize: int | None, page: int | None, mode: str | None
    ) -> Table:
        """One Catalogs.MAST query through the archive (``panstarrs/<release>/<table>``)."""
        mode = runtime.effective_mode(mode)
        release, table_name = panstarrs.release_and_table(params)
        body = panstarrs.request_body(params, page=page, pagesize=pagesize)

        def fetch() -> Table:
            gateway = self.context().services
            refresh = bypasses_http_cache(mode)
            answer = gateway.panstarrs(release, table_name, body, force_refresh=refresh)
            return search_table(answer, "data")

        service = f"{panstarrs.PANSTARRS}/{release}/{table_name}"
        paging: dict[str, Any] = {"paging": [page, pagesize]} if page or pagesize else {}
        table = self._cached_table(service, body, "catalogs", fetch, mode, **paging)
        if len(table) == 0:
            warnings.warn("Query returned no results.", NoResultsWarning, stacklevel=3)
        return self._warn_if_limited(table)

    def _validate_panstarrs(self, criteria: dict[str, Any], mode: str | None) -> None:
        """Criteria must be columns of the release's table (any case) or request options."""
        release = str(criteria.get("data_release", "dr2"))
        table = str(criteria.get("table", "mean"))
        columns = self._panstarrs_columns(release, table, mode)
        names = [str(name) for name in columns["name"]]
        panstarrs.unknown_criterion(criteria, names, panstarrs.PANSTARRS, table, release)

    def _panstarrs_columns(self, release: str, table: str, mode: str | None) -> Table:
        """The column metadata of one Pan-STARRS table, cached like any query."""
        mode = runtime.effective_mode(mode)
        key = (panstarrs.PANSTARRS, release, table)
        known = self._service_columns.get(key)
        if known is not None and not bypasses_http_cache(mode):
            return known

        def fetch() -> Table:
            gateway = self.context().services
            rows = gateway.panstarrs_columns(
                release, table, force_refresh=bypasses_http_cache(mode)
            )
            return column_table(rows, "db_type", f"panstarrs catalog {table}, {release}")

        service = f"{panstarrs.PANSTARRS}/{release}/{table}/metadata"
        columns = self._cached_table(service, {}, "raw", fetch, mode)
        self._service_columns[key] = columns
        return columns

    def _warn_if_limited(self, table: Table) -> Table:
        if len(table) == self.catalog_limit:
            warnings.warn(
                "Maximum catalog results returned, may not include all sources within radius.",
                MaxResultsWarning,
                stacklevel=4,
            )
        return table


def _hsc_version(version: int | None) -> str:
    if version == 2:
        return "v2"
    if version not in (3, None):
        warnings.warn("Invalid HSC version number, defaulting to v3.", InputWarning, stacklevel=4)
    return "v3"


def _gaia_service(version: int | None) -> str:
    if version == 1:
        return "Mast.Catalogs.GaiaDR1.Cone"
    if version not in (None, 2):
        warnings.warn("Invalid Gaia version number, defaulting to DR2.", InputWarning, stacklevel=5)
    return "Mast.Catalogs.GaiaDR2.Cone"


def _plato_service(version: int | None) -> str:
    if version not in (None, 1):
        warnings.warn(
            "Invalid PLATO catalog version number, defaulting to DR1.", InputWarning, stacklevel=5
        )
    return "Mast.Catalogs.Plato.Cone"


def _unknown_cone_filter(key: str, valid: list[str], catalog: str) -> str:
    closest = difflib.get_close_matches(key, valid, n=1)
    if closest:
        return f"Filter '{key}' does not exist for catalog {catalog}. Did you mean '{closest[0]}'?"
    return f"Filter '{key}' does not exist for catalog {catalog}."
