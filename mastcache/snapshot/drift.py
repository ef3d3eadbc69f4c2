"""Drift between two answers to one query: rows added, removed and changed, matched on the
natural key of the result kind (``obsid``, ``obsID`` + ``productFilename``, catalog IDs).

Cells are compared as canonical values (:func:`mastcache.keys.canonical_value`): a masked
cell is ``None``, ``1`` equals ``1.0``, NaN equals NaN, so a re-typed column is no drift
but a changed value is. Pure: tables in, :class:`QueryDrift` out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mastcache.errors import InvalidQueryError
from mastcache.keys import canonical_json, canonical_value

if TYPE_CHECKING:
    from astropy.table import Table

__all__ = ["QueryDrift", "RowChange", "Status", "compare_tables", "natural_key"]

Status = Literal["same", "drifted", "missing", "skipped", "error"]

#: Natural key columns, first match wins: several columns together identify one row.
NATURAL_KEYS: tuple[tuple[str, ...], ...] = (
    ("obsID", "productFilename"),
    ("obsid",),
    ("ID",),
    ("objID",),
    ("objid",),
    ("MatchID",),
    ("source_id",),
    ("sci_data_set_name",),
    ("dataset",),
    ("ArchiveFileID",),
    ("filename",),
    ("column",),
)
#: Named in reports for rows matched on the whole row (no natural key in the table).
WHOLE_ROW = "(whole row)"


@dataclass(frozen=True)
class RowChange:
    """One row present on both sides whose values differ, and in which columns."""

    key: str
    columns: tuple[str, ...]


@dataclass(frozen=True)
class QueryDrift:
    """How one query's answer moved between the snapshot and the other side."""

    key: str
    service: str
    kind: str
    params: dict[str, Any]
    status: Status
    natural_key: tuple[str, ...] = ()
    rows_before: int = 0
    rows_after: int = 0
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[RowChange, ...] = ()
    columns_added: tuple[str, ...] = ()
    columns_removed: tuple[str, ...] = ()
    note: str = ""

    @property
    def has_drift(self) -> bool:
        return self.status in ("drifted", "missing")

    @property
    def changed_columns(self) -> dict[str, int]:
        """Column -> number of changed rows in which it changed, most changed first."""
        counts = Counter(column for change in self.changed for column in change.columns)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def describe(self) -> str:
        """``service`` with its params, for one line of a report."""
        return f"{self.service} {canonical_json(self.params)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "service": self.service,
            "kind": self.kind,
            "params": self.params,
            "status": self.status,
            "natural_key": list(self.natural_key),
            "rows_before": self.rows_before,
            "rows_after": self.rows_after,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": [{"key": c.key, "columns": list(c.columns)} for c in self.changed],
            "changed_columns": self.changed_columns,
            "columns_added": list(self.columns_added),
            "columns_removed": list(self.columns_removed),
            "note": self.note,
        }


def natural_key(before: Table, after: Table) -> tuple[str, ...]:
    """The first natural key whose columns both tables have (``()``: match whole rows)."""
    for columns in NATURAL_KEYS:
        if all(c in before.colnames and c in after.colnames for c in columns):
            return columns
    return ()


def compare_tables(before: Table, after: Table) -> dict[str, Any]:
    """The :class:`QueryDrift` fields describing how ``after`` differs from ``before``."""
    key_columns = natural_key(before, after)
    common = [c for c in before.colnames if c in after.colnames]
    old, new = _rows(before, key_columns, common), _rows(after, key_columns, common)
    changed = tuple(
        RowChange(key, columns)
        for key in old
        if key in new and (columns := _differing(old[key], new[key], common))
    )
    drift: dict[str, Any] = {
        "natural_key": key_columns or (WHOLE_ROW,),
        "rows_before": len(before),
        "rows_after": len(after),
        "added": tuple(k for k in new if k not in old),
        "removed": tuple(k for k in old if k not in new),
        "changed": changed,
        "columns_added": tuple(c for c in after.colnames if c not in before.colnames),
        "columns_removed": tuple(c for c in before.colnames if c not in after.colnames),
    }
    is_same = not any(drift[name] for name in ("added", "removed", "changed"))
    is_same = is_same and not (drift["columns_added"] or drift["columns_removed"])
    drift["status"] = "same" if is_same else "drifted"
    return drift


def _rows(table: Table, key_columns: Sequence[str], common: Sequence[str]) -> dict[str, Any]:
    """Row key -> the row's canonical values of the common columns; repeated keys are
    numbered (``key#2``) so duplicates are compared in order, not lost."""
    rows: dict[str, Any] = {}
    seen: Counter[str] = Counter()
    values = {c: _column_values(table, c) for c in common}
    keys = {c: _column_values(table, c) for c in key_columns}
    for index in range(len(table)):
        row = {c: values[c][index] for c in common}
        key = _row_key([keys[c][index] for c in key_columns] if key_columns else row)
        seen[key] += 1
        rows[key if seen[key] == 1 else f"{key}#{seen[key]}"] = row
    return rows


def _row_key(values: Any) -> str:
    if isinstance(values, list) and len(values) == 1 and isinstance(values[0], str):
        return values[0]
    return canonical_json(values)


def _column_values(table: Table, name: str) -> list[Any]:
    column = table[name]
    mask = np.ma.getmaskarray(column) if getattr(column, "mask", None) is not None else None
    plain = np.ma.getdata(column).tolist()
    return [
        None if mask is not None and mask[i] else _canonical(value) for i, value in enumerate(plain)
    ]


def _canonical(value: Any) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    try:
        return canonical_value(value)
    except InvalidQueryError:  # an exotic cell (e.g. bytes-like objects): compare its text
        return str(value)


def _differing(old: dict[str, Any], new: dict[str, Any], columns: Sequence[str]) -> tuple[str, ...]:
    return tuple(c for c in columns if old[c] != new[c])
