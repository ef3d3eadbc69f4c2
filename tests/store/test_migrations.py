"""Alembic migrations: new caches at head, old caches refused until upgraded, the CLI, and
an installed (non-editable) wheel running the revisions it ships."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from mastcache.errors import SchemaOutdatedError, StoreError
from mastcache.settings import Settings
from mastcache.store import Store, schema

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]
FROZEN_KEY = "a1" * 32


def frozen_cache(tmp_path: Path, revision: str) -> Settings:
    cache_dir = tmp_path / f"cache-{revision}"
    cache_dir.mkdir()
    shutil.copyfile(DATA / f"catalog_{revision}.sqlite", cache_dir / "catalog.sqlite")
    return Settings.from_env({}, cache_dir=cache_dir)


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(settings.cache_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_new_cache_is_created_at_head(store_settings: Settings) -> None:
    with Store.open(store_settings) as store:
        assert store.schema_revision == schema.head() == "0005"
    assert schema.current(store_settings) == "0005"
    tables = sqlite3.connect(store_settings.cache_dir / "catalog.sqlite").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    expected = {"queries", "resolutions", "products", "files", "snapshots", "query_stats"}
    expected.add("cloud_paths")
    assert expected <= {name for (name,) in tables}


def test_every_older_revision_has_a_frozen_catalog() -> None:
    script = schema.alembic_config()
    from alembic.script import ScriptDirectory

    revisions = {s.revision for s in ScriptDirectory.from_config(script).walk_revisions()}
    frozen = {path.stem.removeprefix("catalog_") for path in DATA.glob("catalog_*.sqlite")}
    assert frozen == revisions - {schema.head()}


def test_old_cache_names_the_upgrade_command(tmp_path: Path) -> None:
    settings = frozen_cache(tmp_path, "0001")
    with pytest.raises(SchemaOutdatedError) as info:
        Store.open(settings)
    message = str(info.value)
    assert "mastcache db upgrade" in message and "0001" in message and "0005" in message
    assert schema.current(settings) == "0001"  # refusing did not touch it


def test_cli_upgrade_keeps_the_data(tmp_path: Path) -> None:
    settings = frozen_cache(tmp_path, "0001")
    before = cli(settings, "db", "current")
    assert before.returncode == 0, before.stderr
    assert "0001" in before.stdout and "mastcache db upgrade" in before.stdout
    upgraded = cli(settings, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "from 0001 to 0005" in upgraded.stdout
    after = cli(settings, "db", "current")
    assert "revision: 0005" in after.stdout and "up to date" in after.stdout
    assert_frozen_rows_intact(settings)


def assert_frozen_rows_intact(settings: Settings) -> None:
    with Store.open(settings) as store:
        query = store.get_query(FROZEN_KEY)
        assert query is not None and query.nrows == 12 and query.params["radius"] == 0.2
        assert query.fetched_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        resolution = store.get_resolution("M31", None, False)
        assert resolution is not None and resolution.entries[0]["canonicalName"] == "MESSIER 031"
        assert [p.filename for p in store.get_products(["2003520266"])] == ["jbnw01010_drz.fits"]
        file = store.get_file("mast:HST/product/jbnw01010_drz.fits")
        assert file is not None and file.size == 2880
        assert file.verified_at == file.downloaded_at  # 0002 backfills verified_at
        assert [s.name for s in store.list_snapshots()] == ["figure-3"]
        assert store.query_stats(FROZEN_KEY).hits == 0
        store.record_hit(FROZEN_KEY)  # the new table works
        assert store.query_stats(FROZEN_KEY).hits == 1


def test_upgrade_is_idempotent(tmp_path: Path) -> None:
    settings = frozen_cache(tmp_path, "0001")
    assert schema.upgrade(settings) == "0005"
    assert schema.upgrade(settings) == "0005"
    assert "already at schema revision 0005" in cli(settings, "db", "upgrade").stdout


def test_unknown_newer_revision_is_refused(tmp_path: Path) -> None:
    settings = frozen_cache(tmp_path, "0001")
    with sqlite3.connect(settings.cache_dir / "catalog.sqlite") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(StoreError, match="newer mastcache") as info:
        Store.open(settings)
    assert not isinstance(info.value, SchemaOutdatedError)


def test_foreign_database_is_refused(store_settings: Settings) -> None:
    store_settings.cache_dir.mkdir(parents=True)
    with sqlite3.connect(store_settings.cache_dir / "catalog.sqlite") as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    with pytest.raises(StoreError, match="not a mastcache catalog"):
        Store.open(store_settings)


def build_wheel(tmp_path: Path) -> Path:
    """Build mastcache's wheel from a copy of the source (the checkout stays clean)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE", "setup.py"):
        if (REPO / name).is_file():
            shutil.copy(REPO / name, source / name)
    for name in ("mastcache", "migrations"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path)]
    if _has_modern_setuptools():
        command.append("--no-build-isolation")  # build offline with the installed backend
    subprocess.run([*command, str(source)], check=True, timeout=300, capture_output=True)
    return next(tmp_path.glob("mastcache-*.whl"))


def _has_modern_setuptools() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77  # PEP 639 license strings


def test_installed_wheel_runs_the_migrations(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    cache_dir = tmp_path / "cache"
    script = (
        "import mastcache, sys\n"
        "from mastcache.settings import Settings\n"
        "from mastcache.store import schema, Store\n"
        "print(mastcache.__file__)\n"
        "print(schema.migrations_dir())\n"
        f"settings = Settings.from_env({{}}, cache_dir={str(cache_dir)!r})\n"
        "print(schema.upgrade(settings))\n"
        "Store.open(settings).close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    run = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    package_file, migrations, revision = run.stdout.split()
    assert Path(package_file).is_relative_to(site)  # not the editable checkout
    assert Path(migrations) == site / "mastcache" / "_migrations"
    assert revision == "0005"


def test_models_match_the_head_revision(store_settings: Settings) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from mastcache.store.engine import make_engine
    from mastcache.store.models import Base

    Store.open(store_settings).close()
    engine = make_engine(store_settings)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_a_revision_for_other_databases_only_needs_no_upgrade_of_a_personal_cache(
    tmp_path: Path,
) -> None:
    # 0005 sets dialects = ("postgresql",): an SQLite cache at 0004 has the newest schema
    settings = frozen_cache(tmp_path, "0004")
    with Store.open(settings) as store:
        assert [p.filename for p in store.get_products(["2003520266"])] == ["jbnw01010_drz.fits"]
    state = cli(settings, "db", "current")
    assert state.returncode == 0, state.stderr
    assert "revision: 0004 (head: 0005) - up to date (newer revisions change only" in state.stdout
    upgraded = cli(settings, "db", "upgrade")
    assert upgraded.returncode == 0 and "from 0004 to 0005" in upgraded.stdout
    assert schema.current(settings) == "0005"
