"""numpy fixed-width strings (``U<n>``, ``S<n>``) <-> Arrow large_string/large_binary, fast.

numpy pads with NULs and strips only trailing ones; pyarrow's own numpy conversion stops at
the first NUL. The fast path uses pyarrow when no value holds an interior NUL; the exact
path slices the padded bytes itself. Back to numpy, values are NUL-padded to one width in
Arrow's C++ kernels so the data buffer *is* the fixed-width array: no Python strings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["arrow_to_fixed", "fixed_to_arrow"]

_EMPTY = pa.scalar(b"", pa.large_binary())
_NUL = pa.scalar(b"\x00", pa.large_binary())


def fixed_to_arrow(native: np.ndarray[Any, Any], mask: Any) -> pa.Array:
    """A 1-d native-order ``U``/``S`` array as large_string/large_binary, nulls where masked."""
    text = native.dtype.kind == "U"
    target = pa.large_string() if text else pa.large_binary()
    if not _has_interior_nul(native):
        return pa.array(native, mask=mask, type=target)
    encoded = _utf8(native) if text else native
    return _with_nulls(_padded_bytes_to_arrow(encoded).view(target), mask)


def arrow_to_fixed(leaf: pa.Array, dtype: np.dtype[Any] | None, *, text: bool) -> Any:
    """The ``U``/``S`` numpy array of a string/binary leaf (nulls become empty values)."""
    binary = leaf.cast(pa.large_binary())  # strings: their UTF-8 bytes, zero-copy
    if binary.null_count:
        binary = binary.fill_null(_EMPTY)
    if text and not _is_ascii(binary):
        # pyarrow builds the str objects in C++; numpy packs them (3x faster than decoding)
        values = binary.cast(pa.large_string()).to_numpy(zero_copy_only=False)
        return values.astype(dtype if dtype is not None else str)
    padded, width = _pad_to_one_width(binary)
    data = np.frombuffer(padded.buffers()[2], np.uint8, len(padded) * width, _first_offset(padded))
    raw = data.view(f"S{width}")
    if not text:
        return raw if dtype is None else raw.astype(dtype, copy=False)
    return _widen_ascii(raw, width, dtype)


def _is_ascii(binary: pa.Array) -> bool:
    data = binary.buffers()[2]
    if data is None or len(binary) == 0:
        return True
    offsets = np.frombuffer(binary.buffers()[1], np.int64, len(binary) + 1, binary.offset * 8)
    used = np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]
    return used.size == 0 or int(used.max()) < 128


def _pad_to_one_width(binary: pa.Array) -> tuple[pa.Array, int]:
    """``binary`` with every value NUL-padded to the longest one's length, and that length."""
    lengths = pc.binary_length(binary)
    bounds = pc.min_max(lengths)
    shortest, width = bounds["min"].as_py() or 0, bounds["max"].as_py() or 0
    if width == 0:
        count = len(binary)  # every value empty: one NUL byte each
        buffers = [
            None,
            pa.py_buffer(np.arange(count + 1, dtype=np.int64)),
            pa.py_buffer(np.zeros(count, np.uint8)),
        ]
        return pa.Array.from_buffers(pa.large_binary(), count, buffers), 1
    if shortest == width:
        return binary, width  # already one width (codes, ids): nothing to pad
    padding = pc.binary_repeat(_NUL, pc.subtract(width, lengths))
    return pc.binary_join_element_wise(binary, padding, _EMPTY), width


def _widen_ascii(raw: np.ndarray[Any, Any], width: int, dtype: np.dtype[Any] | None) -> Any:
    """ASCII bytes widened to UTF-32 code units: that *is* the ``U`` array (numpy's own
    S->U cast decodes value by value, ~10x slower)."""
    target = dtype if dtype is not None else np.dtype(f"U{width}")
    chars = max(width, target.itemsize // 4)
    units = np.zeros((len(raw), chars), np.uint32)
    units[:, :width] = raw.view(np.uint8).reshape(len(raw), width)
    return units.view(f"U{chars}").reshape(len(raw)).astype(target, copy=False)


def _first_offset(array: pa.Array) -> int:
    offsets = np.frombuffer(array.buffers()[1], np.int64, 1, array.offset * 8)
    return int(offsets[0])


def _has_interior_nul(native: np.ndarray[Any, Any]) -> bool:
    """Whether some value holds a NUL before a non-NUL (invisible to pyarrow's conversion)."""
    if native.size == 0 or native.dtype.itemsize <= (4 if native.dtype.kind == "U" else 1):
        return False
    units = native.view(np.uint32 if native.dtype.kind == "U" else np.uint8)
    matrix = units.reshape(len(native), -1)
    return bool(((matrix[:, :-1] == 0) & (matrix[:, 1:] != 0)).any())


def _utf8(native: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """UTF-8 bytes of a ``U`` array in numpy's C loops."""
    return np.asarray(np.strings.encode(native, "utf-8"))


def _padded_bytes_to_arrow(native: np.ndarray[Any, Any]) -> pa.Array:
    """An ``S`` array as large_binary, keeping interior NULs (trailing ones are padding)."""
    width = native.dtype.itemsize
    matrix = native.view(np.uint8).reshape(len(native), width)
    nonzero = matrix != 0
    lengths = np.where(nonzero.any(axis=1), width - np.argmax(nonzero[:, ::-1], axis=1), 0)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
    values = np.ascontiguousarray(matrix[np.arange(width) < lengths[:, np.newaxis]])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(values)]
    return pa.Array.from_buffers(pa.large_binary(), len(native), buffers)


def _with_nulls(array: pa.Array, mask: Any) -> pa.Array:
    if mask is None:
        return array
    return pc.if_else(pa.array(mask), pa.scalar(None, array.type), array)
