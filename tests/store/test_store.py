"""The Store over real SQLite and Parquet files, with real concurrent processes."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from astropy.table import MaskedColumn, Table

from mastcache.errors import CorruptEntryError
from mastcache.settings import Settings
from mastcache.store import FileRecord, ProductRecord, QueryRecord, SnapshotRecord, Store

KEY = "c0ffee" * 10 + "beef"
NOW = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=timezone.utc)
Worker = Callable[..., subprocess.Popen[str]]


def make_table(rows: int = 50) -> Table:
    table = Table()
    table["obsid"] = np.arange(rows, dtype=np.int64)
    table["target_name"] = np.array([f"M{i}" for i in range(rows)])
    table["t_exptime"] = MaskedColumn(np.linspace(1, 2, rows), mask=np.arange(rows) % 3 == 0)
    table["t_exptime"].unit = "s"
    table.meta["note"] = {"nested": [1, 2.5, None]}
    return table


def put(store: Store, key: str = KEY, table: Table | None = None) -> QueryRecord:
    return store.put_query(
        key,
        service="Mast.Caom.Cone",
        kind="observations",
        params={"ra": 10.68, "dec": 41.27, "radius": 0.2},
        scope="anonymous",
        table=make_table() if table is None else table,
        fetched_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )


def assert_same(a: Table, b: Table) -> None:
    assert a.colnames == b.colnames
    for name in a.colnames:
        assert a[name].dtype == b[name].dtype
        assert np.array_equal(np.ma.getmaskarray(a[name]), np.ma.getmaskarray(b[name]))
        assert np.array_equal(np.ma.filled(a[name], 0), np.ma.filled(b[name], 0))
    assert a.meta == b.meta


def test_put_then_get_and_read(store: Store) -> None:
    record = put(store)
    found = store.get_query(KEY)
    assert found == record
    assert found is not None and found.nrows == 50
    assert found.fetched_at == NOW and found.fetched_at.tzinfo is not None
    assert found.params == {"ra": 10.68, "dec": 41.27, "radius": 0.2}
    assert (store.root / found.table_path).is_file()
    assert_same(store.read_table(found), make_table())


def test_new_process_reads_and_verifies_hash(store: Store, store_settings: Settings) -> None:
    record = put(store)
    with Store.open(store_settings) as other:
        assert_same(other.read_table(record), make_table())


def test_list_delete_and_missing(store: Store) -> None:
    assert store.get_query(KEY) is None
    record = put(store)
    put(store, key="ab" * 32)
    assert [q.key for q in store.list_queries(service="Mast.Caom.Cone")] == sorted([KEY, "ab" * 32])
    assert store.list_queries(kind="catalogs") == []
    store.delete_query(KEY)
    assert store.get_query(KEY) is None
    assert not (store.root / record.table_path).exists()


def test_replacing_a_result_removes_the_old_file(store: Store) -> None:
    first = put(store)
    second = put(store, table=make_table(rows=7))
    assert first.table_path != second.table_path
    assert not (store.root / first.table_path).exists()
    assert len(store.read_table(store.get_query(KEY) or second)) == 7
    # a reader still holding the old record is served the newer result
    assert len(store.read_table(first)) == 7


def test_hits_misses_and_totals(store: Store) -> None:
    store.record_hit(KEY)
    store.record_hit(KEY)
    store.record_miss(KEY)
    store.record_miss("other")
    stats = store.query_stats(KEY)
    assert (stats.hits, stats.misses) == (2, 1)
    assert stats.last_hit_at is not None and stats.last_hit_at.tzinfo is not None
    totals = store.query_stats()
    assert (totals.hits, totals.misses) == (2, 2)


def test_resolutions_are_case_insensitive_per_resolver(store: Store) -> None:
    entries = [{"canonicalName": "MESSIER 031", "ra": 10.6847, "decl": 41.2688}]
    store.put_resolution("M31", None, False, "anonymous", entries, NOW, None)
    store.put_resolution("M31", "NED", False, "anonymous", [], NOW, None)
    found = store.get_resolution("m31", None, False)
    assert found is not None and found.entries == entries and found.resolver is None
    assert store.get_resolution("M31", "NED", False) is not None
    assert store.get_resolution("M31", None, True) is None


def test_products_files_and_snapshots(store: Store) -> None:
    product = ProductRecord(
        obsid="2003520266",
        uri="mast:HST/product/x_drz.fits",
        filename="x_drz.fits",
        size=2880,
        product_group="Minimum Recommended Products",
        fetched_at=NOW,
        row={"obsID": "2003520266", "size": 2880},
    )
    assert store.put_products([product, product]) == 2
    assert store.get_products(["2003520266", "nope"]) == [product]
    with store.unit_of_work(read_only=True) as uow:
        assert uow.products.list() == [product]
        assert uow.products.list(scope="account:someone") == []
    file = FileRecord(uri=product.uri, sha256="ab" * 32, size=2880, local_path="products/ab/x")
    assert store.put_file(file) == file and store.get_file(product.uri) == file
    with store.unit_of_work() as uow:
        uow.files.mark_verified(product.uri, NOW)
    verified = store.get_file(product.uri)
    assert verified is not None and verified.verified_at == NOW
    snapshot = SnapshotRecord(
        name="fig3",
        path="/x/fig3.mastsnap",
        sha256="cd" * 32,
        created_at=NOW,
        query_keys=[KEY],
        schema_revision="0002",
    )
    store.put_snapshot(snapshot)
    assert store.list_snapshots() == [snapshot]


def test_unit_of_work_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.stats.record_hit(KEY, NOW)
        raise RuntimeError("boom")
    assert store.query_stats(KEY).hits == 0


def corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 8] = bytes(255 - b for b in data[middle : middle + 8])
    path.write_bytes(bytes(data))


def test_corrupt_parquet_is_detected_by_hash(store: Store, store_settings: Settings) -> None:
    record = put(store)
    corrupt(store.root / record.table_path)
    for reader in (store, Store.open(store_settings)):
        with pytest.raises(CorruptEntryError) as info:
            reader.read_table(record)
        message = str(info.value)
        assert "damaged" in message and record.table_path in message
        assert "sha256" in message and "fetched again" in message


def test_truncated_parquet_is_detected_by_size(store: Store) -> None:
    record = put(store)
    path = store.root / record.table_path
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CorruptEntryError, match="bytes instead of"):
        store.read_table(record)


def test_missing_file_is_a_corrupt_entry(store: Store) -> None:
    record = put(store)
    (store.root / record.table_path).unlink()
    with pytest.raises(CorruptEntryError, match="missing"):
        store.read_table(record)


def test_crash_between_parquet_write_and_commit(
    store_settings: Settings, start_worker: Worker
) -> None:
    Store.open(store_settings).close()
    child = start_worker(store_settings.cache_dir, "stage", KEY)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "written"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    orphans = list((store_settings.cache_dir / "tables").glob("*/*.parquet"))
    assert len(orphans) == 1  # the file landed, the row never did
    with Store.open(store_settings) as store:
        assert store.get_query(KEY) is None  # nothing is served
        assert store.list_queries() == []
        record = put(store)  # the rerun repairs
        assert_same(store.read_table(record), make_table())
        old = 1_000_000_000
        os.utime(orphans[0], (old, old))
        assert store.sweep_orphans() == 1
        assert not orphans[0].exists() and (store.root / record.table_path).exists()


def test_old_temp_files_are_swept_at_open(store_settings: Settings) -> None:
    Store.open(store_settings).close()
    folder = store_settings.cache_dir / "tables" / "ab"
    folder.mkdir(parents=True)
    stale, fresh = folder / ".tmp-stale", folder / ".tmp-fresh"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"live writer")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    Store.open(store_settings).close()
    assert not stale.exists() and fresh.exists()


def start_file(tmp_path: Path) -> Path:
    return tmp_path / "go"


def test_two_processes_write_the_same_key(
    store_settings: Settings, start_worker: Worker, tmp_path: Path
) -> None:
    Store.open(store_settings).close()
    go = start_file(tmp_path)
    children = [start_worker(store_settings.cache_dir, "put", KEY, str(go)) for _ in range(2)]
    go.touch()
    outputs = [child.communicate(timeout=120) for child in children]
    assert [child.returncode for child in children] == [0, 0], outputs
    with Store.open(store_settings) as store:
        records = store.list_queries()
        assert [r.key for r in records] == [KEY]
        assert len(store.read_table(records[0])) == 500
        assert len(list(store.tables_dir.glob("*/*.parquet"))) == 1


def test_four_processes_never_see_database_is_locked(
    store_settings: Settings, start_worker: Worker, tmp_path: Path
) -> None:
    Store.open(store_settings).close()
    go = start_file(tmp_path)
    children = [start_worker(store_settings.cache_dir, "hammer", "100", str(go)) for _ in range(4)]
    go.touch()
    outputs = [child.communicate(timeout=240) for child in children]
    assert [child.returncode for child in children] == [0] * 4, outputs
    assert [out.strip() for out, _err in outputs] == ["locked=0"] * 4
    with Store.open(store_settings) as store:
        assert store.query_stats("shared").hits == 400  # no write was lost


def test_damaged_catalog_is_a_clear_store_error(store_settings: Settings) -> None:
    from mastcache.errors import StoreError

    store_settings.cache_dir.mkdir(parents=True)
    (store_settings.cache_dir / "catalog.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(StoreError, match=r"cannot open the cache catalog .* MASTCACHE_DIR"):
        Store.open(store_settings)


def test_unwritable_cache_dir_is_a_clear_store_error(tmp_path: Path) -> None:
    from mastcache.errors import StoreError

    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    with pytest.raises(StoreError, match="cannot create the cache directory"):
        Store.open(Settings.from_env({}, cache_dir=blocker / "cache"))
