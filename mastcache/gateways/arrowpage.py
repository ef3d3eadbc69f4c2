"""One Portal page straight to the Arrow form of its typed columns (issue 19).

A page of a long query is kept as Arrow (store/fragments.py), which
``page_arrow(portal_page_columns(page))`` made by typing every column with numpy, as
astroquery does, then converting it. For the columns a page almost always holds, text,
floats and integers whose cells are all of the declared JSON type, that is the same as
one ``pyarrow.array`` per column plus astroquery's null rules applied to it, about four
times less work on the one thread that types pages. Any other column (booleans, bytes,
unknown types, a column config's ``ignoreValue``, a cell of another type, text with a NUL,
which numpy would drop) is typed the numpy way: the result is the same Arrow data either
way (tests/gateways/test_arrowpage.py compares both on the emulator's pages and on
generated cells).
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
from mastcache.store.columns import (
    buffer_values,
    column_to_arrow,
    numbers_to_arrow,
    plain_field,
)
from mastcache.store.strings import validity_bitmap

__all__ = ["portal_page_arrow"]

#: The cells an integer column may hold for the direct way: pyarrow would also take floats
#: (truncated), where astroquery masks only cells equal to the marker before truncating.
_INTEGER_CELLS = {int, type(None)}
#: astroquery's null marker of integer columns (mast.tables.parse_type).
_INTEGER_NULL = -999


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
    """The column without numpy typing, or None when its cells need numpy's rules. pyarrow
    refuses what numpy would read differently: a number or a boolean in a text column
    (numpy writes it out), text in a number column (numpy parses it), an integer a double
    cannot hold exactly, lone surrogates."""
    atype = parse_type(mast_type)[1]
    try:
        if atype is str:
            return _text(name, cells)
        if atype is np.float64:
            return _floats(name, cells)
        if atype is np.int64 and set(map(type, cells)) <= _INTEGER_CELLS:
            return _integers(name, cells)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, UnicodeError):
        return None
    return None


def _text(name: str, cells: Sequence[Any]) -> tuple[pa.Field, pa.Array] | None:
    """astroquery: a null becomes "" and "" is masked; numpy's ``U`` dtype is as wide as the
    longest value (at least 1). Nulls and "" are both empty, so the mask is the empty ones."""
    array = pa.array(cells, type=pa.large_string())
    count = len(array)
    offsets = np.frombuffer(array.buffers()[1], np.int64, count + 1)
    data = array.buffers()[2]
    body = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]] if data else np.empty(0)
    if body.size and not body.all():
        return None  # a NUL: numpy strips trailing ones, the numpy way keeps its meaning
    lengths = np.diff(offsets)
    if body.size and int(body.max()) >= 128:  # code points, as numpy's U counts them
        import pyarrow.compute as pc

        longest = int(pc.max(pc.utf8_length(array)).as_py() or 0)
    else:
        longest = int(lengths.max())
    mask = lengths == 0
    nulls = int(np.count_nonzero(mask))
    buffers = [validity_bitmap(mask) if nulls else None, array.buffers()[1], data]
    masked = pa.Array.from_buffers(pa.large_string(), count, buffers, nulls)
    return plain_field(name, masked.type, np.dtype(f"<U{max(1, longest)}")), masked


def _floats(name: str, cells: Sequence[Any]) -> tuple[pa.Field, pa.Array]:
    """astroquery: a null becomes NaN, and nothing is masked (NaN never equals the marker)."""
    array = pa.array(cells, type=pa.float64())
    values = buffer_values(array, np.dtype(np.float64))
    if array.null_count:
        values = values.copy()
        values[~_valid(array)] = np.nan
    return plain_field(name, array.type, values.dtype), numbers_to_arrow(values, None)


def _integers(name: str, cells: Sequence[Any]) -> tuple[pa.Field, pa.Array]:
    """astroquery: a null becomes -999, and every -999 is masked."""
    array = pa.array(cells, type=pa.int64())
    values = buffer_values(array, np.dtype(np.int64))
    if array.null_count:
        values = values.copy()
        values[~_valid(array)] = _INTEGER_NULL
    mask = values == _INTEGER_NULL
    arrow = numbers_to_arrow(values, mask if mask.any() else None)
    return plain_field(name, arrow.type, values.dtype), arrow


def _valid(array: pa.Array) -> np.ndarray[Any, Any]:
    bitmap = np.frombuffer(array.buffers()[0], np.uint8)
    return np.unpackbits(bitmap, count=len(array), bitorder="little").astype(bool)
