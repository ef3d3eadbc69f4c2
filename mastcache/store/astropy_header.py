"""astropy's own Parquet header (``table_meta_yaml``, ``table::len::<name>``) for our files.

astropy's ``Table.read(path)`` needs it: without it, it measures every string column
itself and fails on a null. Our reader ignores it (``b"mastcache"`` is the exact record);
it is written so units, descriptions, formats, meta and string widths reach astropy too.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from astropy.table import Column, Table
from astropy.time import Time

__all__ = ["astropy_metadata"]


def astropy_metadata(table: Table) -> dict[bytes, bytes]:
    """Schema metadata entries astropy's Parquet reader reads, for ``table``."""
    entries = {
        f"table::len::{name}".encode(): str(width).encode()
        for name in table.colnames
        if (width := _string_width(table.columns[name])) is not None
    }
    yaml = _header_yaml(table)
    if yaml is not None:
        entries[b"table_meta_yaml"] = yaml.encode()
    return entries


def _string_width(column: Any) -> int | None:
    """Characters (or bytes) of a string column's cells, as astropy sizes its dtype."""
    if isinstance(column, Time):
        return None
    kind = column.dtype.kind
    if kind == "U":
        return max(1, int(column.dtype.itemsize) // 4)
    if kind == "S":
        return max(1, int(column.dtype.itemsize))
    if kind == "O":
        values = [v for v in np.ravel(np.ma.getdata(column)) if isinstance(v, (str, bytes))]
        return max((len(v) for v in values), default=1) if values else None
    return None


def _header_yaml(table: Table) -> str | None:
    columns = [_stand_in(table.columns[name]) for name in table.colnames]
    from astropy.table.meta import get_yaml_from_header

    for meta in (table.meta, None):  # meta astropy's YAML cannot hold is left to ours
        header: dict[str, Any] = {"cols": columns}
        if meta:
            header["meta"] = meta
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return "\n".join(get_yaml_from_header(header))
        except Exception:  # any YAML failure: try without meta, then give astropy none
            continue
    return None


def _stand_in(column: Any) -> Any:
    """A Time is stored as (jd1, jd2) pairs: astropy reads it as a 2-column float."""
    if not isinstance(column, Time):
        return column
    return Column(np.zeros((0, 2)), name=column.info.name, description=column.info.description)
