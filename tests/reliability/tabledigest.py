"""Content digests of astropy tables, the same in the test process and in worker processes.

A digest covers column names, dtypes, masks, units and values, and ignores ``meta`` (which
carries per-call provenance): two tables with one digest hold the same result.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from astropy.table import Table

__all__ = ["describe_difference", "table_digest"]


def _column_bytes(column: Any) -> bytes:
    data = np.asarray(column)
    mask = np.asarray(getattr(column, "mask", np.zeros(len(data), dtype=bool)), dtype=bool)
    if data.dtype.kind == "O":
        values = repr(
            [
                None if m else v
                for v, m in zip(
                    data.tolist(), np.broadcast_to(mask, data.shape).tolist(), strict=True
                )
            ]
        )
        return values.encode() + np.packbits(mask).tobytes()
    filled = np.where(mask, np.zeros((), dtype=data.dtype), data) if mask.any() else data
    return np.ascontiguousarray(filled).tobytes() + np.packbits(mask).tobytes()


def table_digest(table: Table) -> str:
    """sha256 over every column's name, dtype, unit, mask and (unmasked) values."""
    digest = hashlib.sha256(f"rows={len(table)}".encode())
    for name in table.colnames:
        column = table[name]
        header = f"|{name}|{column.dtype.str}|{column.unit}|"
        digest.update(header.encode())
        digest.update(_column_bytes(column))
    return digest.hexdigest()


def describe_difference(got: Table, expected: Table) -> str:
    """A short human account of how two tables differ ("" when their digests agree)."""
    if table_digest(got) == table_digest(expected):
        return ""
    if len(got) != len(expected):
        return f"{len(got)} rows instead of {len(expected)}"
    if got.colnames != expected.colnames:
        return f"columns {got.colnames[:5]}... instead of {expected.colnames[:5]}..."
    for name in got.colnames:
        if table_digest(got[[name]]) != table_digest(expected[[name]]):
            return f"column {name!r} differs ({got[name].dtype} vs {expected[name].dtype})"
    return "same columns and rows, different content"
