"""``Mast``: astroquery.mast's MastClass (direct Portal access), served through the cache.

``service_request`` passes a Mashup service and its params through as they are;
``mast_query`` builds them from keywords with astroquery's rules. Every method also takes
``mode=`` for that call.
"""

from __future__ import annotations

import warnings
from typing import Any

from astropy.table import Table

from mastcache.client.core import MastClient
from mastcache.errors import InputWarning, InvalidQueryError

__all__ = ["MastClass"]

_POSITION_KEYS = ("ra", "dec", "radius", "position")
_REQUEST_KEYS = (
    "format",
    "data",
    "filename",
    "timeout",
    "clearcache",
    "removecache",
    "removenullcolumns",
    "page",
    "pagesize",
)
#: Result kind (and so time to live) of well-known services; anything else is "raw".
_KINDS = (
    ("Mast.Caom.Products", "products"),
    ("Mast.Caom.", "observations"),
    ("Mast.Catalogs.", "catalogs"),
    ("Mast.Hsc", "catalogs"),
    ("Mast.Galex.", "catalogs"),
)


class MastClass(MastClient):
    """MAST query class (astroquery.mast's ``MastClass``).

    Direct programmatic access to the MAST Portal: more flexible but less friendly than
    ``Observations``. Results are cached per the refresh policy.
    """

    def service_request(
        self,
        service: str,
        params: dict[str, Any],
        *,
        pagesize: int | None = None,
        page: int | None = None,
        verbose: bool = False,
        mode: str | None = None,
        **kwargs: Any,
    ) -> Table:
        """Given a Mashup service and parameters, runs the Mashup query and returns a Table.

        ``kwargs`` are MashupRequest properties sent at the request's top level
        (e.g. ``removenullcolumns=True``).
        """
        if not isinstance(service, str) or not service.strip():
            raise InvalidQueryError(
                f"expected a Mashup service name such as 'Mast.Caom.Cone', got {service!r}"
            )
        if not isinstance(params, dict):
            raise InvalidQueryError(
                f"params must be a dict of service parameters, got {type(params).__name__}"
            )
        return self._portal_table(
            service,
            params,
            kind=service_kind(service),
            mode=mode,
            pagesize=pagesize,
            page=page,
            **kwargs,
        )

    def mast_query(
        self, service: str, columns: str | None = None, *, mode: str | None = None, **kwargs: Any
    ) -> Table:
        """Given a Mashup service and its parameters as keywords, runs the query.

        For "filtered" services every keyword that is not positional (ra, dec, radius,
        position) or a MashupRequest property becomes a filter, and ``columns`` defaults
        to ``"*"``.
        """
        request = {k: v for k, v in kwargs.items() if k.lower() in _REQUEST_KEYS}
        if "filtered" in service.lower():
            params = _filtered_params(columns, kwargs)
        else:
            params = {k: v for k, v in kwargs.items() if k.lower() not in _REQUEST_KEYS}
            if columns is not None:
                warnings.warn(
                    "'columns' parameter will not mask non-filtered services",
                    InputWarning,
                    stacklevel=2,
                )
        return self.service_request(service, params, mode=mode, **request)


def _filtered_params(columns: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    special = _POSITION_KEYS + _REQUEST_KEYS
    filters = [{"paramName": k, "values": v} for k, v in kwargs.items() if k.lower() not in special]
    if not filters:
        raise InvalidQueryError("Please provide at least one filter.")
    position = {k: v for k, v in kwargs.items() if k.lower() in _POSITION_KEYS}
    return {"columns": "*" if columns is None else columns, "filters": filters, **position}


def service_kind(service: str) -> str:
    """The result kind (``observations``, ``products``, ``catalogs`` or ``raw``) of a service."""
    return next((kind for prefix, kind in _KINDS if service.startswith(prefix)), "raw")
