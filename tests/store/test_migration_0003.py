"""Revision 0003 (files.scope): a frozen 0002 cache upgrades with its data intact, its files
marked anonymous, and the new column round-trips a proprietary scope."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mastcache.errors import SchemaOutdatedError
from mastcache.settings import Settings
from mastcache.store import Store, schema
from mastcache.store.records import FileRecord

DATA = Path(__file__).parent / "data"
URI = "mast:HST/product/jbnw01010_drz.fits"


def frozen_0002(tmp_path: Path) -> Settings:
    cache_dir = tmp_path / "cache-0002"
    cache_dir.mkdir()
    shutil.copyfile(DATA / "catalog_0002.sqlite", cache_dir / "catalog.sqlite")
    return Settings.from_env({}, cache_dir=cache_dir)


def test_0002_cache_is_refused_then_upgrades_keeping_everything(tmp_path: Path) -> None:
    settings = frozen_0002(tmp_path)
    with pytest.raises(SchemaOutdatedError, match="mastcache db upgrade"):
        Store.open(settings)
    assert schema.upgrade(settings) == "0005"
    with Store.open(settings) as store:
        file = store.get_file(URI)
        assert file is not None and file.size == 2880 and file.scope == "anonymous"
        assert file.verified_at == datetime(2026, 1, 2, 3, 5, tzinfo=timezone.utc)
        assert store.query_stats("a1" * 32).hits == 3
        assert [s.name for s in store.list_snapshots()] == ["figure-3"]


def test_file_scope_round_trips(tmp_path: Path) -> None:
    settings = frozen_0002(tmp_path)
    schema.upgrade(settings)
    with Store.open(settings) as store:
        record = FileRecord(
            "mast:HST/product/x_drz.fits", "ab" * 32, 10, "products/ab/x", scope="user:abc"
        )
        store.put_file(record)
        stored = store.get_file(record.uri)
        assert stored is not None and stored.scope == "user:abc"


def test_downgrade_to_0002_drops_the_column(tmp_path: Path) -> None:
    settings = frozen_0002(tmp_path)
    schema.upgrade(settings)
    from alembic import command

    from mastcache.store.engine import make_engine

    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), "0002")
    finally:
        engine.dispose()
    assert schema.current(settings) == "0002"
