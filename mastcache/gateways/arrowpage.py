"""One Portal page straight to the Arrow form of its typed columns (issue 19).

A page of a long query is kept as Arrow (store/fragments.py), which
``page_arrow(portal_page_columns(page))`` made by typing every column with numpy, as
astroquery does, then converting it. For the columns a page almost always holds (ASCII
text, floats, integers, each cell of the declared JSON type or null) the same Arrow data
is built from the cells in a few whole-column steps, several times less work on the one
thread that types pages. Any other column (booleans, bytes, unknown types, a column
config's ``ignoreValue``, a cell of another type, non-ASCII text, a NUL, which numpy would
drop) is typed the numpy way. Either way the Arrow data is the same
(tests/gateways/test_arrowpage.py compares both on the emulator's pages and on generated
cells). Nothing here hands Python values to ``pa.array``: that runs pyarrow's pandas probe,
which imports pandas (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from mastcache.mast.tables import (
    column_config_ignore_value,
    column_values,
    parse_type,
    portal_column,
    require_keys,
    wanted_fields,
)
from mastcache.store.columns import column_to_arrow, numbers_to_arrow, plain_field
from mastcache.store.strings import validity_bitmap

__all__ = ["portal_page_arrow"]

_TEXT_CELLS = {str, type(None)}
_INTEGER_CELLS = {int, type(None)}


def portal_page_arrow(
    response: Mapping[str, Any], column_config: Mapping[str, Any] | None = None
) -> pa.Table:
    """``page_arrow(portal_page_columns(response, column_config))``, made directly."""
    require_keys(response, ("fields", "data"), "Portal page")
    rows = response["data"]
    wanted = wanted_fields(response["fields"])
    values = column_values(rows, [name for name, _ in wanted])
    fields, arrays = [], []
    for (name, mast_type), cells in zip(wanted, values, strict=True):
        ignore = column_config_ignore_value(column_config, name)
        found = _direct(name, mast_type, cells) if ignore is None and len(cells) else None
        if found is None:
            found = column_to_arrow(name, portal_column(name, mast_type, cells, ignore))
        fields.append(found[0])
        arrays.append(found[1])
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _direct(name: str, mast_type: str, cells: Sequence[Any]) -> tuple[pa.Field, pa.Array] | None:
    """The column without astropy, or None when its cells need the numpy way."""
    _, atype, null = parse_type(mast_type)
    if atype is np.float64:
        return _floats(name, cells)
    if atype is str and set(map(type, cells)) <= _TEXT_CELLS:
        return _text(name, cells)
    if atype is np.int64 and set(map(type, cells)) <= _INTEGER_CELLS:
        return _integers(name, cells, null)
    return None


def _text(name: str, cells: Sequence[str | None]) -> tuple[pa.Field, pa.Array] | None:
    """astroquery: a null becomes "" and "" is masked; numpy's ``U`` dtype is as wide as the
    longest value (at least 1). ASCII only: then characters are bytes."""
    texts = ["" if cell is None else cell for cell in cells]
    joined = "".join(texts)
    if not joined.isascii() or "\x00" in joined:  # numpy's U strips trailing NULs
        return None
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    offsets = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    mask = lengths == 0
    nulls = int(np.count_nonzero(mask))
    buffers = [validity_bitmap(mask) if nulls else None, pa.py_buffer(offsets),
               pa.py_buffer(joined.encode("ascii"))]  # fmt: skip
    array = pa.Array.from_buffers(pa.large_string(), len(texts), buffers, nulls)
    width = max(1, int(lengths.max()))
    return plain_field(name, array.type, np.dtype(f"<U{width}")), array


def _floats(name: str, cells: Sequence[Any]) -> tuple[pa.Field, pa.Array] | None:
    """astroquery: a null becomes NaN, and nothing is masked (NaN never equals the marker);
    the same numpy call as ``mast.tables``, without the MaskedColumn."""
    try:
        values = np.array(cells, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if values.ndim != 1:
        return None
    return plain_field(name, pa.float64(), values.dtype), numbers_to_arrow(values, None)


def _integers(
    name: str, cells: Sequence[int | None], null: int
) -> tuple[pa.Field, pa.Array] | None:
    """astroquery: a null becomes the marker (-999, ``mast.tables.parse_type``), and every
    cell equal to the marker is masked."""
    try:
        values = np.fromiter((null if cell is None else cell for cell in cells), np.int64,
                             len(cells))  # fmt: skip
    except OverflowError:
        return None
    mask = values == null
    arrow = numbers_to_arrow(values, mask if mask.any() else None)
    return plain_field(name, arrow.type, values.dtype), arrow
