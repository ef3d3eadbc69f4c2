"""Revision 0005 (row-level security by scope): a frozen 0004 SQLite cache upgrades with its
rows as they were; a PostgreSQL catalog at 0004 upgrades to policies that hide the rows of a
scope from a role that is not its member, and downgrades back to no policies."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from resources import POSTGRES_URL, require_postgres
from team.pgroles import as_role, grant_tables, member_roles, new_scope, psycopg_url
from team.teamcache import catalog_url

from mastcache.settings import Settings
from mastcache.store import Store, schema
from mastcache.store.engine import make_engine
from mastcache.store.scopes import grant_scope, scope_role

DATA = Path(__file__).parent / "data"
KEY, SCOPED_KEY = "a1" * 32, "b2" * 32
TABLES = ("queries", "resolutions", "products", "files")


def frozen_0004(tmp_path: Path) -> Settings:
    cache_dir = tmp_path / "cache-0004"
    cache_dir.mkdir()
    shutil.copyfile(DATA / "catalog_0004.sqlite", cache_dir / "catalog.sqlite")
    return Settings.from_env({}, cache_dir=cache_dir)


def _downgrade(settings: Settings, revision: str) -> None:
    from alembic import command

    engine = make_engine(settings)
    try:
        with engine.begin() as connection:
            command.downgrade(schema.alembic_config(connection), revision)
    finally:
        engine.dispose()


def test_a_frozen_0004_sqlite_cache_upgrades_with_every_row_as_it_was(tmp_path: Path) -> None:
    settings = frozen_0004(tmp_path)
    # 0005 changes only PostgreSQL: an SQLite cache at 0004 is used as it is, read and written
    with Store.open(settings) as store:
        assert {q.key for q in store.list_queries()} == {KEY, SCOPED_KEY}
    assert schema.current(settings) == "0004"
    assert not schema.needs_upgrade("0004", "0005", "sqlite")
    assert schema.needs_upgrade("0004", "0005", "postgresql")
    assert schema.needs_upgrade("0003", "0005", "sqlite")
    assert schema.upgrade(settings) == "0005"
    with Store.open(settings) as store:  # SQLite has no roles: nothing is hidden
        scopes = {q.key: q.scope for q in store.list_queries()}
        assert scopes == {KEY: "anonymous", SCOPED_KEY: "user:0123456789abcdef0123456789abcdef"}
        file = store.get_file("mast:HST/product/jbnw01010_drz.fits")
        assert file is not None and file.scope == "anonymous"
        with store.unit_of_work(read_only=True) as uow:
            paths = uow.cloud_paths.get_many(["mast:HST/product/jbnw01010_drz.fits"])
        assert [p.in_cloud for p in paths.values()] == [True]
    _downgrade(settings, "0004")
    assert schema.current(settings) == "0004"


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    """A catalog on a new PostgreSQL schema (dropped after the test)."""
    require_postgres()
    name = f"mastcache_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield Settings.from_env({}, cache_dir=tmp_path, catalog_url=catalog_url(POSTGRES_URL, name))
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def _insert_queries(admin_url: str, scoped: str) -> None:
    row = (
        "INSERT INTO queries (key, service, kind, params_json, scope, table_path, sha256, "
        "nbytes, nrows, fetched_at) VALUES (%s, 'Mast.Caom.Cone', 'observations', '{}', %s, "
        "%s, %s, 1, 1, now())"
    )
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(row, (KEY, "anonymous", "tables/a.parquet", "0" * 64))
        connection.execute(row, (SCOPED_KEY, scoped, "scopes/x/tables/b.parquet", "1" * 64))


def _keys(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as connection:
        return {row[0] for row in connection.execute("SELECT key FROM queries")}


def _row_security(url: str) -> dict[str, bool]:
    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute(
            "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s) "
            "AND relnamespace = current_schema()::regnamespace",
            (list(TABLES),),
        )
        return dict(found.fetchall())


def test_0005_on_postgresql_hides_a_scope_from_non_members_and_downgrades(
    pg_settings: Settings,
) -> None:
    assert schema.upgrade(pg_settings, "0004") == "0004"
    admin = psycopg_url(str(pg_settings.catalog_url))
    scope = new_scope()
    _insert_queries(admin, scope)
    name = str(pg_settings.catalog_url).rsplit("%3D", 1)[1]
    with member_roles(name, 1, [scope]) as members:
        grant_tables(name, members.names)
        member = as_role(admin, members.names[0])
        assert _keys(member) == {KEY, SCOPED_KEY}  # 0004: every member reads every row

        assert schema.upgrade(pg_settings) == "0005"
        assert _row_security(admin) == dict.fromkeys(TABLES, True)
        assert _keys(member) == {KEY}  # not a member of the scope's role: hidden
        assert _keys(admin) == {KEY, SCOPED_KEY}  # the superuser (and owner) sees all
        with psycopg.connect(admin, autocommit=True) as connection:  # SQL digest == Python's
            sql_role = connection.execute("SELECT mastcache_scope_role(%s)", (scope,)).fetchone()
        assert sql_role == (scope_role(scope),)

        engine = make_engine(pg_settings)
        try:
            with engine.begin() as connection:
                grant_scope(connection, scope, [members.names[0]])
        finally:
            engine.dispose()
        assert _keys(member) == {KEY, SCOPED_KEY}  # a member now

        _downgrade(pg_settings, "0004")
        assert _row_security(admin) == dict.fromkeys(TABLES, False)
