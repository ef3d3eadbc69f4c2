"""The hot path's catalog lookups: plain SQL plus an in-memory index that is never stale."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store import catalogindex as catalogindex_module
from mastcache.store.catalogindex import CatalogIndex
from mastcache.store.engine import sqlite_catalog_path

FETCHED = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone.utc)


def put(store: Store, key: str, rows: int = 3) -> None:
    store.put_query(
        key,
        service="Mast.Caom.Cone",
        kind="observations",
        params={"ra": 1.5, "dec": -2.0, "radius": 0.1},
        scope="user:abc",
        table=Table({"x": list(range(rows))}),
        fetched_at=FETCHED,
        expires_at=FETCHED + timedelta(days=1),
    )


def orm_query(store: Store, key: str) -> object:
    with store.unit_of_work(read_only=True) as uow:
        return uow.queries.get(key)


def test_records_equal_the_repository_ones(store: Store) -> None:
    put(store, "a" * 64)
    assert store.get_query("a" * 64) == orm_query(store, "a" * 64)
    record = store.get_query("a" * 64)
    assert record is not None and record.fetched_at == FETCHED and record.nrows == 3
    store.put_resolution("M101", None, False, "anonymous", [{"ra": 1.0}], FETCHED, None)
    with store.unit_of_work(read_only=True) as uow:
        expected = uow.resolutions.get("m101", None, False, "anonymous")
    assert store.get_resolution("m101", None, False, "anonymous") == expected
    assert store.get_resolution("M101", "NED", False, "anonymous") is None


def test_writes_by_this_and_other_connections_are_seen_at_once(
    store: Store, store_settings: Settings
) -> None:
    key = "b" * 64
    assert store.get_query(key) is None  # remembered as missing...
    with Store.open(store_settings) as other:  # ...until anyone commits
        put(other, key, rows=3)
    first = store.get_query(key)
    assert first is not None and first.nrows == 3
    put(store, key, rows=5)
    second = store.get_query(key)
    assert second is not None and second.nrows == 5
    store.delete_query(key)
    assert store.get_query(key) is None


def test_resolution_entries_are_the_callers_to_edit(store: Store) -> None:
    store.put_resolution("M1", None, False, "anonymous", [{"ra": 83.6}], FETCHED, None)
    record = store.get_resolution("m1", None, False, "anonymous")
    assert record is not None
    record.entries[0]["ra"] = 0.0
    again = store.get_resolution("m1", None, False, "anonymous")
    assert again is not None and again.entries == [{"ra": 83.6}]


def test_each_thread_reads_on_its_own_connection(store: Store) -> None:
    put(store, "c" * 64)
    seen: list[object] = []

    def look() -> None:
        seen.append(store.get_query("c" * 64))

    threads = [threading.Thread(target=look) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(record == seen[0] for record in seen) and seen[0] is not None


def test_remembering_is_bounded(
    store: Store, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(catalogindex_module, "MAX_REMEMBERED", 3)
    index = CatalogIndex(sqlite_catalog_path(store_settings))
    for i in range(10):
        assert index.query(f"{i:064d}") is None
    assert len(index._current().remembered) <= 3
    index.close()


def per_lookup_seconds(lookup: Callable[[], object], repeat: int = 300) -> float:
    lookup()
    best = float("inf")
    for _ in range(5):
        begin = time.perf_counter()
        for _ in range(repeat):
            lookup()
        best = min(best, (time.perf_counter() - begin) / repeat)
    return best


def test_a_hit_costs_the_same_with_a_large_catalog(tmp_path: Path) -> None:
    costs = []
    for entries in (100, 20_000):
        settings = Settings.from_env({}, cache_dir=tmp_path / str(entries))
        with Store.open(settings) as store:
            put(store, "f" * 64)
            fill(settings, entries)
            costs.append(per_lookup_seconds(partial(store.get_query, "f" * 64)))
            assert store.get_query("f" * 64) is not None
    assert costs[1] < 3 * costs[0] + 20e-6, costs  # flat, beside a noisy machine


def fill(settings: Settings, entries: int) -> None:
    """``entries`` catalog rows written in one transaction (no result files needed)."""
    import sqlite3

    connection = sqlite3.connect(str(sqlite_catalog_path(settings)))
    with connection:
        connection.executemany(
            "INSERT INTO queries (key, service, kind, params_json, scope, table_path, sha256, "
            "nbytes, nrows, fetched_at, expires_at) VALUES (?, 'S', 'observations', '{}', "
            "'anonymous', 'tables/x.parquet', '', 0, 0, '2026-01-01 00:00:00.000000', NULL)",
            ((f"{i:064x}",) for i in range(entries)),
        )
    connection.close()


def test_the_plain_head_is_alembics_and_a_current_catalog_opens_without_sqlalchemy(
    store: Store, store_settings: Settings, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from mastcache.store.schema import head
    from mastcache.store.schemacheck import known_head

    assert known_head() == head()
    put(store, "d" * 64)
    script = (
        "import sys; from mastcache.settings import Settings; from mastcache.store import Store\n"
        f"s = Store.open(Settings.from_env({{}}, cache_dir={str(store_settings.cache_dir)!r}))\n"
        f"r = s.get_query({'d' * 64!r}); t = s.read_table(r); s.record_hit(r.key)\n"
        "assert len(t) == 3, t\n"
        "print(sorted(m for m in ('sqlalchemy', 'alembic', 'requests') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
    assert store.query_stats("d" * 64).hits == 1  # written at the child's exit, by sqlite3
