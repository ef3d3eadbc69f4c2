"""Hit/miss counters counted in memory and written in batches: threshold, timer, exit."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.engine import BUSY_TIMEOUT_S
from mastcache.store.hitcounts import FLUSH_AT_COUNT, FLUSH_INTERVAL_S, flush_all

KEY = "d" * 64


def written(cache_dir: Path, key: str = KEY) -> tuple[int, int]:
    """(hits, misses) in the catalog file itself, read without mastcache (no flush)."""
    with sqlite3.connect(cache_dir / "catalog.sqlite") as connection:
        row = connection.execute(
            "SELECT hits, misses FROM query_stats WHERE key = ?", (key,)
        ).fetchone()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def wait_for(cache_dir: Path, expected: tuple[int, int], limit_s: float) -> tuple[int, int]:
    deadline = time.monotonic() + limit_s
    seen = written(cache_dir)
    while seen != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        seen = written(cache_dir)
    return seen


def test_a_full_batch_is_written_before_the_timer_would(store: Store) -> None:
    for _ in range(FLUSH_AT_COUNT - 1):
        store.record_hit(KEY)
    store.record_miss(KEY)
    expected = (FLUSH_AT_COUNT - 1, 1)
    assert wait_for(store.root, expected, limit_s=FLUSH_INTERVAL_S * 0.75) == expected


def test_a_hit_never_waits_for_the_catalog_while_another_writer_holds_it(store: Store) -> None:
    writer = sqlite3.connect(store.root / "catalog.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the catalog's write lock, held by someone else
    try:
        started = time.monotonic()
        for _ in range(FLUSH_AT_COUNT * 2):
            store.record_hit(KEY)
        assert time.monotonic() - started < BUSY_TIMEOUT_S / 2  # not blocked on the lock
        assert written(store.root) == (0, 0)
    finally:
        writer.execute("COMMIT")
        writer.close()
    flush_all()
    assert written(store.root) == (FLUSH_AT_COUNT * 2, 0)


def test_counts_reach_the_catalog_within_the_flush_interval(store: Store) -> None:
    store.record_hit(KEY)
    store.record_hit(KEY)
    assert wait_for(store.root, (2, 0), limit_s=FLUSH_INTERVAL_S + 10) == (2, 0)


def test_query_stats_of_any_store_in_the_process_includes_unwritten_counts(
    store: Store, store_settings: Settings
) -> None:
    store.record_hit(KEY)
    store.record_miss("other")
    with Store.open(store_settings) as other:
        assert other.query_stats(KEY).hits == 1
        assert (other.query_stats().hits, other.query_stats().misses) == (1, 1)


def test_counts_are_written_when_the_process_exits(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from mastcache.settings import Settings\n"
        "from mastcache.store import Store\n"
        "store = Store.open(Settings.from_env({}, cache_dir=sys.argv[1]))\n"
        f"for _ in range(3): store.record_hit({KEY!r})\n"
        f"store.record_miss({KEY!r})\n"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True, timeout=120)
    assert written(tmp_path) == (3, 1)


def test_counts_of_a_removed_cache_are_dropped_quietly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache_dir = tmp_path / "replay"
    with Store.open(Settings.from_env({}, cache_dir=cache_dir)) as temporary:
        temporary.record_hit(KEY)
    shutil.rmtree(cache_dir)
    with caplog.at_level(logging.WARNING, logger="mastcache.store.hitcounts"):
        flush_all()
    assert caplog.records == [] and not cache_dir.exists()
