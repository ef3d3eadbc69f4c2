"""Hot cache behaviour that the sampled mutation run found unguarded (docs/testing.md):
the process environment, a bound of zero, clearing, tables kept without a ready copy, and
the decoded/Arrow boundary."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from astropy.table import Table

from mastcache.store.hotcache import DEFAULT_MAX_MB, FileIdentity, HotCache, max_bytes_from_env
from mastcache.store.parquet import DecodedTable, decode_arrow, table_to_arrow

SAME = FileIdentity("ab" * 32, 1, 2, 3)
SLOT = ("dir", "k" * 64)


def decoded(values: list[int], dtype: str = "uint8") -> DecodedTable:
    return decode_arrow(table_to_arrow(Table({"x": np.array(values, dtype=dtype)})))


def test_the_bound_is_read_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTCACHE_HOT_CACHE_MB", "3")
    assert max_bytes_from_env() == 3_000_000
    monkeypatch.delenv("MASTCACHE_HOT_CACHE_MB")
    assert max_bytes_from_env() == DEFAULT_MAX_MB * 1_000_000


def test_a_bound_of_zero_or_less_keeps_not_even_one_byte() -> None:
    one_byte = decoded([7])
    assert one_byte.nbytes == 1
    for bound in (0, -5):
        cache = HotCache(bound)
        assert cache.max_bytes == 0
        assert not cache.put(SLOT, SAME, one_byte)
        assert len(cache) == 0
    assert HotCache(1).put(SLOT, SAME, one_byte)


def test_clear_forgets_everything_and_counting_starts_again() -> None:
    cache = HotCache(1000)
    cache.put(SLOT, SAME, decoded([1, 2, 3]))
    cache.clear()
    assert len(cache) == 0 and cache.nbytes == 0 and cache.get(SLOT, SAME) is None
    assert cache.put(SLOT, SAME, decoded([1, 2]))
    assert cache.nbytes == 2


def never_loaded() -> pa.Table:
    raise AssertionError("a held table must not be loaded again")


def test_a_table_kept_without_a_ready_copy_is_copied_for_each_caller() -> None:
    cache = HotCache(1000)
    cache.put(SLOT, SAME, decoded([1, 2, 3], "int64"))
    first = cache.serve(SLOT, SAME, never_loaded)
    first["x"][0] = -1
    second = cache.serve(SLOT, SAME, never_loaded)
    assert list(second["x"]) == [1, 2, 3]


def test_a_table_exactly_at_the_decoded_limit_is_kept_decoded() -> None:
    arrow = table_to_arrow(Table({"x": np.arange(10, dtype="int64")}))
    exact = decode_arrow(arrow).nbytes
    at_limit = HotCache(1000, decoded_max_bytes=exact)
    at_limit.serve(SLOT, SAME, lambda: arrow)
    assert isinstance(at_limit.get(SLOT, SAME), DecodedTable)
    over = HotCache(1000, decoded_max_bytes=exact - 1)
    over.serve(SLOT, SAME, lambda: arrow)
    assert isinstance(over.get(SLOT, SAME), pa.Table)


def test_by_default_a_table_that_fits_the_bound_decoded_is_kept_decoded() -> None:
    """Half the bound or more, decoded: still kept decoded, so a hit is a copy (a 100,000-row
    cone decodes to ~0.2 GB of the default 256 MB, issue 19); a table that fits only as Arrow
    data is kept as that."""
    arrow = table_to_arrow(Table({"s": np.array(["x" * 40] * 50), "x": np.arange(50.0)}))
    size = decode_arrow(arrow).nbytes
    assert arrow.nbytes < size  # strings: fixed-width decoded, packed in Arrow
    fits = HotCache(size)
    fits.serve(SLOT, SAME, lambda: arrow)
    assert isinstance(fits.get(SLOT, SAME), DecodedTable)
    only_arrow = HotCache(size - 1)
    only_arrow.serve(SLOT, SAME, lambda: arrow)
    assert isinstance(only_arrow.get(SLOT, SAME), pa.Table)
