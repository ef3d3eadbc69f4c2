"""Exact conversion of one astropy column to one Arrow array and back.

Masks become real Arrow nulls; numpy's exact dtype (byte order, string width), the shape of
multidimensional cells, unit, description, format and column meta travel in the field's
metadata under ``b"mastcache"``. Conversions are vectorised: no per-row Python loops except
for object columns, which have no columnar form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa
from astropy.table import Column, MaskedColumn
from astropy.time import Time

from mastcache.errors import StoreError
from mastcache.store.metadata import dump_meta, load_meta
from mastcache.store.strings import arrow_to_fixed, fixed_to_arrow, validity_bitmap

__all__ = [
    "FIELD_KEY",
    "DecodedColumn",
    "arrow_to_column",
    "column_field",
    "column_to_arrow",
    "decode_column",
    "plain_field",
]

FIELD_KEY = b"mastcache"
_TIME_UNITS = ("ms", "us", "ns")  # Parquet has no seconds unit: "s" keeps the int view
_TIME_ATTRS = ("format", "scale", "precision", "in_subfmt", "out_subfmt")


def column_to_arrow(name: str, col: Any) -> tuple[pa.Field, pa.Array]:
    """The Arrow field (with metadata) and array holding astropy column ``col``."""
    if isinstance(col, Time):
        return _time_to_arrow(name, col)
    if not isinstance(col, Column):
        raise StoreError(
            f"column {name!r} is a {type(col).__name__}, which the cache cannot store: "
            "expected a Column, MaskedColumn or Time; convert it to a plain column first"
        )
    mask = np.ma.getmaskarray(col) if isinstance(col, MaskedColumn) else None
    data = col.view(np.ndarray)
    array = _values_to_arrow(name, data, mask)
    info = _column_info(col, data.dtype, mask is not None)
    return _field(name, array.type, info), array


def column_field(name: str, col: Column, type_: pa.DataType) -> pa.Field:
    """The field :func:`column_to_arrow` gives a Column/MaskedColumn whose array has
    ``type_`` (its metadata only: no data is converted)."""
    data = col.view(np.ndarray)
    return _field(name, type_, _column_info(col, data.dtype, isinstance(col, MaskedColumn)))


def plain_field(name: str, type_: pa.DataType, dtype: np.dtype[Any]) -> pa.Field:
    """The field :func:`column_to_arrow` gives a plain MaskedColumn of ``dtype`` whose array
    has ``type_`` (default fill value; no unit, format, description or meta)."""
    return _field(name, type_, {"dtype": dtype.str, "masked": True})


@dataclass(frozen=True)
class DecodedColumn:
    """One stored column decoded to numpy (or a Time), ready to become astropy columns.

    :meth:`build` makes a new column each time; with ``copy=True`` the caller's column owns
    its data, so an in-process cache can keep the decoded parts and hand out copies.
    """

    name: str
    info: dict[str, Any]
    data: Any  # numpy array, or a Time for Time columns
    mask: np.ndarray[Any, Any] | None

    @property
    def nbytes(self) -> int:
        """Bytes held by the decoded values and mask."""
        if isinstance(self.data, Time):
            return int(self.data.jd1.nbytes + self.data.jd2.nbytes)
        return int(self.data.nbytes + (0 if self.mask is None else self.mask.nbytes))

    def copied(self) -> DecodedColumn:
        """The same column with data and mask of its own."""
        if isinstance(self.data, Time):
            return replace(self, data=self.data.copy())
        mask = None if self.mask is None else self.mask.copy()
        return replace(self, data=self.data.copy(), mask=mask)

    def build(self, *, copy: bool) -> Any:
        """A new Column, MaskedColumn or Time; ``copy`` gives it its own data and mask."""
        if isinstance(self.data, Time):
            time = self.data.copy() if copy else self.data
            time.info.name = self.name
            return time
        data = self.data.copy() if copy else self.data
        kwargs = _column_kwargs(self.name, self.info)
        if not self.info.get("masked", self.mask is not None):
            return Column(data, copy=False, **kwargs)
        mask = np.zeros(data.shape, bool) if self.mask is None else self.mask
        column = MaskedColumn(data, mask=mask, copy=False, **kwargs)  # astropy copies masks
        if "fill_value" in self.info:
            column.fill_value = self.info["fill_value"]
        return column


def decode_column(field: pa.Field, chunks: pa.ChunkedArray | pa.Array) -> DecodedColumn:
    """The decoded parts of the column stored in ``field``/``chunks``."""
    array = _one_array(chunks)
    info = _field_info(field)
    if info.get("class") == "Time":
        return DecodedColumn(field.name, info, _arrow_to_time(array, info), None)
    shape = tuple(info.get("shape", ()))
    dtype = np.dtype(info["dtype"]) if "dtype" in info else None
    data, mask = _leaf_to_numpy(_flatten(array, len(shape)), dtype)
    data = data.reshape((len(array), *shape))
    return DecodedColumn(field.name, info, data, None if mask is None else mask.reshape(data.shape))


def _one_array(chunks: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The column as one array (``combine_chunks`` copies even a single chunk)."""
    if not isinstance(chunks, pa.ChunkedArray):
        return chunks
    return chunks.chunk(0) if chunks.num_chunks == 1 else chunks.combine_chunks()


def arrow_to_column(field: pa.Field, chunks: pa.ChunkedArray | pa.Array) -> Any:
    """The astropy column (Column, MaskedColumn or Time) stored in ``field``/``chunks``."""
    return decode_column(field, chunks).build(copy=False)


def _column_info(col: Column, dtype: np.dtype[Any], masked: bool) -> dict[str, Any]:
    info: dict[str, Any] = {"dtype": dtype.str, "masked": masked}
    if col.ndim > 1:
        info["shape"] = list(col.shape[1:])
    if col.unit is not None:
        info["unit"] = col.unit.to_string()
    if col.description is not None:
        info["description"] = str(col.description)
    if isinstance(col.format, str):
        info["format"] = col.format  # a callable format has no stored form; it is dropped
    if col.meta:
        info["meta"] = dump_meta(col.meta)
    if masked:
        info.update(_fill_value_info(col))
    return info


def _fill_value_info(col: Column) -> dict[str, Any]:
    with np.errstate(over="ignore"):  # numpy's default 999999 overflows small ints
        value = np.asarray(col.fill_value)
        default = np.asarray(MaskedColumn(np.empty(0, col.dtype)).fill_value)
    if value.dtype.kind == "O" or np.array_equal(value, default):
        return {}
    item = value.item()
    return {"fill_value": item.decode("latin-1") if isinstance(item, bytes) else item}


def _column_kwargs(name: str, info: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "unit": info.get("unit"),
        "description": info.get("description"),
        "format": info.get("format"),
        "meta": load_meta(info["meta"]) if "meta" in info else None,
    }


def _field(name: str, type_: pa.DataType, info: dict[str, Any]) -> pa.Field:
    return pa.field(name, type_, metadata={FIELD_KEY: json.dumps(info).encode()})


def _field_info(field: pa.Field) -> dict[str, Any]:
    raw = (field.metadata or {}).get(FIELD_KEY)
    return json.loads(raw) if raw else {}


# ---- numpy -> Arrow ---------------------------------------------------------------------


def _values_to_arrow(name: str, data: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """Leaf values, then one FixedSizeList level per trailing dimension."""
    shape = data.shape[1:]
    flat = np.ascontiguousarray(data).reshape(-1)
    flat_mask = None if mask is None or not mask.any() else np.asarray(mask).reshape(-1)
    array = _leaf_to_arrow(name, flat, flat_mask)
    for size in reversed(shape):
        array = pa.FixedSizeListArray.from_arrays(array, size)
    return array


def _leaf_to_arrow(name: str, flat: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    native = flat.astype(flat.dtype.newbyteorder("="), copy=False)
    kind = native.dtype.kind
    if kind in "biuf":
        return numbers_to_arrow(native, mask)
    if kind in "Mm":
        return _datetime_to_arrow(native, mask)
    if kind in "US":
        return fixed_to_arrow(native, mask)
    if kind == "O":
        return _objects_to_arrow(name, native, mask)
    raise StoreError(
        f"column {name!r} has dtype {flat.dtype}, which the cache cannot store: expected "
        "integers, floats, booleans, strings, bytes, datetime64/timedelta64 or objects"
    )


def numbers_to_arrow(native: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """``pa.array(native, mask=mask)`` for a 1-d native-order bool/int/uint/float array, made
    from numpy's buffers: ``pa.array`` runs pyarrow's pandas probe, which imports pandas
    (~0.35 s of CPU) in a process that may never use pandas (a cold fetch, issue 19)."""
    count = len(native)
    data = np.packbits(native, bitorder="little") if native.dtype.kind == "b" else native
    nulls = 0 if mask is None else int(np.count_nonzero(mask))
    buffers = [validity_bitmap(mask), pa.py_buffer(np.ascontiguousarray(data))]
    return pa.Array.from_buffers(pa.from_numpy_dtype(native.dtype), count, buffers, nulls)


def buffer_values(array: pa.Array, dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    """A read-only view of a primitive ``array``'s values (as ``dtype``, native order) in
    its value buffer, whatever lies under its nulls."""
    native = dtype.newbyteorder("=")
    buffer = array.buffers()[1]
    if buffer is None or not len(array):
        return np.zeros(len(array), native)
    return np.frombuffer(buffer, native, count=len(array), offset=array.offset * native.itemsize)


def null_mask(array: pa.Array) -> np.ndarray[Any, Any]:
    """Where ``array`` is null, as booleans, read from its validity bitmap
    (``is_null().to_numpy()`` runs pyarrow's pandas probe: see :func:`numbers_to_arrow`)."""
    if not array.null_count or array.buffers()[0] is None:
        return np.full(len(array), bool(array.null_count), dtype=bool)
    return ~_bits(array, 0)


def _bits(array: pa.Array, index: int) -> np.ndarray[Any, Any]:
    """Buffer ``index`` of ``array`` read as a little-endian bitmap: one bool per value."""
    count, buffer = len(array), array.buffers()[index]
    if buffer is None or not count:
        return np.zeros(count, dtype=bool)
    bits = np.unpackbits(np.frombuffer(buffer, np.uint8), bitorder="little")
    return bits[array.offset : array.offset + count].astype(bool)


def _datetime_to_arrow(native: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """datetime64/timedelta64 through their int64 view, so an unmasked NaT stays NaT."""
    unit, count = np.datetime_data(native.dtype)
    ints = numbers_to_arrow(native.view(np.int64), mask)
    if count != 1 or unit not in _TIME_UNITS:
        return ints  # other units (s, D, h, M, 10s...) keep the integer view; dtype restores
    target = pa.timestamp(unit) if native.dtype.kind == "M" else pa.duration(unit)
    return ints.view(target)


def _objects_to_arrow(name: str, values: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    try:
        return pa.array(values, mask=mask, from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise StoreError(
            f"column {name!r} holds Python objects of mixed or unsupported types ({exc}): "
            "expected one type per column (str, int, float, bool or bytes)"
        ) from exc


def _time_to_arrow(name: str, col: Time) -> tuple[pa.Field, pa.Array]:
    if col.location is not None:
        raise StoreError(f"Time column {name!r} has a location, which the cache cannot store")
    plain = col.unmasked if col.masked else col
    mask = np.asarray(col.mask) if col.masked else None
    jds = np.stack([np.asarray(plain.jd1), np.asarray(plain.jd2)], axis=-1)
    array = _values_to_arrow(name, jds.reshape(*jds.shape[:-1], 2), _pair_mask(mask))
    info: dict[str, Any] = {"class": "Time", "masked": bool(col.masked)}
    info.update({attr: getattr(col, attr) for attr in _TIME_ATTRS})
    info["shape"] = [*col.shape[1:], 2]
    if col.info.description is not None:
        info["description"] = str(col.info.description)
    if col.info.meta:
        info["meta"] = dump_meta(col.info.meta)
    return _field(name, array.type, info), array


def _pair_mask(mask: Any) -> Any:
    return None if mask is None else np.repeat(mask[..., np.newaxis], 2, axis=-1)


# ---- Arrow -> numpy ---------------------------------------------------------------------


def _flatten(array: pa.Array, levels: int) -> pa.Array:
    for _ in range(levels):
        array = array.flatten()
    return array


def _leaf_to_numpy(leaf: pa.Array, dtype: np.dtype[Any] | None) -> tuple[Any, Any]:
    """``(values, mask or None)``; nulls are filled with zeros/empties under the mask."""
    type_ = leaf.type
    if pa.types.is_dictionary(type_):
        return _dictionary_to_numpy(leaf, dtype)
    mask = null_mask(leaf) if leaf.null_count else None
    if dtype is not None and dtype.kind == "O":
        values = np.asarray(leaf.to_numpy(zero_copy_only=False), dtype=object)
    elif pa.types.is_string(type_) or pa.types.is_large_string(type_):
        values = arrow_to_fixed(leaf, dtype, text=True)
    elif pa.types.is_binary(type_) or pa.types.is_large_binary(type_):
        values = arrow_to_fixed(leaf, dtype, text=False)
    elif pa.types.is_temporal(type_):
        values = _temporal_to_numpy(leaf, dtype)
    else:
        values = _numbers_to_numpy(leaf)
    return (values if dtype is None else values.astype(dtype, copy=False)), mask


def _dictionary_to_numpy(leaf: pa.DictionaryArray, dtype: np.dtype[Any] | None) -> tuple[Any, Any]:
    """Low-cardinality strings (read as Parquet dictionaries): convert the few distinct
    values once, then one numpy ``take``; null cells index an appended empty value, exactly
    what the dense path leaves under the mask. Anything else is decoded densely."""
    if dtype is None or dtype.kind not in "US" or leaf.dictionary.null_count:
        return _leaf_to_numpy(leaf.dictionary_decode(), dtype)
    distinct, _ = _leaf_to_numpy(leaf.dictionary, dtype)
    values = np.zeros(len(distinct) + 1, distinct.dtype)  # concatenate would drop byte order
    values[:-1] = distinct
    positions = _numbers_to_numpy(leaf.indices).astype(np.int64, copy=False)
    if not leaf.null_count:
        return values.take(positions), None
    mask = null_mask(leaf)
    positions[mask] = len(distinct)
    return values.take(positions), mask


#: Arrow number types read straight from their value buffer (see :func:`numbers_to_arrow`).
_NUMPY_OF = {
    pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.int64(): np.int64,
    pa.uint8(): np.uint8, pa.uint16(): np.uint16, pa.uint32(): np.uint32,
    pa.uint64(): np.uint64, pa.float16(): np.float16, pa.float32(): np.float32,
    pa.float64(): np.float64,
}  # fmt: skip


def _numbers_to_numpy(leaf: pa.Array) -> Any:
    """A writable numpy copy of a number or boolean leaf, zero (False) under its nulls,
    read from Arrow's buffers (``to_numpy`` runs pyarrow's pandas probe)."""
    values: np.ndarray[Any, Any]
    if pa.types.is_boolean(leaf.type):
        values = _bits(leaf, 1)
    elif leaf.type in _NUMPY_OF:
        values = np.array(buffer_values(leaf, np.dtype(_NUMPY_OF[leaf.type])))
    else:  # decimals, nulls, ...: pyarrow's own conversion
        if leaf.null_count:
            leaf = leaf.fill_null(pa.scalar(0, leaf.type))
        return leaf.to_numpy(zero_copy_only=False, writable=True)
    if leaf.null_count:
        values[null_mask(leaf)] = 0
    return values


def _temporal_to_numpy(leaf: pa.Array, dtype: np.dtype[Any] | None) -> Any:
    if dtype is not None:
        leaf = _in_unit_of(leaf, dtype)
    bits = pa.int32() if leaf.type.bit_width == 32 else pa.int64()
    ints = _numbers_to_numpy(leaf.view(bits)).astype(np.int64, copy=False)
    if dtype is not None:
        return ints.view(dtype.newbyteorder("="))
    kind = "m" if pa.types.is_duration(leaf.type) else "M"
    unit = getattr(leaf.type, "unit", "D")
    return ints.view(f"{kind}8[{unit}]")


def _in_unit_of(leaf: pa.Array, dtype: np.dtype[Any]) -> pa.Array:
    """``leaf`` in ``dtype``'s unit (a reader may have widened e.g. ms to us)."""
    wanted = np.datetime_data(dtype)[0]
    if wanted not in _TIME_UNITS or getattr(leaf.type, "unit", wanted) == wanted:
        return leaf
    return leaf.cast(pa.timestamp(wanted) if dtype.kind == "M" else pa.duration(wanted))


def _arrow_to_time(array: pa.Array, info: dict[str, Any]) -> Time:
    shape = tuple(info["shape"])
    values, mask = _leaf_to_numpy(_flatten(array, len(shape)), np.dtype(np.float64))
    jds = values.reshape((len(array), *shape))
    time = Time(jds[..., 0], jds[..., 1], format="jd", scale=info["scale"])
    for attr in (*_TIME_ATTRS[2:], "format"):
        setattr(time, attr, info[attr])
    if mask is not None:
        time[mask.reshape(jds.shape)[..., 0]] = np.ma.masked
    time.info.description = info.get("description")
    if "meta" in info:
        time.info.meta = load_meta(info["meta"])
    return time
