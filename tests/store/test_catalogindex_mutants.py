"""Catalog index behaviour that the sampled mutation run found unguarded (docs/testing.md):
resolution expiry, read-only opening, the default writable index, and connection reuse."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from astropy.table import Table
from resources import missing

from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.catalogindex import CatalogIndex
from mastcache.store.engine import sqlite_catalog_path

FETCHED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def put(store: Store, key: str) -> None:
    store.put_query(
        key, service="Mast.Caom.Cone", kind="observations", params={"ra": 1}, scope="anonymous",
        table=Table({"x": [1, 2]}), fetched_at=FETCHED, expires_at=None,
    )  # fmt: skip


def catalog(settings: Settings) -> Path:
    path = sqlite_catalog_path(settings)
    assert path is not None
    return path


def test_a_resolution_keeps_its_expiry(store: Store) -> None:
    expiry = FETCHED + timedelta(days=30)
    store.put_resolution("M31", "SIMBAD", False, "anonymous", [{"ra": 10.7}], FETCHED, expiry)
    found = store.get_resolution("m31", "SIMBAD", False, "anonymous")
    assert found is not None and found.expires_at == expiry and found.fetched_at == FETCHED


def test_a_read_only_index_never_creates_a_catalog(tmp_path: Path) -> None:
    absent = tmp_path / "catalog.sqlite"
    index = CatalogIndex(absent, read_only=True)
    with pytest.raises(sqlite3.OperationalError):
        index.query("a" * 64)
    index.close()
    assert not absent.exists()


def test_the_default_index_sees_a_writer_that_starts_after_it(store_settings: Settings) -> None:
    with Store.open(store_settings) as first:
        put(first, "a" * 64)
    index = CatalogIndex(catalog(store_settings))
    try:
        assert index.query("b" * 64) is None
        with Store.open(store_settings) as later:
            put(later, "b" * 64)
        found = index.query("b" * 64)
        assert found is not None and found.nrows == 2
    finally:
        index.close()


def open_handles(path: Path) -> int:
    folder = Path("/proc/self/fd")
    if not folder.is_dir():
        missing("/proc/self/fd", "run on Linux, where open files can be counted")
    count = 0
    for fd in os.listdir(folder):
        try:
            count += os.readlink(folder / fd) == str(path)
        except OSError:
            continue
    return count


def test_lookups_reuse_one_connection_per_thread(store: Store, store_settings: Settings) -> None:
    put(store, "a" * 64)
    path = catalog(store_settings).resolve()
    index = CatalogIndex(path)
    try:
        index.query("a" * 64)
        before = open_handles(path)
        for _ in range(20):
            assert index.query("a" * 64) is not None
        assert open_handles(path) == before
    finally:
        index.close()


def test_everything_equals_the_repositories_lists(store: Store) -> None:
    from mastcache.store.records import FileRecord, ProductRecord

    put(store, "a" * 64)
    store.put_resolution("M31", None, True, "anonymous", [{"ra": 10.7}], FETCHED, None)
    store.put_products([
        ProductRecord("2", "mast:HST/b.fits", "b.fits", "anonymous", 20, "md5:" + "0" * 32,
                      "Minimum Recommended Products", "SCIENCE", FETCHED, {"obsID": "2"}),
        ProductRecord("1", "mast:HST/a.fits", "a.fits", "user:x", None, None, None, None, None),
    ])  # fmt: skip
    sha = "f" * 64
    store.put_file(FileRecord("mast:HST/a.fits", sha, 5, f"products/ff/{sha}", "complete",
                              FETCHED, FETCHED + timedelta(hours=1), "user:x"))  # fmt: skip
    store.put_file(FileRecord("mast:HST/b.fits", "", 3, "products/partial/b", "partial", FETCHED))
    with store.unit_of_work(read_only=True) as uow:
        expected = (uow.queries.list(), uow.resolutions.list(), list(uow.products.list()),
                    uow.files.list())  # fmt: skip
    queries, resolutions, products, files = store.everything()
    assert (queries, resolutions, products, files) == expected
    assert [p.obsid for p in products] == ["1", "2"] and products[1].size == 20
    assert files[0].verified_at == FETCHED + timedelta(hours=1) and files[0].scope == "user:x"
    assert [f.status for f in files] == ["complete", "partial"]
