"""MAST's JSON microservices spoken over a :class:`~mastcache.net.transport.Transport`.

The Search API behind ``MastMissions`` (search, products lookup, column lists) and the
Catalogs.MAST server behind Pan-STARRS (queries and column metadata); MAST_PROTOCOL.md
sections 5 and 6. Like :class:`~mastcache.gateways.portal.MastGateway` it knows no cache policy and
raises only the ``MastCacheError`` tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mastcache.errors import HTTPStatusError, InvalidQueryError, ProtocolError
from mastcache.net.transport import Transport

__all__ = ["INVALID_INPUT_MESSAGE", "ServiceFailureError", "ServiceGateway"]

#: astroquery's message for an HTTP 400 or 500 from any microservice (services.py:207-213).
INVALID_INPUT_MESSAGE = (
    "The server was unable to process the request due to invalid input. Please check the "
    "query parameters and try again. Use the `MastMissions.get_column_list` method to see "
    "the available searchable columns and their expected data types."
)
_INVALID_INPUT_STATUSES = (400, 500)


class ServiceFailureError(InvalidQueryError, HTTPStatusError):
    """astroquery's "invalid input" error for an HTTP 500 after retries; also a
    :class:`HTTPStatusError`, because a 500 may be an outage: stale-if-error then serves the
    expired cached result instead of failing."""


class ServiceGateway:
    """Search API and Catalogs.MAST exchanges over one transport (safe to share)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # -- Search API (missions) ------------------------------------------------------------

    def mission_search(
        self, mission: str, body: Mapping[str, Any], *, force_refresh: bool = False
    ) -> dict[str, Any]:
        """``POST search/<mission>/api/v0.1/search``: the answer object (info + results)."""
        url = f"{self.transport.endpoints.search_api(mission)}/search"
        return _object(self._post(url, body, force_refresh), url)

    def mission_products(
        self, mission: str, body: Mapping[str, Any], *, force_refresh: bool = False
    ) -> list[dict[str, Any]]:
        """``POST …/post_list_products``: the product dicts (a once-nested list flattened)."""
        url = f"{self.transport.endpoints.search_api(mission)}/post_list_products"
        answer = _object(self._post(url, body, force_refresh), url)
        products = answer.get("products", [])
        if products and isinstance(products[0], list):
            products = products[0]
        return _dict_list(products, url)

    def mission_columns(self, mission: str, *, force_refresh: bool = False) -> list[dict[str, Any]]:
        """``GET search/util/api/v0.1/column_list?mission=<m>``: one dict per column."""
        url = self.transport.endpoints.search_column_list
        response = self.transport.get(url, {"mission": mission}, force_refresh=force_refresh)
        return _dict_list(self.transport.json(response), url)

    # -- Catalogs.MAST (Pan-STARRS) --------------------------------------------------------

    def panstarrs(
        self, release: str, table: str, body: Mapping[str, Any], *, force_refresh: bool = False
    ) -> dict[str, Any]:
        """``POST api/v0.1/panstarrs/<release>/<table>.json``: the answer (info + data)."""
        url = self.transport.endpoints.panstarrs(release, table)
        return _object(self._post(url, body, force_refresh), url)

    def panstarrs_columns(
        self, release: str, table: str, *, force_refresh: bool = False
    ) -> list[dict[str, Any]]:
        """``GET …/panstarrs/<release>/<table>/metadata.json``: one dict per column."""
        url = self.transport.endpoints.panstarrs_metadata(release, table)
        response = self.transport.get(url, force_refresh=force_refresh)
        return _dict_list(self.transport.json(response), url)

    # -- internals ------------------------------------------------------------------------

    def _post(self, url: str, body: Mapping[str, Any], force_refresh: bool) -> Any:
        """POST JSON; HTTP 400/500 become InvalidQueryError, as astroquery maps them."""
        try:
            response = self.transport.post_json(url, dict(body), force_refresh=force_refresh)
        except HTTPStatusError as exc:
            if exc.status_code == 500:
                raise ServiceFailureError(INVALID_INPUT_MESSAGE, 500) from exc
            if exc.status_code in _INVALID_INPUT_STATUSES:
                raise InvalidQueryError(INVALID_INPUT_MESSAGE) from exc
            raise
        return self.transport.json(response)


def _object(answer: Any, url: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise ProtocolError(
            f"{url} answered a JSON {type(answer).__name__}, expected an object; check that "
            "MASTCACHE_MAST_URL points at a MAST server"
        )
    return answer


def _dict_list(answer: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(answer, list) or not all(isinstance(item, dict) for item in answer):
        raise ProtocolError(
            f"{url} answered a JSON {type(answer).__name__}, expected a list of objects; "
            "check that MASTCACHE_MAST_URL points at a MAST server"
        )
    return answer
