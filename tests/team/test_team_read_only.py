"""A read-only member (a SELECT-only PostgreSQL role) uses the team cache: cache-first hits,
offline, SQL and `cache pull` work; what it fetches itself is kept on its machine."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from team.teamcache import PG_ADMIN, Team

from mastcache import runtime
from mastcache.cli import cli
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.store.hitcounts import flush_all


@pytest.fixture
def reader(team: Team) -> Iterator[Team]:
    """The same team cache seen through a new SELECT-only role (dropped after the test)."""
    schema = team.catalog_url.rsplit("search_path%3D", 1)[1]
    role = f"mc_reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE ROLE "{role}" LOGIN')
        connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{role}"')
    catalog = team.catalog_url.replace("://postgres@", f"://{role}@", 1)
    yield Team(catalog, team.store_url, team.endpoint, team.mast_url)
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'REASSIGN OWNED BY "{role}" TO postgres')
        connection.execute(f'DROP OWNED BY "{role}"')
        connection.execute(f'DROP ROLE "{role}"')


def _grant_select(team: Team, role_team: Team) -> None:
    schema = team.catalog_url.rsplit("search_path%3D", 1)[1]
    role = role_team.catalog_url.split("://", 1)[1].split("@", 1)[0]
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{role}"')


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def _machine(team: Team, cache_dir: Path, mode: str = "cache-first") -> None:
    runtime.configure(
        cache_dir=cache_dir, catalog_url=team.catalog_url, store_url=team.store_url,
        s3_endpoint_url=team.endpoint, mast_url=team.mast_url, mode=mode,
    )  # fmt: skip


def test_a_select_only_member_reads_queries_and_pulls(
    team: Team, reader: Team, tmp_path: Path, emulator_session: EmulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    _machine(team, tmp_path / "admin")
    shared = ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    runtime.reset()
    _grant_select(team, reader)

    _machine(reader, tmp_path / "ro")
    with caplog.at_level(logging.WARNING):
        hit = ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
        assert hit.meta["mastcache"]["source"] == "cache" and len(hit) == len(shared)
        own = ObservationsClass().query_region("11.0 20.0", radius="0.3 deg")
        flush_all()  # a SELECT-only role counts no hits: nothing to write, no warning
    assert own.meta["mastcache"]["source"] == "network"
    messages = [r.getMessage() for r in caplog.records]
    assert any("read-only for this member" in m for m in messages)
    assert not any("hit counters" in m for m in messages), messages
    runtime.reset()
    _machine(reader, tmp_path / "ro", mode="offline")
    assert len(ObservationsClass().query_region("11.0 20.0", radius="0.3 deg")) == len(own)
    runtime.reset()

    env = reader.environ(tmp_path / "ro2")
    pulled = CliRunner().invoke(cli, ["--cache-dir", str(tmp_path / "ro2"), "cache", "pull"],
                                env=env)  # fmt: skip
    assert pulled.exit_code == 0, pulled.output
    assert "pulled 1 results" in pulled.output
    queried = CliRunner().invoke(
        cli, ["--cache-dir", str(tmp_path / "ro"), "sql", "SELECT count(*) AS n FROM queries"],
        env=reader.environ(tmp_path / "ro"),
    )  # fmt: skip
    assert queried.exit_code == 0, queried.output
