"""Portal invoke requests of stock astroquery, answered at the logical-query level.

The whole result of a query is read from (or fetched into) the archive under mastcache's
key for it, then each page astroquery asks for is cut from it (:func:`pages.table_page`).
MAST's ``ERROR`` comes back as an ``ERROR`` page, so astroquery raises its own error.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from astropy.table import Table

from mastcache import runtime
from mastcache.client.core import bypasses_http_cache
from mastcache.client.mast import service_kind
from mastcache.errors import NoResultsWarning, RemoteServiceError
from mastcache.mast import portal
from mastcache.mast.columns import config_name
from mastcache.transparent import pages
from mastcache.transparent.services import TransparentServices

__all__ = ["UntabularAnswer", "answer_invoke"]


#: Services whose results astroquery types with another service's column configuration
#: (its ``fetch_name``), as in observations.py and collections.py.
class UntabularAnswer(Exception):
    """MAST answered a paged JSON request with something other than a table."""

    def __init__(self, envelope: Mapping[str, Any]) -> None:
        super().__init__("the Portal answer has no fields/data")
        self.envelope = dict(envelope)


def answer_invoke(services: TransparentServices, request: Mapping[str, Any]) -> dict[str, Any]:
    """The Portal page ``request`` asks for, served from the archive (fetched on a miss).

    Raises :class:`UntabularAnswer` when MAST's answer is not a table (nothing is stored).
    """
    service, params = str(request["service"]), dict(request.get("params") or {})
    page, pagesize = int(request["page"]), int(request["pagesize"])
    extra = pages.wire_extras(request)

    def fetch() -> Table:
        return _fetch_table(services, request, pagesize, extra)

    try:
        table = services.cached_table(service, params, service_kind(service), fetch, extra)
    except RemoteServiceError as exc:
        return pages.error_page(str(exc))
    return pages.table_page(table, page, pagesize)


def _fetch_table(
    services: TransparentServices,
    request: Mapping[str, Any],
    pagesize: int,
    extra: Mapping[str, Any],
) -> Table:
    """Every page of the query through mastcache's gateway, typed as astroquery types it."""
    service = str(request["service"])
    refresh = bypasses_http_cache(runtime.effective_mode())
    with services.active() as active:
        gateway = active.gateway
        config = gateway.column_config(service, fetch_name=config_name(service, request))
        responses = gateway.portal_pages(
            service,
            dict(request.get("params") or {}),
            pagesize=pagesize,
            force_refresh=refresh,
            **extra,
        )
    portal.raise_for_error(responses[0])
    if not pages.is_tabular(responses[0]):
        raise UntabularAnswer(responses[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoResultsWarning)
        return portal.to_table(responses, config)
