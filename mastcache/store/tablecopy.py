"""A fast, complete copy of a ready astropy Table: what a hot-cache hit hands out.

``Table.copy()`` re-runs astropy's column constructors (numpy.ma and astropy
``__array_finalize__`` chains, a dozen ``__setattr__`` each): ~40 us a column, so a
34-column hit costs more than 1 ms before any data moves. A :class:`TableTemplate` works out
once, when the hot cache keeps a table, what each column holds; each :meth:`TableTemplate.copy`
then gives the same result as ``Table.copy()`` - every column with data, mask, meta and info
of its own, the table's meta deep-copied - with one ``ndarray.copy`` per array and one dict
update per column (~3 us a column instead of ~40).

It does so only for plain ``Column``/``MaskedColumn`` whose attribute dict holds exactly the
fields known here (:data:`_KNOWN_FIELDS`); anything else (Time, mixins, indexed columns, an
astropy with other internals) takes ``column.copy()``, the public path. Tests compare the two
paths attribute by attribute (tests/store/test_tablecopy.py).
"""

from __future__ import annotations

import weakref
from copy import deepcopy
from typing import Any

import numpy as np
from astropy.table import Column, MaskedColumn, Table

__all__ = ["TableTemplate", "copy_column", "copy_table"]

#: Instance fields of Column / MaskedColumn (astropy 6-8, numpy 1.26-2.x) and how to copy
#: each: "share" immutable values, "fresh" a new empty one, "dict" a shallow dict copy.
_KNOWN_FIELDS = {
    "_name": "share",
    "_unit": "share",
    "_format": "share",
    "description": "share",
    "_meta": "meta",
    "_parent_table": "parent",
    "indices": "fresh",
    "info": "info",  # a fresh one is made on first use, or copied when it holds more
    # numpy.ma.MaskedArray state (MaskedColumn only)
    "_mask": "array",
    "_fill_value": "array",
    "_hardmask": "share",
    "_sharedmask": "unshared",
    "_isfield": "share",
    "_baseclass": "share",
    "_optinfo": "dict",
    "_basedict": "dict",
}
_FAST_TYPES = (Column, MaskedColumn)
_new_array = np.ndarray.__new__


class _ColumnPlan:
    """How to copy one column: its values, what to share, what each copy needs afresh."""

    __slots__ = ("arrays", "dicts", "info", "kind", "meta", "shared", "values")

    def __init__(self, column: Any) -> None:
        state = column.__dict__
        self.kind = type(column)
        self.values = column.view(np.ndarray)
        self.shared: dict[str, Any] = {"_parent_table": None, "indices": []}
        self.arrays: list[tuple[str, np.ndarray]] = []
        self.dicts: list[tuple[str, dict[str, Any]]] = []
        self.meta: list[Any] = []  # [the column's meta] when it has one
        for name, value in state.items():
            self._plan_field(name, _KNOWN_FIELDS[name], value)
        info = state.get("info")
        fresh = info is None or info._attrs == _fresh_info_attrs(type(info))
        self.info = None if fresh else info

    def _plan_field(self, name: str, how: str, value: Any) -> None:
        if how == "share":
            self.shared[name] = value
        elif how == "unshared":
            self.shared[name] = False
        elif how == "array" and isinstance(value, np.ndarray):
            self.arrays.append((name, value))
        elif how == "array":
            self.shared[name] = value  # numpy.ma's nomask or a Python scalar: immutable
        elif how == "dict":
            self.dicts.append((name, value))
        elif how == "meta":
            self.meta.append(value)

    def copy(self, parent: Any) -> Any:
        values = self.values.copy()
        # a bare ndarray -> the column's class, with no attribute machinery run (obj is None)
        new = _new_array(self.kind, values.shape, values.dtype, buffer=values)
        state = new.__dict__
        state.update(self.shared)
        state["indices"] = []
        state["_parent_table"] = parent
        for name, array in self.arrays:
            state[name] = array.copy()
        for name, mapping in self.dicts:
            state[name] = dict(mapping)
        for meta in self.meta:
            state["_meta"] = _own_meta(meta)
        if self.info is not None:
            new.info = self.info  # the descriptor deep-copies the info attributes
        return new


def _own_meta(meta: Any) -> Any:
    """A copy of a column's meta, even an empty one: the caller may fill it."""
    if meta:
        return deepcopy(meta)
    return type(meta)() if isinstance(meta, dict) else meta


class TableTemplate:
    """A table kept private (never handed out, never changed) and a fast way to copy it."""

    __slots__ = ("_columns", "table")

    def __init__(self, table: Table) -> None:
        self.table = table
        self._columns = _plans(table)

    def copy(self) -> Table:
        """A Table equal to the template that shares no data, mask or meta with it.

        Unlike ``Table.copy()`` (astropy 8 resets it), ``table.masked`` is kept: a hit looks
        exactly like the table that was stored."""
        table, plans = self.table, self._columns
        if plans is None:
            return table.copy(copy_data=True)
        new = Table(masked=table.masked)
        parent = weakref.ref(new)  # what Column.parent_table's setter keeps
        # what Table._make_table_from_cols does, for columns already of the table's class
        new.columns = new.TableColumns({name: plan.copy(parent) for name, plan in plans})
        if table.meta:
            new.meta = deepcopy(table.meta)
        return new


def _plans(table: Table) -> list[tuple[str, _ColumnPlan]] | None:
    """A plan per column, or None when any column or the table needs the public copy."""
    if type(table) is not Table or table.indices:
        return None
    if not all(_is_plain(column) for column in table.columns.values()):
        return None
    if not hasattr(table, "columns") or not hasattr(Table, "TableColumns"):
        return None
    return [(name, _ColumnPlan(column)) for name, column in table.columns.items()]


def _is_plain(column: Any) -> bool:
    state = getattr(column, "__dict__", None)
    return (
        type(column) in _FAST_TYPES
        and state is not None
        and state.keys() <= _KNOWN_FIELDS.keys()
        and not state.get("indices")  # indexed columns: astropy copies the index too
    )


def copy_table(table: Table) -> Table:
    """A Table equal to ``table`` that shares no data, mask or meta with it (one copy;
    keep a :class:`TableTemplate` to copy the same table again and again)."""
    return TableTemplate(table).copy()


def copy_column(column: Any) -> Any:
    """A copy of ``column`` owning its values, mask, meta and info (no parent table)."""
    if not _is_plain(column):
        return column.copy()
    return _ColumnPlan(column).copy(None)


_FRESH_INFO: dict[type, dict[str, Any]] = {}


def _fresh_info_attrs(info_class: type) -> dict[str, Any]:
    """What a new column's info holds before anyone sets it (e.g. the default
    ``serialize_method``): a column whose info holds no more needs none of its own."""
    attrs = _FRESH_INFO.get(info_class)
    if attrs is None:
        attrs = _FRESH_INFO[info_class] = dict(info_class(bound=True)._attrs)
    return attrs
