"""Outages of the team store or the team catalog (issue #23): one line, and what is on the
machine is still served. PostgreSQL and moto sit behind a TCP proxy the test cuts mid-session.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from team.proxy import TcpProxy
from team.teamcache import Team

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import StoreError
from mastcache.store import Store

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def proxies(team: Team) -> Iterator[tuple[TcpProxy, TcpProxy]]:
    """(catalog proxy, object store proxy) in front of this test's PostgreSQL and moto."""
    s3 = urlsplit(team.endpoint)
    pg = TcpProxy("127.0.0.1", 5432)
    store = TcpProxy(s3.hostname or "127.0.0.1", s3.port or 80)
    yield pg, store
    pg.close()
    store.close()


@pytest.fixture
def cut_team(team: Team, proxies: tuple[TcpProxy, TcpProxy]) -> Team:
    """The same team cache, reached through the proxies."""
    pg, store = proxies
    catalog = team.catalog_url.replace("127.0.0.1:5432", f"127.0.0.1:{pg.port}")
    return Team(catalog, team.store_url, f"http://127.0.0.1:{store.port}", team.mast_url)


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def _machine(team: Team, cache_dir: Path, mode: str = "cache-first") -> None:
    runtime.configure(
        cache_dir=cache_dir,
        catalog_url=team.catalog_url,
        store_url=team.store_url,
        s3_endpoint_url=team.endpoint,
        mast_url=team.mast_url,
        mode=mode,
    )


def _query(ra: float = 10.0) -> object:
    return ObservationsClass().query_region(f"{ra} 20.0", radius="0.3 deg")


def test_object_store_outage_serves_this_machines_results_and_keeps_new_ones(
    cut_team: Team, proxies: tuple[TcpProxy, TcpProxy], tmp_path: Path,
    emulator_session: EmulatorServer, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    _, s3 = proxies
    _machine(cut_team, tmp_path / "a")
    first = _query()
    s3.cut()

    started = time.monotonic()
    with Store.open(cut_team.settings(tmp_path / "a")) as store:  # no bucket listing at start
        assert store.get_query(first.meta["mastcache"]["key"]) is not None
    assert time.monotonic() - started < 5

    runtime.reset()
    _machine(cut_team, tmp_path / "a", mode="offline")
    again = _query()
    assert again.meta["mastcache"]["source"] == "cache" and len(again) == len(first)

    runtime.reset()
    _machine(cut_team, tmp_path / "a")
    with caplog.at_level(logging.WARNING):
        fresh = _query(ra=30.0)  # fetched from MAST; the store is down: kept on this machine
    assert fresh.meta["mastcache"]["source"] == "network"
    assert any("kept on this machine" in r.getMessage() for r in caplog.records)
    runtime.reset()
    _machine(cut_team, tmp_path / "a", mode="offline")
    assert len(_query(ra=30.0)) == len(fresh)

    runtime.reset()
    _machine(cut_team, tmp_path / "b", mode="offline")  # a machine without copies: one line
    with pytest.raises(StoreError, match="is unreachable") as failure:
        _query()
    message = str(failure.value)
    assert "no copy" in message and "Offline mode cannot fetch" in message
    assert "\n" not in message and "Traceback" not in message

    runtime.reset()  # the same machine, online: a fresh fetch from MAST, kept on it
    _machine(cut_team, tmp_path / "b")
    emulator_session.requests.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        refetched = _query()
    assert refetched.meta["mastcache"]["source"] == "network" and len(refetched) == len(first)
    assert emulator_session.requests.matching("/api/v0/invoke")
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "no copy" in lines[0] and "\n" not in lines[0], lines
    runtime.reset()
    _machine(cut_team, tmp_path / "b", mode="offline")
    assert len(_query()) == len(first)  # kept on this machine: served offline


def test_catalog_outage_serves_this_machines_copies_offline_and_in_sql(
    cut_team: Team, proxies: tuple[TcpProxy, TcpProxy], tmp_path: Path,
    emulator_session: EmulatorServer,
) -> None:  # fmt: skip
    pg, _ = proxies
    _machine(cut_team, tmp_path / "a")
    first = _query()
    runtime.reset()
    pg.cut()

    _machine(cut_team, tmp_path / "a", mode="offline")
    again = _query()
    assert len(again) == len(first) and again.meta["mastcache"]["source"] == "cache"

    env = {**cut_team.environ(tmp_path / "a"), "PYTHONPATH": str(ROOT)}
    sql = _cli(env, "sql", "SELECT count(*) AS n FROM queries")
    assert sql.returncode == 0, sql.stderr
    assert "1" in sql.stdout.split("---")[-1]
    assert "unreachable" in sql.stderr and "serving this machine's copies" in sql.stderr

    for command in (["db", "current"], ["db", "upgrade"], ["cache", "stats"]):
        result = _cli(env, *command)
        assert result.returncode != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "team catalog" in lines[0] and "unreachable" in lines[0]
        assert "damaged" not in lines[0]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mastcache", *args],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_missing_object_offline_says_what_happened_and_what_to_do(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    import boto3  # type: ignore[import-untyped]

    from mastcache.errors import CorruptEntryError

    _machine(team, tmp_path / "a")
    _query()
    runtime.reset()
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    bucket = team.store_url.removeprefix("s3://").split("/", 1)[0]
    for item in s3.list_objects_v2(Bucket=bucket)["Contents"]:
        s3.delete_object(Bucket=bucket, Key=item["Key"])
    _machine(team, tmp_path / "b", mode="offline")
    with pytest.raises(CorruptEntryError) as failure:
        _query()
    message = str(failure.value)
    assert "is missing" in message and "is not there" in message
    assert "has the file" not in message and "will be fetched again" not in message
    assert "Offline mode cannot fetch" in message
