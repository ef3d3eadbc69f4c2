"""The catalog on PostgreSQL: the same Alembic revisions, and writers that never collide."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from team.teamcache import PG_ADMIN

from mastcache.errors import SchemaOutdatedError
from mastcache.settings import Settings
from mastcache.store import Store, schema
from mastcache.store.records import utcnow


def pg_settings(catalog: str, tmp_path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path / "cache", catalog_url=catalog)


def tables_in(catalog: str) -> set[str]:
    name = catalog.rsplit("%3D", 1)[1]
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = %s"
    with psycopg.connect(PG_ADMIN) as connection:
        return {row[0] for row in connection.execute(query, (name,))}


def test_the_same_revisions_upgrade_a_postgresql_catalog(pg_catalog: str, tmp_path: Path) -> None:
    settings = pg_settings(pg_catalog, tmp_path)
    assert schema.current(settings) is None
    assert schema.upgrade(settings, "0001") == "0001"
    assert "query_stats" not in tables_in(pg_catalog)  # the test's own schema, not public
    with pytest.raises(SchemaOutdatedError, match="mastcache db upgrade"):
        Store.open(settings)
    assert schema.upgrade(settings) == schema.head() == schema.current(settings)
    assert {"queries", "files", "query_stats", "alembic_version"} <= tables_in(pg_catalog)


def test_concurrent_read_then_write_units_never_collide(pg_catalog: str, tmp_path: Path) -> None:
    settings = pg_settings(pg_catalog, tmp_path)
    stores = [Store.open(settings) for _ in range(4)]

    start = threading.Barrier(8)

    def hammer(store: Store) -> None:
        start.wait()
        for i in range(50):  # update-else-insert on a new key: a race without the writer lock
            store.record_hit(f"key-{i}")

    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(hammer, stores * 2))
        assert stores[0].query_stats().hits == 8 * 50
        assert stores[0].query_stats("key-3").hits == 8
    finally:
        for store in stores:
            store.close()


def test_a_writer_waits_for_the_open_writer_and_readers_do_not(
    pg_catalog: str, tmp_path: Path
) -> None:
    settings = pg_settings(pg_catalog, tmp_path)
    with Store.open(settings) as first, Store.open(settings) as second:
        entered = threading.Event()

        def write() -> None:
            with second.unit_of_work() as uow:
                entered.set()
                uow.stats.record_hit("k", utcnow())

        with first.unit_of_work() as uow:
            uow.stats.record_hit("k", utcnow())
            writer = threading.Thread(target=write)
            writer.start()
            assert not entered.wait(1.0)  # like BEGIN IMMEDIATE: queued behind the writer
            with second.unit_of_work(read_only=True) as reader:
                assert reader.stats.get("k").hits == 0  # readers go on, see committed data
        writer.join(timeout=30)
        assert entered.is_set() and first.query_stats("k").hits == 2
