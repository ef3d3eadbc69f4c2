"""``Observations``: astroquery.mast's ObservationsClass, served through the cache.

Same names, signatures, defaults, warnings and return types as astroquery 0.4.11; every
query method also takes ``mode=`` (cache-first, online, refresh, offline) for that call.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import astropy.units as u
import numpy as np
from astropy.table import Table
from astropy.utils.exceptions import AstropyDeprecationWarning

from mastcache.client import products as product_rules
from mastcache.client.coordinates import (
    cone_degrees,
    degrees_of,
    parse_coordinates,
    parse_radius,
    position_string,
    position_text,
    radius_degrees,
)
from mastcache.client.core import MastClient
from mastcache.client.downloads import DownloadsMixin
from mastcache.client.rules import OBSERVATIONS_LOCATION
from mastcache.errors import InvalidQueryError, ProtocolError, RemoteServiceError

if TYPE_CHECKING:  # pragma: no cover
    from astropy.coordinates import SkyCoord

__all__ = ["ObservationsClass"]

log = logging.getLogger("mastcache")

_DEFAULT_RADIUS = 0.2 * u.deg
_COUNT = "COUNT_BIG(*)"


class ObservationsClass(DownloadsMixin, MastClient):
    """MAST Observations query class (astroquery.mast's ``ObservationsClass``).

    Class for querying MAST observational data; results come from the local cache when the
    refresh policy allows, otherwise from MAST, and are stored for next time.
    """

    _caom_all = "Mast.Caom.All"
    _caom_cone = "Mast.Caom.Cone"
    _caom_filtered_position = "Mast.Caom.Filtered.Position"
    _caom_filtered = "Mast.Caom.Filtered"
    _caom_products = "Mast.Caom.Products"

    def __init__(self, mast_token: str | None = None) -> None:
        super().__init__(mast_token)
        self._cloud_provider: str | None = None

    # -- metadata ------------------------------------------------------------------------

    def list_missions(self, *, mode: str | None = None) -> list[str]:
        """Lists data missions archived by MAST and available through ``Observations``."""
        table = self._missions_table(mode)
        return [str(name) for name in table["mission"]]

    def get_metadata(self, query_type: str, *, mode: str | None = None) -> Table:
        """Returns metadata about the requested query type ("observations" or "products")."""
        from mastcache.mast import columns

        names = {"observations": self._caom_cone, "products": self._caom_products}
        service = names.get(str(query_type).lower())
        if service is None:
            raise InvalidQueryError(
                f"Unknown query type {query_type!r}: expected 'observations' or 'products'."
            )
        table: Table = columns.metadata_table(self._column_config(service, mode))
        return table

    # -- cloud ---------------------------------------------------------------------------

    def enable_cloud_dataset(
        self, provider: str = "AWS", profile: str | None = None, verbose: bool = True
    ) -> None:
        """Download public files from MAST's public S3 bucket ``stpubdata`` when it holds them
        (anonymous reads: no account, no boto3), and answer :meth:`get_cloud_uris`.

        The bucket is read at ``MASTCACHE_CLOUD_URL``, else ``MASTCACHE_MAST_URL`` (the
        emulator), else AWS S3. ``provider`` is ignored (AWS only) and ``profile`` is
        deprecated, as in astroquery."""
        if profile is not None:
            warnings.warn(
                "MAST Open Data on AWS is now free to access and does not require an AWS account",
                AstropyDeprecationWarning,
                stacklevel=2,
            )
        if verbose:
            log.info("Using the S3 STScI public dataset")
        self._cloud_provider = provider

    def disable_cloud_dataset(self) -> None:
        """Go back to downloading public files from MAST's HTTPS download service."""
        self._cloud_provider = None

    @property
    def cloud_dataset_enabled(self) -> bool:
        """Whether :meth:`enable_cloud_dataset` is in effect."""
        return self._cloud_provider is not None

    # -- observation queries -------------------------------------------------------------

    def query_region(
        self,
        coordinates: Any,
        *,
        radius: Any = _DEFAULT_RADIUS,
        pagesize: int | None = None,
        page: int | None = None,
        verbose: bool = False,
        mode: str | None = None,
    ) -> Table:
        """Given a sky position and radius, returns a Table of MAST observations."""
        coord = self._coordinates(coordinates, mode)
        return self._cone(degrees_of(coord), radius, mode, pagesize, page)

    def query_object(
        self,
        objectname: str,
        *,
        radius: Any = _DEFAULT_RADIUS,
        pagesize: int | None = None,
        page: int | None = None,
        resolver: str | None = None,
        verbose: bool = False,
        mode: str | None = None,
    ) -> Table:
        """Given an object name, returns a Table of MAST observations around it."""
        position = self._position_degrees(_object_name(objectname), resolver, mode)
        return self._cone(position, radius, mode, pagesize, page)

    def _cone(
        self,
        position: tuple[float, float],
        radius: Any,
        mode: str | None,
        pagesize: int | None,
        page: int | None,
    ) -> Table:
        params = cone_degrees(position, radius_degrees(radius))
        return self._portal_table(
            self._caom_cone, params, kind="observations", mode=mode, pagesize=pagesize, page=page
        )

    def query_criteria(
        self,
        *,
        pagesize: int | None = None,
        page: int | None = None,
        resolver: str | None = None,
        verbose: bool = False,
        mode: str | None = None,
        **criteria: Any,
    ) -> Table:
        """Given a set of criteria, returns a Table of MAST observations.

        Valid criteria are coordinates, objectname, radius and the columns listed by
        ``get_metadata("observations")``; a float column takes ``[min, max]``; ``*`` and
        ``%`` are wildcards, e.g. ``filters=["FUV","NUV"], proposal_pi="Ost*"``.
        """
        service, params = self._criteria_request("*", resolver, mode, criteria)
        if not params["filters"]:
            raise InvalidQueryError("At least one non-positional criterion must be supplied.")
        return self._portal_table(
            service,
            params,
            kind="observations",
            mode=mode,
            pagesize=pagesize,
            page=page,
            fetch_name=self._caom_cone,
        )

    # -- counts --------------------------------------------------------------------------

    def query_region_count(
        self,
        coordinates: Any,
        *,
        radius: Any = _DEFAULT_RADIUS,
        pagesize: int | None = None,
        page: int | None = None,
        mode: str | None = None,
    ) -> int:
        """Given a sky position and radius, returns the number of MAST observations there."""
        coord = self._coordinates(coordinates, mode)
        return self._count_around(degrees_of(coord), radius, mode, pagesize, page)

    def query_object_count(
        self,
        objectname: str,
        *,
        radius: Any = _DEFAULT_RADIUS,
        pagesize: int | None = None,
        page: int | None = None,
        resolver: str | None = None,
        mode: str | None = None,
    ) -> int:
        """Given an object name, returns the number of MAST observations around it."""
        position = self._position_degrees(_object_name(objectname), resolver, mode)
        return self._count_around(position, radius, mode, pagesize, page)

    def _count_around(
        self,
        position: tuple[float, float],
        radius: Any,
        mode: str | None,
        pagesize: int | None,
        page: int | None,
    ) -> int:
        text = position_text(position, radius_degrees(radius))
        params = {"columns": _COUNT, "filters": [], "position": text}
        return self._count(self._caom_filtered_position, params, mode, pagesize, page)

    def query_criteria_count(
        self,
        *,
        pagesize: int | None = None,
        page: int | None = None,
        resolver: str | None = None,
        mode: str | None = None,
        **criteria: Any,
    ) -> int:
        """Given a set of criteria, returns the number of MAST observations meeting them.

        ``pagesize`` and ``page`` are accepted and, as in astroquery, not used.
        """
        service, params = self._criteria_request(_COUNT, resolver, mode, criteria)
        return self._count(service, params, mode, None, None)

    # -- products ------------------------------------------------------------------------

    def get_product_list(
        self, observations: Any, *, verbose: bool = False, mode: str | None = None
    ) -> Table:
        """Data products of the given observations (rows/Table of results, or obsid values).

        Note that ``obsid`` is not ``obs_id``. TESS and TICA full-frame-image observations
        are left out, with a log warning, as astroquery does.
        """
        from mastcache.products import record_manifest

        ids = product_rules.observation_ids(observations)
        params = {"obsid": ",".join(ids)}
        table = self._portal_table(self._caom_products, params, kind="products", mode=mode)
        services = self.context()
        record_manifest(services.archive.store, table, services.scope)
        return table

    def get_unique_product_list(self, observations: Any, *, mode: str | None = None) -> Table:
        """Like :meth:`get_product_list`, keeping the first product of each ``dataURI``."""
        products = self.get_product_list(observations, mode=mode)
        _, first = np.unique(np.asarray(products["dataURI"]), return_index=True)
        unique: Table = products[np.sort(first)]
        if len(unique) < len(products):
            log.info(
                "%d of %d products were duplicates. Only returning %d unique product(s).",
                len(products) - len(unique),
                len(products),
                len(unique),
            )
        return unique

    def filter_products(
        self,
        products: Table,
        *,
        mrp_only: bool = False,
        extension: str | Iterable[str] | None = None,
        **filters: Any,
    ) -> Table:
        """Rows of a product Table matching every filter (astroquery's semantics).

        ``mrp_only`` keeps "Minimum Recommended Products"; ``extension`` keeps file names
        ending so; each other keyword is a column with one or more values (OR), where a
        ``!``-prefixed value excludes, and numeric columns accept ``"100..1000"``, ``">=5"``.
        """
        return product_rules.filter_products(
            products, mrp_only=mrp_only, extension=extension, filters=filters
        )

    # -- internals -----------------------------------------------------------------------

    def _coordinates(self, coordinates: Any, mode: str | None) -> SkyCoord:
        return parse_coordinates(coordinates, lambda name: self._resolve_position(name, None, mode))

    def _criteria_request(
        self, columns: str, resolver: str | None, mode: str | None, criteria: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        """astroquery's ``_parse_caom_criteria``: (service, params) for a criteria query."""
        from mastcache.mast import columns as column_rules

        criteria = dict(criteria)
        coordinates = criteria.pop("coordinates", None)
        objectname = criteria.pop("objectname", None)
        radius = criteria.pop("radius", _DEFAULT_RADIUS)
        config = self._column_config(self._caom_cone, mode)
        filters = column_rules.build_filter_set(config, criteria)
        if coordinates is None and objectname is None:
            return self._caom_filtered, {"columns": columns, "filters": filters}
        coord = self._input_location(coordinates, objectname, resolver, mode)
        position = position_string(coord, parse_radius(radius))
        return self._caom_filtered_position, {
            "columns": columns,
            "filters": filters,
            "position": position,
        }

    def _input_location(
        self, coordinates: Any, objectname: Any, resolver: str | None, mode: str | None
    ) -> SkyCoord:
        if OBSERVATIONS_LOCATION.by_name(coordinates, objectname, resolver, stacklevel=4):
            return self._resolve_position(_object_name(objectname), resolver, mode)
        return self._coordinates(coordinates, mode)

    def _count(
        self,
        service: str,
        params: dict[str, Any],
        mode: str | None,
        pagesize: int | None,
        page: int | None,
    ) -> int:
        table = self._portal_table(
            service,
            params,
            kind="observations",
            mode=mode,
            pagesize=pagesize,
            page=page,
            fetch_name=self._caom_cone,
        )
        try:
            return int(table[0][0])
        except (IndexError, ValueError, TypeError) as exc:
            raise RemoteServiceError(
                f"{service} answered a count query without a number (got {len(table)} rows); "
                "expected one row holding COUNT_BIG(*)"
            ) from exc

    def _missions_table(self, mode: str | None) -> Table:
        def fetch() -> Table:
            services = self.context()
            response = services.gateway.portal_json(
                self._caom_all,
                {},
                format="extjs",
                pagesize=services.settings.pagesize,
                page=1,
            )
            return Table({"mission": _mission_names(response)}, dtype=[str])

        return self._cached_table(self._caom_all, {}, "raw", fetch, mode, format="extjs")


def _object_name(objectname: Any) -> str:
    if not isinstance(objectname, str) or not objectname.strip():
        raise InvalidQueryError(
            f"expected an object name such as 'M101' or 'TIC 141914082', got {objectname!r}"
        )
    return objectname


def _mission_names(extjs: dict[str, Any]) -> list[str]:
    """The ``obs_collection`` histogram keys of a ``Mast.Caom.All`` extjs answer."""
    try:
        facets = extjs["data"]["Tables"][0]["Columns"]
        histogram = next(f for f in facets if f["text"] == "obs_collection")
        names = histogram["ExtendedProperties"]["histObj"]
    except (KeyError, IndexError, TypeError, StopIteration) as exc:
        raise ProtocolError(
            "Mast.Caom.All answered without an obs_collection histogram; expected extjs "
            "data.Tables[0].Columns[text=obs_collection].ExtendedProperties.histObj"
        ) from exc
    return sorted(name for name in names if name != "hist")
