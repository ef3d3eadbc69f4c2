"""A fast, complete copy of a ready astropy Table: what a hot-cache hit hands out.

``Table.copy()`` re-runs astropy's column constructors (numpy.ma and astropy
``__array_finalize__`` chains, a dozen ``__setattr__`` each): ~40 us a column, so a
34-column hit costs more than 1 ms before any data moves. :func:`copy_table` gives the same
result - every column with data, mask, meta and info of its own, the table's meta deep-copied -
by copying each column's values with one ``ndarray.copy`` and its attribute dict field by
field. It does so only for plain ``Column``/``MaskedColumn`` whose attribute dict holds exactly
the fields known here (:data:`_KNOWN_FIELDS`); anything else (Time, mixins, indexed columns,
an astropy with other internals) takes ``column.copy()``, the public path. Tests compare the
two paths attribute by attribute (tests/store/test_tablecopy.py).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import numpy as np
from astropy.table import Column, MaskedColumn, Table

__all__ = ["copy_column", "copy_table"]

#: Instance fields of Column / MaskedColumn (astropy 6-8, numpy 1.26-2.x) and how to copy
#: each: "share" immutable values, "fresh" a new empty one, "dict" a shallow dict copy.
_KNOWN_FIELDS = {
    "_name": "share",
    "_unit": "share",
    "_format": "share",
    "description": "share",
    "_meta": "meta",
    "_parent_table": "none",
    "indices": "fresh",
    "info": "info",  # a fresh one is made on first use, or copied when it holds more
    # numpy.ma.MaskedArray state (MaskedColumn only)
    "_mask": "mask",
    "_fill_value": "array",
    "_hardmask": "share",
    "_sharedmask": "unshared",
    "_isfield": "share",
    "_baseclass": "share",
    "_optinfo": "dict",
    "_basedict": "dict",
}
_FAST_TYPES = (Column, MaskedColumn)


def copy_table(table: Table) -> Table:
    """A Table equal to ``table`` that shares no data, mask or meta with it.

    Unlike ``Table.copy()`` (astropy 8 resets it), ``table.masked`` is kept: a hit looks
    exactly like the table that was stored."""
    if type(table) is not Table or table.indices or not _plain(table):
        return table.copy(copy_data=True)
    columns = [copy_column(column) for column in table.columns.values()]
    new = Table(masked=table.masked)
    adopt = getattr(new, "_init_from_cols", None)
    if adopt is None:
        new.add_columns(columns, copy=False)
    elif columns:
        adopt(columns)
    if table.meta:
        new.meta = deepcopy(table.meta)
    return new


def _plain(table: Table) -> bool:
    return all(type(column) in _FAST_TYPES for column in table.columns.values())


def copy_column(column: Any) -> Any:
    """A copy of ``column`` owning its values, mask, meta and info."""
    state = getattr(column, "__dict__", None)
    if type(column) not in _FAST_TYPES or state is None or not state.keys() <= _KNOWN_FIELDS.keys():
        return column.copy()
    if state.get("indices"):
        return column.copy()  # indexed columns: astropy copies the index too
    values = column.view(np.ndarray).copy()
    # a bare ndarray -> the column's class, with no attribute machinery run (obj is None)
    new = np.ndarray.__new__(type(column), values.shape, values.dtype, buffer=values)
    target = new.__dict__
    for name, value in state.items():
        how = _KNOWN_FIELDS[name]
        if how == "share":
            target[name] = value
        elif how == "dict":
            target[name] = dict(value)
        elif how == "mask" or how == "array":
            target[name] = value.copy() if isinstance(value, np.ndarray) else value
        elif how == "meta":
            target[name] = deepcopy(value) if value else value
        elif how == "fresh":
            target[name] = []
        elif how == "none":
            target[name] = None
        elif how == "unshared":
            target[name] = False
    if "_parent_table" not in target:
        target["_parent_table"] = None
    if "indices" not in target:
        target["indices"] = []
    info = state.get("info")
    if info is not None and info._attrs != _fresh_info_attrs(type(info)):
        new.info = info  # the descriptor deep-copies the info attributes
    return new


_FRESH_INFO: dict[type, dict[str, Any]] = {}


def _fresh_info_attrs(info_class: type) -> dict[str, Any]:
    """What a new column's info holds before anyone sets it (e.g. the default
    ``serialize_method``): a column whose info holds no more needs none of its own."""
    attrs = _FRESH_INFO.get(info_class)
    if attrs is None:
        attrs = _FRESH_INFO[info_class] = dict(info_class(bound=True)._attrs)
    return attrs
