"""Several machines on one team cache (PostgreSQL catalog + S3 store), as real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from astropy.table import Table
from team.teamcache import Team

from mastcache.store import Store

WORKER = Path(__file__).with_name("team_worker.py")
KEY = "c0ffee" * 10 + "beef"


def run_worker(team: Team, cache_dir: Path, *args: str, mode: str = "cache-first") -> str:
    done = subprocess.run(
        [sys.executable, str(WORKER), *args],
        env=team.environ(cache_dir, mode),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def start_worker(team: Team, cache_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *args],
        env=team.environ(cache_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_same_rows(left: Table, right: Table) -> None:
    assert left.colnames == right.colnames
    for name in left.colnames:
        assert left[name].dtype == right[name].dtype, name
        assert np.array_equal(np.ma.getmaskarray(left[name]), np.ma.getmaskarray(right[name]))
        np.testing.assert_array_equal(np.ma.filled(left[name]), np.ma.filled(right[name]), name)


def test_two_machines_share_results(team: Team, tmp_path: Path) -> None:
    laptop, desktop = tmp_path / "laptop", tmp_path / "desktop"
    run_worker(team, laptop, "query", "10.6847", "41.2687", str(tmp_path / "a.ecsv"))
    # The second machine has an empty local cache and no network: the team cache serves it.
    run_worker(
        team, desktop, "query", "10.6847", "41.2687", str(tmp_path / "b.ecsv"), mode="offline"
    )
    first, second = (Table.read(tmp_path / n, format="ascii.ecsv") for n in ("a.ecsv", "b.ecsv"))
    assert len(first) > 0
    assert_same_rows(first, second)
    assert first.meta["mastcache"]["source"] == "network"
    assert second.meta["mastcache"]["source"] == "cache"
    assert second.meta["mastcache"]["key"] == first.meta["mastcache"]["key"]
    # nothing new was written on the second machine: only its verified copy of the team's
    # object (issue #23: served from there next time, and during a team-store outage)
    copies = [p for p in (desktop / "tables").rglob("*.parquet")]
    with Store.open(team.settings(tmp_path / "probe")) as store:
        (record,) = store.list_queries()
        assert [c.relative_to(desktop).as_posix() for c in copies] == [record.table_path]
        assert copies[0].read_bytes() == store.objects.read_bytes(record.table_path)


def test_four_processes_hundred_queries_each(team: Team, tmp_path: Path) -> None:
    go = tmp_path / "go"
    children = [
        start_worker(team, tmp_path / f"machine{i}", "many", "100", str(go)) for i in range(4)
    ]
    go.touch()
    outputs = [child.communicate(timeout=600) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0, 0], [e[-2000:] for _, e in outputs]
    cached = [int(out.split()[1]) for out, _ in outputs]
    assert all(hits >= 100 - 20 for hits in cached)  # each process misses a cone once at most
    with Store.open(team.settings(tmp_path / "checker")) as store:
        records = store.list_queries()
        objects = [o.path for o in store.objects.list_files("tables")]
        assert len(records) == 20  # one row per distinct cone
        assert sorted(objects) == sorted(r.table_path for r in records)  # no duplicate file
        assert store.query_stats().hits + store.query_stats().misses == 400
        for record in records:
            assert len(store.read_table(record)) == record.nrows


def test_crash_between_upload_and_commit_leaves_no_half_result(team: Team, tmp_path: Path) -> None:
    machine = tmp_path / "machine"
    Store.open(team.settings(machine)).close()
    child = start_worker(team, machine, "stage", KEY)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "written"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    with Store.open(team.settings(tmp_path / "other")) as store:
        orphans = store.objects.list_files("tables")
        assert len(orphans) == 1  # the object landed, the row never did
        assert store.get_query(KEY) is None and store.list_queries() == []
        assert store.sweep_orphans() == 0  # too young: it might belong to a live writer
        assert store.sweep_orphans(older_than=0) == 1
        assert store.objects.list_files("tables") == []
