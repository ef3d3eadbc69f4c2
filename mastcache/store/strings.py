"""numpy fixed-width strings (``U<n>``, ``S<n>``) <-> Arrow large_string/large_binary, fast.

numpy pads with NULs and strips only trailing ones; pyarrow's own numpy conversion stops at
the first NUL. The fast path uses pyarrow when no value holds an interior NUL; the exact
path slices the padded bytes itself. Back to numpy, values are NUL-padded to one width in
Arrow's C++ kernels so the data buffer *is* the fixed-width array: no Python strings.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["arrow_to_fixed", "fixed_to_arrow", "validity_bitmap"]


def _pc() -> Any:
    """pyarrow.compute, imported when strings are first converted: importing it writes a
    docstring for each of ~300 kernels (~0.15 s), which a process reading no text skips."""
    import pyarrow.compute

    return pyarrow.compute


@cache
def _binary(value: bytes) -> pa.Scalar:
    """A large_binary scalar, taken from a one-value array built from buffers: ``pa.scalar``
    runs pyarrow's pandas probe, which imports pandas (~0.35 s of CPU)."""
    offsets = pa.py_buffer(np.array([0, len(value)], np.int64))
    array = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(value)])
    return array[0]


def validity_bitmap(mask: Any) -> pa.Buffer | None:
    """Arrow's validity bitmap (1: a value) of a boolean ``mask`` (True: null), or None."""
    if mask is None:
        return None
    return pa.py_buffer(np.packbits(~np.asarray(mask, dtype=bool), bitorder="little"))


def fixed_to_arrow(native: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """A 1-d native-order ``U``/``S`` array as large_string/large_binary, nulls where masked."""
    if native.dtype.kind == "U" and native.size:
        return _text_to_arrow(native, mask)
    target = pa.large_string() if native.dtype.kind == "U" else pa.large_binary()
    if native.dtype.kind == "U":  # no values
        empty = [None, pa.py_buffer(np.zeros(1, np.int64)), pa.py_buffer(b"")]
        return pa.Array.from_buffers(target, 0, empty)
    return _padded_bytes_to_arrow(native, mask)


def _text_to_arrow(native: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """UTF-32 code units -> one padded UTF-8 buffer (a cast for ASCII, one codec call
    otherwise), then Arrow trims the NUL padding: numpy's meaning, interior NULs kept."""
    count, chars = len(native), native.dtype.itemsize // 4
    units = native.view(np.uint32).reshape(count, chars)
    if int(units.max()) < 128:
        data, widths = units.astype(np.uint8), np.full(count, chars, np.int64)
    else:
        try:
            data = np.frombuffer(native.tobytes().decode("utf-32-le").encode("utf-8"), np.uint8)
        except UnicodeError:  # lone surrogates: let pyarrow decide what it can store
            return pa.array(native, mask=mask, type=pa.large_string())
        per_unit = 1 + (units >= 0x80) + (units >= 0x800) + (units >= 0x10000)
        widths = per_unit.sum(axis=1, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(widths)])
    validity = validity_bitmap(mask)
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))]
    padded = pa.Array.from_buffers(pa.large_string(), count, buffers)
    return _pc().utf8_rtrim(padded, characters="\x00")


def arrow_to_fixed(leaf: pa.Array, dtype: np.dtype[Any] | None, *, text: bool) -> Any:
    """The ``U``/``S`` numpy array of a string/binary leaf (nulls become empty values)."""
    binary = _as_large_binary(leaf)
    if binary.null_count:
        binary = binary.fill_null(_binary(b""))
    if not text:
        return _bytes_to_fixed(binary, dtype)
    if _is_ascii(binary):
        return _ascii_to_fixed(binary, dtype)
    return _utf8_to_fixed(binary.view(pa.large_string()), dtype)


def _as_large_binary(leaf: pa.Array) -> pa.Array:
    if pa.types.is_large_string(leaf.type) or pa.types.is_large_binary(leaf.type):
        return leaf.view(pa.large_binary())  # same layout: zero-copy, no validation
    return leaf.cast(pa.large_binary())


#: Up to this many values, ASCII text is padded by numpy rather than by an Arrow kernel: a
#: small result (a count, a resolution) then never imports pyarrow.compute (~30-90 ms).
_SMALL = 4096


def _ascii_to_fixed(binary: pa.Array, dtype: np.dtype[Any] | None) -> Any:
    """ASCII: NUL-pad to one width (one Arrow kernel per :data:`_SLICE_BYTES` of rows), then
    widen each byte to a UTF-32 code unit, which *is* the ``U`` array (numpy's S->U cast is
    ~10x slower)."""
    count = len(binary)
    if count <= _SMALL:
        return _small_ascii_to_fixed(binary, dtype)
    lengths = _pc().binary_length(binary)
    chars = _width(lengths, 0 if dtype is None else dtype.itemsize // 4)
    units = np.empty((count, chars), np.uint32)
    step = max(1, _SLICE_BYTES // chars)  # padded a slice of rows at a time (see below)
    for start in range(0, count, step):
        part = binary.slice(start, step)
        padded = _pad(part, lengths.slice(start, step), chars, ascii_text=True)
        units[start : start + len(part)] = _padded_bytes(padded, chars).reshape(-1, chars)
    values = units.view(f"U{chars}").reshape(count)
    return values if dtype is None else values.astype(dtype, copy=False)


#: Padded bytes :func:`_ascii_to_fixed` holds at once: a whole padded column of 1,000,000
#: rows 200 characters wide would be 200 MB on top of the result (twice, when two columns
#: are decoded at once: store/fragments.py), which is what a large fetch's peak is made of.
_SLICE_BYTES = 16 * 1024 * 1024


def _small_ascii_to_fixed(binary: pa.Array, dtype: np.dtype[Any] | None) -> Any:
    """:func:`_ascii_to_fixed` in numpy: each value's bytes land, as UTF-32 code units, at the
    start of its NUL-filled row (the offsets give the lengths)."""
    count = len(binary)
    offsets = np.frombuffer(binary.buffers()[1], np.int64, count + 1, binary.offset * 8)
    lengths = np.diff(offsets)
    longest = int(lengths.max()) if count else 0
    chars = max(1, longest, 0 if dtype is None else dtype.itemsize // 4)
    units = np.zeros((count, chars), np.uint32)
    data = binary.buffers()[2]
    if data is not None and longest:
        used = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]
        units[np.arange(chars) < lengths[:, np.newaxis]] = used
    values = units.view(f"U{chars}").reshape(count)
    return values if dtype is None else values.astype(dtype, copy=False)


def _utf8_to_fixed(text: pa.Array, dtype: np.dtype[Any] | None) -> Any:
    """Non-ASCII text: pad every value to one count of code points (Arrow kernel), then
    the whole buffer is one UTF-8 -> UTF-32 conversion, which *is* the ``U`` array."""
    longest = _pc().max(_pc().utf8_length(text)).as_py() or 0
    chars = max(1, longest, 0 if dtype is None else dtype.itemsize // 4)
    padded = _pc().utf8_rpad(text, chars, padding="\x00")
    offsets = np.frombuffer(padded.buffers()[1], np.int64, len(padded) + 1, padded.offset * 8)
    data = memoryview(padded.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
    units = bytes(data).decode("utf-8").encode("utf-32-le")
    values = np.frombuffer(units, f"<U{chars}", len(padded)).copy()
    return values if dtype is None else values.astype(dtype, copy=False)


def _bytes_to_fixed(binary: pa.Array, dtype: np.dtype[Any] | None) -> Any:
    lengths = _pc().binary_length(binary)
    width = _width(lengths, 0 if dtype is None else dtype.itemsize)
    padded = _pad(binary, lengths, width, ascii_text=False)
    raw = _padded_bytes(padded, width).view(f"S{width}")
    return raw.astype(raw.dtype if dtype is None else dtype)  # a writable copy


def _width(lengths: pa.Array, at_least: int) -> int:
    longest = _pc().max(lengths).as_py() or 0
    return max(1, longest, at_least)


def _pad(binary: pa.Array, lengths: pa.Array, width: int, *, ascii_text: bool) -> pa.Array:
    """``binary`` (value ``lengths``) with every value NUL-padded to ``width`` bytes."""
    if len(binary) == 0 or _pc().min(lengths).as_py() == width:
        return binary  # already one width (codes, ids): nothing to pad
    if ascii_text:  # one kernel: for ASCII, code points are bytes
        padded = _pc().utf8_rpad(binary.view(pa.large_string()), width, padding="\x00")
        return padded.view(pa.large_binary())
    padding = _pc().binary_repeat(_binary(b"\x00"), _pc().subtract(width, lengths))
    return _pc().binary_join_element_wise(binary, padding, _binary(b""))


def _padded_bytes(padded: pa.Array, width: int) -> np.ndarray[Any, Any]:
    """The data buffer of ``padded`` (every value ``width`` bytes) as a flat uint8 view."""
    if len(padded) == 0:
        return np.empty(0, np.uint8)
    start = int(np.frombuffer(padded.buffers()[1], np.int64, 1, padded.offset * 8)[0])
    return np.frombuffer(padded.buffers()[2], np.uint8, len(padded) * width, start)


def _is_ascii(binary: pa.Array) -> bool:
    data = binary.buffers()[2]
    if data is None or len(binary) == 0:
        return True
    offsets = np.frombuffer(binary.buffers()[1], np.int64, len(binary) + 1, binary.offset * 8)
    used = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]
    return used.size == 0 or int(used.max()) < 128


def _padded_bytes_to_arrow(native: np.ndarray[Any, Any], mask: Any = None) -> pa.Array:
    """An ``S`` array as large_binary, keeping interior NULs (trailing ones are padding,
    as numpy reads them), null where ``mask``."""
    width = native.dtype.itemsize
    matrix = native.view(np.uint8).reshape(len(native), width)
    nonzero = matrix != 0
    lengths = np.where(nonzero.any(axis=1), width - np.argmax(nonzero[:, ::-1], axis=1), 0)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    values = np.ascontiguousarray(matrix[np.arange(width) < lengths[:, np.newaxis]])
    validity = validity_bitmap(mask)
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(values)]
    return pa.Array.from_buffers(pa.large_binary(), len(native), buffers)
