"""The in-process hot cache: LRU by bytes, file identity, and the copies a Store hands out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from astropy.table import MaskedColumn, Table

from mastcache.errors import ConfigurationError
from mastcache.store import Store
from mastcache.store.hotcache import (
    DEFAULT_MAX_MB,
    FileIdentity,
    HotCache,
    configure_hot_cache,
    hot_cache,
    max_bytes_from_env,
)
from mastcache.store.parquet import (
    DecodedTable,
    decode_arrow,
    read_arrow,
    table_to_arrow,
    write_table_atomic,
)

KEY = "c" * 64
SAME = FileIdentity("ab" * 32, 1, 2, 3)


def decoded(rows: int) -> DecodedTable:
    """A decoded table of ``rows`` float64 values: ``8 * rows`` bytes."""
    return decode_arrow(table_to_arrow(Table({"x": np.arange(rows, dtype=float)})))


@pytest.fixture
def process_cache() -> Iterator[HotCache]:
    """A fresh process-wide hot cache; the default one is back afterwards."""
    yield configure_hot_cache(DEFAULT_MAX_MB)
    configure_hot_cache(DEFAULT_MAX_MB)


def test_least_recently_used_tables_leave_first() -> None:
    cache = HotCache(max_bytes=8 * 250)
    for name in "abc":
        assert cache.put(("dir", name), SAME, decoded(100))
    assert cache.get(("dir", "a"), SAME) is None  # evicted: three did not fit
    assert cache.get(("dir", "b"), SAME) is not None  # b is now the most recently used
    cache.put(("dir", "d"), SAME, decoded(100))
    assert cache.get(("dir", "c"), SAME) is None
    assert cache.get(("dir", "b"), SAME) is not None
    assert len(cache) == 2 and cache.nbytes == 8 * 200


def test_a_table_over_the_bound_is_not_kept() -> None:
    cache = HotCache(max_bytes=8 * 50)
    assert not cache.put(("dir", "big"), SAME, decoded(100))
    assert len(cache) == 0 and cache.nbytes == 0
    assert not HotCache(max_bytes=0).put(("dir", "any"), SAME, decoded(1))


def test_another_file_identity_is_a_miss_and_replacing_frees_bytes() -> None:
    cache = HotCache(max_bytes=10_000)
    cache.put(("dir", "k"), SAME, decoded(100))
    assert cache.get(("dir", "k"), SAME._replace(mtime_ns=99)) is None
    assert cache.get(("dir", "k"), SAME._replace(sha256="cd" * 32)) is None
    cache.put(("dir", "k"), SAME._replace(inode=7), decoded(10))
    assert cache.nbytes == 80 and cache.get(("dir", "k"), SAME) is None
    cache.discard(("dir", "k"))
    assert len(cache) == 0 and cache.nbytes == 0


def test_size_from_the_environment() -> None:
    assert max_bytes_from_env({}) == DEFAULT_MAX_MB * 1_000_000
    assert max_bytes_from_env({"MASTCACHE_HOT_CACHE_MB": "0"}) == 0
    assert max_bytes_from_env({"MASTCACHE_HOT_CACHE_MB": " 1.5 "}) == 1_500_000
    for bad in ("lots", "-1", "nan"):
        with pytest.raises(ConfigurationError, match="MASTCACHE_HOT_CACHE_MB"):
            max_bytes_from_env({"MASTCACHE_HOT_CACHE_MB": bad})
    with pytest.raises(ConfigurationError, match="negative"):
        configure_hot_cache(-1)


def observations() -> Table:
    table = Table(masked=True)
    table["obs_id"] = ["a", "bb", "ccc"]
    table["s_ra"] = MaskedColumn([1.0, 2.0, 3.0], mask=[0, 1, 0], unit="deg")
    table.meta["note"] = {"filters": ["F814W"]}
    return table


def put(store: Store, table: Table) -> None:
    store.put_query(
        KEY,
        service="Mast.Caom.Cone",
        kind="observations",
        params={"ra": 1},
        scope="anonymous",
        table=table,
        fetched_at=datetime.now(timezone.utc),
        expires_at=None,
    )


def read(store: Store) -> Table:
    record = store.get_query(KEY)
    assert record is not None
    return store.read_table(record)


def test_store_hits_share_no_memory_with_each_other(store: Store, process_cache: HotCache) -> None:
    put(store, observations())
    first, second = read(store), read(store)
    assert len(process_cache) == 1  # the first read decoded it; the second copied it
    for name in first.colnames:
        assert not np.shares_memory(first[name].data, second[name].data)
        assert not np.shares_memory(first[name].mask, second[name].mask)
    first.meta["note"]["filters"].append("edited")
    assert read(store).meta == {"note": {"filters": ["F814W"]}}


def test_store_without_hot_cache_reads_the_file_each_time(
    store: Store, process_cache: HotCache
) -> None:
    off = configure_hot_cache(0)
    put(store, observations())
    first, second = read(store), read(store)
    assert len(off) == 0 and hot_cache() is off
    assert list(first["obs_id"]) == list(second["obs_id"]) == ["a", "bb", "ccc"]
    assert not np.shares_memory(first["s_ra"].data, second["s_ra"].data)


def test_big_tables_are_kept_as_arrow_data_and_decoded_per_hit(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_table_atomic(observations(), path)
    loads: list[Path] = []

    def load() -> Any:
        loads.append(path)
        return read_arrow(path)

    cache = HotCache(max_bytes=1_000_000, decoded_max_bytes=10)  # everything counts as big
    tables = [cache.serve(("dir", KEY), SAME, load) for _ in range(3)]
    assert len(loads) == 1 and isinstance(cache.get(("dir", KEY), SAME), pa.Table)
    tables[0]["s_ra"][0] = -1.0
    for table in tables[1:]:
        assert list(table["s_ra"].filled(0)) == [1.0, 0.0, 3.0]
        assert table.meta == {"note": {"filters": ["F814W"]}}
    small = HotCache(max_bytes=1_000_000)
    small.serve(("dir", KEY), SAME, load)
    assert isinstance(small.get(("dir", KEY), SAME), DecodedTable)
