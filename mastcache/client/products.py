"""Product-list helpers with astroquery.mast 0.4.11 semantics.

Which observation ids a ``get_product_list`` call asks for (TESS/TICA full-frame images left
out, as astroquery does), and the client-side filtering of a product table
(``filter_products``: ``mrp_only``, ``extension`` and column filters with ``!`` negation and
numeric ranges/comparisons).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
from astropy.table import Row, Table

from mastcache.errors import InvalidQueryError

__all__ = ["column_filter_mask", "filter_products", "observation_ids"]

log = logging.getLogger("mastcache")

Mask = npt.NDArray[np.bool_]
MaskFunction = Callable[[Any], Mask]

_FFI_TARGETS = {
    "TESS FFI": (
        "Because of their large size, mastcache (like astroquery) does not fetch TESS FFI "
        "products; use Tesscut for a target or https://archive.stsci.edu/tess/ for whole "
        "fields. Skipped observation IDs:\n"
    ),
    "TICA FFI": (
        "Because of their large size, mastcache (like astroquery) does not fetch TICA FFI "
        "products; see https://archive.stsci.edu/hlsp/tica. Skipped observation IDs:\n"
    ),
}
_RANGE = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\.\.[+-]?(\d+(\.\d*)?|\.\d+)")
_MRP = "Minimum Recommended Products"


def observation_ids(observations: Any) -> list[str]:
    """The ``obsid`` values a product query asks for, FFI observations left out."""
    if isinstance(observations, (Table, Row)):
        table = observations if isinstance(observations, Table) else Table(observations)
        values = _without_ffis(table)["obsid"]  # no copies of wide tables: read-only use
    elif np.isscalar(observations):
        values = [observations]
    else:
        values = observations
    ids = [str(value) for value in np.ma.filled(np.ma.asarray(values, dtype=object), "")]
    ids = [value for value in ids if value != ""]
    if not ids:
        raise InvalidQueryError("Observation list is empty, no associated products.")
    return ids


def _without_ffis(table: Table) -> Table:
    if "obsid" not in table.colnames:
        raise InvalidQueryError(
            "the observations table has no 'obsid' column: pass rows from query_region, "
            "query_object or query_criteria, or a list of obsid values"
        )
    if "target_name" not in table.colnames:
        return table
    keep = np.ones(len(table), dtype=bool)
    for target, message in _FFI_TARGETS.items():
        is_ffi = np.asarray(table["target_name"] == target, dtype=bool)
        if is_ffi.any():
            log.warning(message + "\n".join(str(x) for x in table["obs_id"][is_ffi]))
        keep &= ~is_ffi
    return table if keep.all() else table[keep]


def filter_products(
    products: Table,
    *,
    mrp_only: bool = False,
    extension: str | Iterable[str] | None = None,
    filters: Mapping[str, Any],
) -> Table:
    """Rows of ``products`` matching every filter (AND across filters)."""
    if not isinstance(products, Table):
        raise InvalidQueryError(
            f"filter_products needs the Table returned by get_product_list, "
            f"got {type(products).__name__}"
        )
    mask = np.ones(len(products), dtype=bool)
    if mrp_only:
        mask &= np.asarray(products["productGroupDescription"] == _MRP, dtype=bool)
    if extension:
        mask &= _extension_mask(products, extension)
    mask &= column_filter_mask(products, filters)
    result: Table = products[mask]
    return result


def _extension_mask(products: Table, extension: str | Iterable[str]) -> Mask:
    extensions = [extension] if isinstance(extension, str) else list(extension)
    names = products["productFilename"]
    return np.array(
        [
            not isinstance(name, np.ma.core.MaskedConstant)
            and any(str(name).endswith(ext) for ext in extensions)
            for name in names
        ],
        dtype=bool,
    )


def column_filter_mask(products: Table, filters: Mapping[str, Any]) -> Mask:
    """astroquery's ``apply_column_filters``: OR of positives, AND NOT of ``!`` negatives."""
    mask = np.ones(len(products), dtype=bool)
    for name, values in filters.items():
        if name not in products.colnames:
            raise InvalidQueryError(
                f"Column '{name}' not found in product table; "
                f"available columns: {', '.join(products.colnames)}"
            )
        column = products[name]
        if column.dtype.kind in "if":
            mask &= _numeric_mask(name, column, values)
        else:
            mask &= _combine(_text_conditions(values))(column)
    return mask


def _numeric_mask(name: str, column: Any, values: Any) -> Mask:
    try:
        return _combine(_numeric_conditions(values))(column)
    except ValueError as exc:
        raise InvalidQueryError(
            f"Could not parse numeric filter {values!r} for column '{name}': expected numbers, "
            "'start..end' ranges or comparisons such as '>=1000', optionally negated with '!'"
        ) from exc


def _text_conditions(values: Any) -> list[tuple[MaskFunction, bool]]:
    items: list[Any] = [values] if isinstance(values, str) or np.isscalar(values) else [*values]
    conditions: list[tuple[MaskFunction, bool]] = []
    for item in items:
        negated = isinstance(item, str) and item.startswith("!")
        conditions.append((_equals(item[1:] if negated else item), negated))
    return conditions


def _equals(value: Any) -> MaskFunction:
    return lambda col: np.asarray(np.isin(col, [value]))


def _numeric_conditions(values: Any) -> list[tuple[MaskFunction, bool]]:
    items = values if isinstance(values, list) else [values]
    conditions: list[tuple[MaskFunction, bool]] = []
    for item in items:
        negated = isinstance(item, str) and item.startswith("!")
        conditions.append((_numeric_condition(item[1:] if negated else item), negated))
    return conditions


def _numeric_condition(condition: Any) -> MaskFunction:
    if isinstance(condition, (int, float)):
        number = float(condition)
        return lambda col: np.asarray(col == number)
    text = str(condition)
    for operator, compare in _COMPARISONS:
        if text.startswith(operator):
            return _compare(compare, float(text[len(operator) :]))
    if _RANGE.fullmatch(text):
        low, high = map(float, text.split(".."))
        return lambda col: np.asarray((col >= low) & (col <= high))
    number = float(text)
    return lambda col: np.asarray(col == number)


_COMPARISONS: tuple[tuple[str, Callable[[Any, float], Any]], ...] = (
    (">=", lambda col, b: col >= b),
    ("<=", lambda col, b: col <= b),
    (">", lambda col, b: col > b),
    ("<", lambda col, b: col < b),
)


def _compare(compare: Callable[[Any, float], Any], bound: float) -> MaskFunction:
    return lambda col: np.asarray(compare(col, bound))


def _combine(conditions: list[tuple[MaskFunction, bool]]) -> MaskFunction:
    def combined(column: Any) -> Mask:
        size = len(column)
        positives = [f(column) for f, negated in conditions if not negated]
        negatives = [~f(column) for f, negated in conditions if negated]
        keep = np.logical_or.reduce(positives) if positives else np.ones(size, dtype=bool)
        drop_ok = np.logical_and.reduce(negatives) if negatives else np.ones(size, dtype=bool)
        return np.asarray(keep & drop_ok, dtype=bool)

    return combined
