"""The catalog tables of `mastcache sql` are the same on PostgreSQL (records turned into
rows) as on SQLite (the catalog's raw rows, sqlview/contents.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from mastcache.settings import Settings
from mastcache.sqlview import connect
from mastcache.store import FileRecord, ProductRecord, Store, schema

FETCHED = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc)


def fill(settings: Settings) -> None:
    with Store.open(settings) as store:
        store.put_resolution("M101", None, False, "anonymous",
                             [{"canonicalName": "M 101", "ra": 210.802429, "decl": 54.34875,
                               "resolver": "SIMBAD", "objectType": "GinPair"}],
                             FETCHED, FETCHED + timedelta(days=36500))  # fmt: skip
        store.put_resolution("gone", "NED", True, "anonymous", [], FETCHED, FETCHED)
        store.put_products([
            ProductRecord("101", "mast:HST/product/a.fits", "a.fits", size=2880,
                          checksum="md5:0f", product_group="Minimum Recommended Products",
                          product_type="SCIENCE", fetched_at=FETCHED,
                          row={"obsID": "101", "calib_level": 2, "flag": True,
                               "dataRights": "PUBLIC", "nested": {"k": [1, 2]}}),
            ProductRecord("102", "mast:HST/product/b.fits", "b.fits", size=None,
                          fetched_at=FETCHED, row={"obsID": "102", "calib_level": 3}),
        ])  # fmt: skip
        store.put_file(FileRecord("mast:HST/product/a.fits", "ab" * 32, 2880,
                                  "products/ab/" + "ab" * 32, downloaded_at=FETCHED,
                                  verified_at=FETCHED + timedelta(seconds=1)))  # fmt: skip


def catalog_tables(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with connect(settings) as session:
        return {
            name: session.query(f"SELECT * EXCLUDE (is_expired) FROM {name} ORDER BY ALL").rows()
            if name == "resolutions" else
            session.query(f"SELECT * FROM {name} ORDER BY ALL").rows()
            for name in ("resolutions", "product_manifests", "files")
        }  # fmt: skip


def test_postgresql_and_sqlite_catalogs_give_the_same_tables(
    pg_catalog: str, tmp_path: Path
) -> None:
    local = Settings.from_env({}, cache_dir=tmp_path / "local")
    team = Settings.from_env({}, cache_dir=tmp_path / "team", catalog_url=pg_catalog)
    schema.upgrade(team)
    fill(local)
    fill(team)

    on_sqlite, on_postgresql = catalog_tables(local), catalog_tables(team)

    assert on_postgresql == on_sqlite
    names = [row[0] for row in on_sqlite["resolutions"]]
    assert names == ["gone", "m101"]  # a resolution without entries is still one row
    m101 = on_sqlite["resolutions"][1]
    assert m101[1] is None and m101[2] is False and m101[5] == 210.802429
    assert m101[-2] == FETCHED  # the catalog's UTC text, read as the same instant
    manifests = on_sqlite["product_manifests"]
    assert [row[0] for row in manifests] == ["101", "102"]
    assert manifests[1][3] is None and manifests[0][8] == FETCHED
    (file_row,) = on_sqlite["files"]
    assert file_row[2] == 2880 and file_row[-1] == FETCHED + timedelta(seconds=1)
    with connect(local) as session:
        expired = session.query("SELECT name, is_expired FROM resolutions ORDER BY 1").rows()
    assert expired == [("gone", True), ("m101", False)]
