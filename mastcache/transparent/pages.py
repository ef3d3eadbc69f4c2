"""Portal invoke bodies in, Portal JSON pages out: the pure half of transparent mode.

A stored result table is re-encoded as the page a stock astroquery client asked for, with
field types that astroquery's ``_json_to_table`` maps back to the same dtypes, nulls where
cells are masked, and a ``paging`` block that drives its page loop (MAST_PROTOCOL.md 1.2-1.6).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import numpy as np
from astropy.table import Table

__all__ = [
    "NOT_FORWARDED",
    "decode_invoke",
    "error_page",
    "field_type",
    "is_tabular",
    "table_page",
    "wire_extras",
]

#: Request keys that are not MashupRequest properties of the logical query. ``fetch_name``
#: leaks onto the wire from astroquery's second call of a service (its ``kwargs.pop`` runs
#: only while the column config is unknown); MAST ignores it and so does the key.
NOT_FORWARDED = frozenset(
    {"service", "params", "format", "pagesize", "page", "cacheBreaker", "fetch_name"}
)
_KIND_TYPES = {"U": "string", "S": "string", "O": "string", "f": "double", "b": "boolean"}
_NAMED_TYPES = {"int64": "long", "uint8": "unsignedbyte"}


def decode_invoke(body: bytes | str | None) -> dict[str, Any] | None:
    """The MashupRequest of a Portal invoke form body, or None when it is not one."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    values = parse_qs(text, keep_blank_values=True).get("request")
    if not values:
        return None
    try:
        request = json.loads(values[0])
    except ValueError:
        return None
    return request if isinstance(request, dict) and "service" in request else None


def wire_extras(request: Mapping[str, Any]) -> dict[str, Any]:
    """The top-level request properties that shape the answer (``removenullcolumns``, ...)."""
    return {key: value for key, value in request.items() if key not in NOT_FORWARDED}


def is_tabular(envelope: Any) -> bool:
    """Whether a Portal answer carries a table (``fields`` and ``data``)."""
    return isinstance(envelope, Mapping) and "fields" in envelope and "data" in envelope


def field_type(column: Any) -> str:
    """The Portal type string astroquery's ``parse_type`` maps back to ``column``'s dtype."""
    dtype = np.dtype(column.dtype)
    return _NAMED_TYPES.get(dtype.name) or _KIND_TYPES.get(dtype.kind) or dtype.name


def _cells(column: Any) -> list[Any]:
    """Python values of a column, None where masked (a JSON null gives the null marker)."""
    values: list[Any] = np.ma.asarray(column).tolist()
    if np.dtype(column.dtype).kind == "S":
        return [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
    return values


def table_page(table: Table, page: int, pagesize: int) -> dict[str, Any]:
    """Page ``page`` (1-based) of ``table`` as a ``COMPLETE`` Portal JSON envelope."""
    total = len(table)
    start = (page - 1) * pagesize
    part = table[start : start + pagesize] if start < total else table[:0]
    names = list(part.colnames)
    columns = [_cells(part[name]) for name in names]
    rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    return {
        "status": "COMPLETE",
        "msg": "",
        "data": rows,
        "fields": [{"name": name, "type": field_type(table[name])} for name in names],
        "paging": {
            "page": page,
            "pageSize": pagesize,
            "pagesFiltered": math.ceil(total / pagesize),
            "rows": len(rows),
            "rowsFiltered": total,
            "rowsTotal": total,
        },
    }


def error_page(message: str) -> dict[str, Any]:
    """MAST's ``ERROR`` envelope, which astroquery turns into its RemoteServiceError."""
    return {"status": "ERROR", "msg": message, "data": [], "fields": []}
