"""``mastcache sql`` in a real subprocess over a cache written by the real Store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from astropy.table import Table

from mastcache.settings import Settings
from mastcache.store import Store

OLD, NEW = "1a" * 32, "2b" * 32


def run(cache_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    return subprocess.run(
        [sys.executable, "-m", "mastcache", "--cache-dir", str(cache_dir), "sql", *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
        env=env,
    )


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-sql") / "cache"
    with Store.open(Settings.from_env({}, cache_dir=root)) as store:
        for key, obsids, when in ((OLD, [1, 2], 1_700_000_000), (NEW, [2, 3], 1_700_000_100)):
            store.put_query(
                key,
                service="Mast.Caom.Cone",
                kind="observations",
                params={"obsids": obsids},
                scope="anonymous",
                table=Table({"obsid": obsids, "obs_collection": ["HST"] * len(obsids)}),
                fetched_at=datetime.fromtimestamp(when, timezone.utc),
                expires_at=None,
            )
    return root


def test_prints_a_table(cache_dir: Path) -> None:
    result = run(cache_dir, "SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["obs_collection", "n"]
    assert lines[2].split() == ["HST", "3"]


def test_csv_lists_source_queries_as_json(cache_dir: Path) -> None:
    result = run(
        cache_dir,
        "--format",
        "csv",
        "SELECT obsid, source_queries FROM observations ORDER BY obsid",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == '"obsid","source_queries"'
    assert lines[2] == f'2,"[""{OLD}"", ""{NEW}""]"'


def test_json_and_parquet_output(cache_dir: Path, tmp_path: Path) -> None:
    result = run(cache_dir, "--format", "json", "SELECT obsid FROM observations ORDER BY obsid")
    assert json.loads(result.stdout) == [{"obsid": 1}, {"obsid": 2}, {"obsid": 3}]
    target = tmp_path / "obs.parquet"
    result = run(cache_dir, "--format", "parquet", "-o", str(target), "SELECT * FROM observations")
    assert result.returncode == 0, result.stderr
    assert pq.read_table(target).num_rows == 3


def test_query_from_stdin(cache_dir: Path) -> None:
    result = run(cache_dir, "--format", "csv", "-", stdin="SELECT count(*) AS n FROM queries")
    assert result.stdout.splitlines() == ['"n"', "2"]


def test_list_views(cache_dir: Path) -> None:
    result = run(cache_dir, "--list-views", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = {tuple(line.replace('"', "").split(",")[:2]) for line in result.stdout.splitlines()}
    assert ("observations", "source_queries") in rows
    assert (f"q_{OLD[:8]}", "obsid") in rows and ("queries", "is_expired") in rows


@pytest.mark.parametrize(
    "query",
    [
        "COPY observations TO 'out.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "DROP VIEW queries",
    ],
)
def test_refusals_are_one_line_and_non_zero(cache_dir: Path, query: str) -> None:
    result = run(cache_dir, query)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert "read-only SELECT" in result.stderr or "only the cache views" in result.stderr


def test_a_query_is_required(cache_dir: Path) -> None:
    result = run(cache_dir)
    assert result.returncode != 0
    assert "--list-views" in result.stderr


def test_help_names_the_views(cache_dir: Path) -> None:
    result = run(cache_dir, "--help")
    assert result.returncode == 0
    assert "observations" in result.stdout and "q_<key8>" in result.stdout
