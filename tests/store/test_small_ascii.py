"""Small ASCII columns are widened by numpy (no pyarrow.compute import for a count or a
resolution); the result must be exactly what the Arrow-kernel path gives."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastcache.store import strings

ASCII = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.none() | ASCII, max_size=40),
    start=st.integers(0, 5),
    width=st.none() | st.integers(1, 20),
)
def test_numpy_padding_equals_the_arrow_kernel(
    values: list[str | None], start: int, width: int | None
) -> None:
    binary = pa.array([None if v is None else v.encode() for v in values], pa.large_binary())
    binary = binary.slice(min(start, len(binary))).fill_null(b"")  # as arrow_to_fixed does
    dtype = None if width is None else np.dtype(f"U{width}")
    small = strings._small_ascii_to_fixed(binary, dtype)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(strings, "_SMALL", -1)
        kernel = strings._ascii_to_fixed(binary, dtype)
    assert small.dtype == kernel.dtype
    assert small.tobytes() == kernel.tobytes()


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.none() | ASCII, max_size=40),
    start=st.integers(0, 5),
    width=st.none() | st.integers(1, 20),
    slice_bytes=st.integers(1, 64),
)
def test_padding_a_slice_of_rows_at_a_time_gives_the_same_column(
    values: list[str | None], start: int, width: int | None, slice_bytes: int
) -> None:
    """The kernel path pads ``_SLICE_BYTES`` of rows at a time (a large column's peak): any
    slicing gives the bytes the whole-column numpy path gives."""
    binary = pa.array([None if v is None else v.encode() for v in values], pa.large_binary())
    binary = binary.slice(min(start, len(binary))).fill_null(b"")
    dtype = None if width is None else np.dtype(f"U{width}")
    whole = strings._small_ascii_to_fixed(binary, dtype)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(strings, "_SMALL", -1)
        patch.setattr(strings, "_SLICE_BYTES", slice_bytes)
        sliced = strings._ascii_to_fixed(binary, dtype)
    assert sliced.dtype == whole.dtype
    assert sliced.tobytes() == whole.tobytes()
