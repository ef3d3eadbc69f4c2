"""Pan-STARRS requests as astroquery 0.4.11 builds them (MAST_PROTOCOL.md section 6): the
JSON body from user criteria, the release/table choice, and criteria validation.

Pure functions: no HTTP, no cache.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mastcache.errors import InvalidQueryError

__all__ = [
    "PANSTARRS",
    "SEARCH_OPTIONS",
    "release_and_table",
    "request_body",
    "unknown_criterion",
]

#: The one catalog astroquery sends to Catalogs.MAST rather than the Portal.
PANSTARRS = "panstarrs"
#: Criteria that are options of the request, not columns.
SEARCH_OPTIONS = ("columns", "sort_by", "table", "data_release")
_DEFAULTS = {"data_release": "dr2", "table": "mean"}


def release_and_table(params: dict[str, Any]) -> tuple[str, str]:
    """Take ``data_release`` and ``table`` out of ``params`` (lower case; dr2, mean)."""
    chosen = []
    for name in ("data_release", "table"):
        value = params.pop(name, None)
        chosen.append(str(value if value is not None else _DEFAULTS[name]).lower())
    return chosen[0], chosen[1]


def request_body(
    params: Mapping[str, Any], *, page: int | None = None, pagesize: int | None = None
) -> dict[str, Any]:
    """The JSON body: ``(op, value)`` tuples become ``<col>.<op>`` keys, repeated keys
    become lists, and ``sort_by`` always stays a list."""
    pairs: list[tuple[str, Any]] = []
    if page is not None:
        pairs.append(("page", page))
    if pagesize is not None:
        pairs.append(("pagesize", pagesize))
    pairs.extend(_param_pairs(params))
    grouped: dict[str, list[Any]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(_json_value(value))
    return {k: v if k == "sort_by" or len(v) > 1 else v[0] for k, v in grouped.items()}


def _param_pairs(params: Mapping[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for name, value in params.items():
        if name == "format":
            continue
        if name == "sort_by":
            pairs.extend(("sort_by", _sort_item(v, in_list=True)) for v in _listed(value))
        elif name == "columns":
            pairs.extend(("columns", column) for column in value)
        elif isinstance(value, list):
            pairs.extend(_filter_pair(name, item) for item in value)
        else:
            pairs.append((name, value))
    return pairs


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [_sort_item(value, in_list=False)]


def _sort_item(item: Any, *, in_list: bool) -> Any:
    """A sort tuple inside a list is ``direction.column``; a lone one ``column.direction``."""
    if not isinstance(item, tuple):
        return item
    return f"{item[1]}.{item[0]}" if in_list else f"{item[0]}.{item[1]}"


def _filter_pair(name: str, item: Any) -> tuple[str, Any]:
    if isinstance(item, tuple):
        return f"{name}.{item[0]}", item[1]
    return name, item


def _json_value(value: Any) -> Any:
    """Tuples as lists (the JSON they are sent as), so the cache key sees the same value."""
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


def unknown_criterion(
    criteria: Iterable[str], columns: Sequence[str], catalog: str, table: str, release: str
) -> None:
    """InvalidQueryError for the first criterion that is no column (any case) nor option."""
    valid = [*columns, *SEARCH_OPTIONS]
    lowered = {name.lower() for name in valid}
    for keyword in criteria:
        if keyword.lower() in lowered:
            continue
        where = f"{catalog} catalog {table}, {release}"
        closest = difflib.get_close_matches(keyword, valid, n=1)
        if closest:
            raise InvalidQueryError(
                f"Filter '{keyword}' does not exist for {where}. Did you mean '{closest[0]}'?"
            )
        raise InvalidQueryError(f"Filter '{keyword}' does not exist for {where}.")
