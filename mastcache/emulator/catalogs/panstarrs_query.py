"""A Pan-STARRS catalogs-API query (MAST_PROTOCOL.md section 6), parsed and applied with
numpy: `<column>` and `<column>.<op>` filters (eq, neq, gt, gte, lt, lte, in, nin, like),
`sort_by` entries `col`, `col.desc` or `desc.col`, `columns`, and `pagesize`/`page`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from mastcache.emulator.catalogs.results import Selection, number
from mastcache.errors import InvalidQueryError

Mask = np.ndarray[Any, np.dtype[np.bool_]]
CONTROL_KEYS: Final = frozenset(
    {"ra", "dec", "radius", "columns", "sort_by", "page", "pagesize", "format"}
)
NUMERIC_OPS: Final[dict[str, Callable[[Any, float], Any]]] = {
    "eq": np.equal, "neq": np.not_equal, "gt": np.greater, "gte": np.greater_equal,
    "lt": np.less, "lte": np.less_equal,
}  # fmt: skip
DEFAULT_PAGESIZE: Final = 50_000
MAX_PAGESIZE: Final = 500_000
DIRECTIONS: Final = frozenset({"asc", "desc"})


@dataclass(frozen=True)
class Filter:
    """One `<column>.<op>` filter with its values."""

    column: str
    op: str
    values: tuple[Any, ...]
    numeric: bool


@dataclass(frozen=True)
class PanstarrsQuery:
    """A validated query: cone, output columns, filters, sort keys and the page."""

    cone: tuple[float, float, float] | None
    columns: tuple[str, ...]
    filters: tuple[Filter, ...]
    sort: tuple[tuple[str, bool], ...]
    page: int
    pagesize: int

    def apply(self, selection: Selection) -> Selection:
        """The rows that pass every filter, in sorted order."""
        mask = np.ones(len(selection), dtype=bool)
        for flt in self.filters:
            mask &= _mask(selection, flt)
        return _sorted(selection.where(mask), self.sort)

    def page_rows(self, total: int) -> range:
        """Row positions of the requested page."""
        start = min((self.page - 1) * self.pagesize, total)
        return range(start, min(start + self.pagesize, total))


def parse_query(params: Mapping[str, Any], entries: tuple[dict[str, Any], ...]) -> PanstarrsQuery:
    """Check a request's parameters against the table's columns (InvalidQueryError -> 400)."""
    types = {e["column_name"]: str(e["type"]) for e in entries}
    lowered = {name.lower(): name for name in types}
    cone = _cone(params)
    filters = tuple(
        _filter(key, value, lowered, types)
        for key, value in params.items()
        if key not in CONTROL_KEYS
    )
    return PanstarrsQuery(
        cone=cone,
        columns=_columns(params.get("columns"), lowered, tuple(types)),
        filters=filters,
        sort=_sort(params.get("sort_by"), lowered, cone is not None),
        page=_positive(params, "page", 1, None),
        pagesize=_positive(params, "pagesize", DEFAULT_PAGESIZE, MAX_PAGESIZE),
    )


def _cone(params: Mapping[str, Any]) -> tuple[float, float, float] | None:
    present = [k for k in ("ra", "dec", "radius") if k in params]
    if not present:
        return None
    if len(present) != 3:
        raise InvalidQueryError("A cone needs all of ra, dec and radius (degrees).")
    ra = number(params, "ra", -360.0, 720.0) % 360.0
    return ra, number(params, "dec", -90.0, 90.0), number(params, "radius", 0.0, 180.0)


def _resolve(name: str, lowered: Mapping[str, str]) -> str:
    found = lowered.get(name.lower())
    if found is None:
        raise InvalidQueryError(f"Column '{name}' does not exist in this table.")
    return found


def _columns(value: Any, lowered: Mapping[str, str], every: tuple[str, ...]) -> tuple[str, ...]:
    if value is None or value == [] or value == "":
        return every
    items = value if isinstance(value, list) else str(value).strip("[]").split(",")
    return tuple(dict.fromkeys(_resolve(str(item).strip(), lowered) for item in items))


def _filter(key: str, value: Any, lowered: Mapping[str, str], types: Mapping[str, str]) -> Filter:
    name, _, op = key.partition(".")
    column = _resolve(name, lowered)
    values = tuple(value) if isinstance(value, list) else (value,)
    op = op.lower() or ("in" if len(values) > 1 else "eq")
    if op not in {*NUMERIC_OPS, "in", "nin", "like"}:
        raise InvalidQueryError(f"Unknown filter operator '{op}' in '{key}'.")
    numeric = types[column] != "char"
    if numeric and op != "like":
        values = tuple(_as_float(key, v) for v in values)
    return Filter(column, op, values, numeric)


def _as_float(key: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"Filter '{key}' needs a number, got {value!r}.") from exc


def _sort(value: Any, lowered: Mapping[str, str], positional: bool) -> tuple[tuple[str, bool], ...]:
    items = value if isinstance(value, list) else ([] if value is None else [value])
    keys = []
    for item in items:
        parts = str(item).split(".")
        direction = next((p.lower() for p in parts if p.lower() in DIRECTIONS), "asc")
        name = ".".join(p for p in parts if p.lower() not in DIRECTIONS)
        if name.lower() == "distance" and positional:
            keys.append(("distance", direction == "desc"))
        else:
            keys.append((_resolve(name, lowered), direction == "desc"))
    return tuple(keys)


def _positive(params: Mapping[str, Any], name: str, default: int, limit: int | None) -> int:
    value = params.get(name, default)
    try:
        count = int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"'{name}' must be a positive integer, got {value!r}.") from exc
    if count < 1 or (limit is not None and count > limit):
        raise InvalidQueryError(f"'{name}'={count} is outside 1..{limit or 'any'}.")
    return count


def _mask(selection: Selection, flt: Filter) -> Mask:
    data = selection.field.columns[flt.column][selection.index]
    if flt.op == "like":
        patterns = [_like(str(v)) for v in flt.values]
        return np.fromiter(
            (any(p.fullmatch(str(d)) for p in patterns) for d in data), bool, data.size
        )
    if flt.numeric:
        data = data.astype(np.float64)
    if flt.op in {"in", "nin"}:
        hit = np.isin(data, np.array(flt.values, dtype=data.dtype))
        return hit if flt.op == "in" else ~hit
    mask = np.ones(data.size, dtype=bool)
    for wanted in flt.values:
        mask &= NUMERIC_OPS[flt.op](data, wanted)
    return mask


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c in "%*" else re.escape(c) for c in pattern), re.I)


def _sorted(selection: Selection, sort: tuple[tuple[str, bool], ...]) -> Selection:
    if not sort or len(selection) == 0:
        return selection
    keys = [_sort_key(selection, name, desc) for name, desc in reversed(sort)]
    order = np.lexsort(keys)
    distance = None if selection.distance_deg is None else selection.distance_deg[order]
    return Selection(selection.field, selection.index[order], distance)


def _sort_key(selection: Selection, name: str, descending: bool) -> Any:
    values: np.ndarray[Any, Any]
    if name == "distance" and selection.distance_deg is not None:
        values = selection.distance_deg
    else:
        values = selection.field.columns[name][selection.index]
    if values.dtype.kind not in "fiu":
        values = np.unique(values.astype(str), return_inverse=True)[1]
    numbers = values.astype(np.float64)
    return -numbers if descending else numbers
