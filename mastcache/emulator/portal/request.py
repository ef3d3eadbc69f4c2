"""A decoded Portal `invoke` request (MAST_PROTOCOL.md section 1.1): the JSON inside the
url-quoted `request` form field, checked field by field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mastcache.errors import InvalidQueryError

DEFAULT_PAGESIZE: Final = 1000
MAX_PAGESIZE: Final = 500_000


@dataclass(frozen=True)
class PortalRequest:
    """What the client asked for; `params` is the request's own `params` object."""

    service: str
    params: Mapping[str, Any]
    format: str
    pagesize: int
    page: int
    poll_key: str
    remove_null_columns: bool


def parse_request(form: Mapping[str, str]) -> PortalRequest:
    """Decode the `request` form field; InvalidQueryError (MAST's ERROR) when malformed."""
    text = form.get("request")
    if text is None:
        raise InvalidQueryError("Missing form field 'request': expected request=<url-quoted JSON>.")
    body = _decode(text)
    service = body.get("service")
    if not isinstance(service, str) or not service:
        raise InvalidQueryError("Request has no 'service': expected a MAST service name.")
    params = body.get("params", {})
    if not isinstance(params, dict):
        raise InvalidQueryError(f"'params' must be a JSON object, got {type(params).__name__}.")
    return PortalRequest(
        service=service,
        params=params,
        format=str(body.get("format", "extjs")).lower(),
        pagesize=_positive(body, "pagesize", DEFAULT_PAGESIZE, MAX_PAGESIZE),
        page=_positive(body, "page", 1, None),
        poll_key=_poll_key(body),
        remove_null_columns=_flag(body.get("removenullcolumns", False)),
    )


def _decode(text: str) -> dict[str, Any]:
    try:
        body = json.loads(text)
    except ValueError as exc:
        raise InvalidQueryError(f"The request is not valid JSON ({exc}).") from exc
    if not isinstance(body, dict):
        raise InvalidQueryError("The request must be a JSON object with 'service' and 'params'.")
    return body


def _positive(body: Mapping[str, Any], name: str, default: int, limit: int | None) -> int:
    value = body.get(name, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidQueryError(f"'{name}' must be a positive integer, got {value!r}.")
    if limit is not None and value > limit:
        raise InvalidQueryError(f"'{name}'={value} is larger than the maximum of {limit}.")
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def _poll_key(body: Mapping[str, Any]) -> str:
    """One key per logical query: its cacheBreaker, else the request without paging."""
    breaker = body.get("cacheBreaker")
    if isinstance(breaker, str) and breaker:
        return breaker
    rest = {k: v for k, v in body.items() if k not in {"page", "pagesize"}}
    return json.dumps(rest, sort_keys=True, default=str)


def page_count(rows: int, pagesize: int) -> int:
    """MAST's `pagesFiltered`: pages needed for `rows` rows (at least 1)."""
    return max(1, math.ceil(rows / pagesize))


def paging_block(page: int, pagesize: int, rows_in_page: int, total: int) -> dict[str, int]:
    """The `paging` object of a JSON Portal reply; `page` echoes the request."""
    return {
        "page": page,
        "pageSize": pagesize,
        "pagesFiltered": page_count(total, pagesize),
        "rows": rows_in_page,
        "rowsFiltered": total,
        "rowsTotal": total,
    }
