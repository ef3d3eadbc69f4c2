"""``snapshot.diff`` and ``mastcache snapshot diff``: the recorded session against the same sky
(no drift), against a snapshot of a moved world (every kind of change found), and the CLI's
exit statuses and one-line mistakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table, vstack

from mastcache import snapshot
from mastcache.emulator import EmulatorServer, start
from mastcache.settings import Settings
from mastcache.snapshot import DriftReport, QueryDrift
from mastcache.store import Store


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    return subprocess.run(
        [sys.executable, "-m", "mastcache", "--cache-dir", str(cwd / "cache"), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=cwd,
    )


def by_service(report: DriftReport) -> dict[str, QueryDrift]:
    return {q.service: q for q in report.queries if q.status != "skipped"}


def moved(table: Table, service: str) -> Table:
    """The answer of a world that moved on: a row gone, a row new, values changed."""
    if service == "Mast.Caom.Products":
        table = table.copy()
        table["size"][0] = int(table["size"][0]) + 1000
        return table
    if service == "Mast.Caom.Cone":
        extra = table[:1].copy()
        extra["obsid"][0] = "99999999"
        changed = table[2:].copy()
        changed["t_exptime"][0] = float(changed["t_exptime"][0]) + 1.5
        changed["target_name"][0] = "REPROCESSED"
        return vstack([changed, extra])
    table = table.copy()
    table["new_metadata"] = np.arange(len(table))
    return table


@pytest.fixture
def moved_bundle(recorded: Any, tmp_path: Path) -> Path:
    """The recorded session's snapshot, made again from a cache whose answers moved."""
    settings = Settings.from_env({}, cache_dir=tmp_path / "moved-cache")
    snapshot.restore(recorded.bundle, settings=settings)
    with Store.open(settings) as store:
        for record in store.list_queries():
            table = store.read_table(record)
            store.put_query(
                record.key, service=record.service, kind=record.kind, params=record.params,
                scope=record.scope, table=moved(table, record.service),
                fetched_at=record.fetched_at, expires_at=record.expires_at,
            )  # fmt: skip
    info = snapshot.create("moved", output_dir=tmp_path, settings=settings)
    return info.path


def test_same_sky_no_drift(recorded: Any, emulator: EmulatorServer, tmp_path: Path) -> None:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache", mast_url=emulator.url)
    report = snapshot.diff(recorded.bundle, settings=settings)
    assert not report.has_drift and not report.has_errors
    counts = report.counts()
    assert counts["same"] >= 3 and counts["drifted"] == 0
    assert {"Mast.Caom.Cone", "Mast.Caom.Products"} <= set(by_service(report))
    assert report.summary().startswith("no drift")
    assert not (tmp_path / "cache" / "catalog.sqlite").exists()  # no result was stored


def test_every_kind_of_change_is_found(recorded: Any, moved_bundle: Path) -> None:
    report = snapshot.diff(recorded.bundle, against=moved_bundle)
    assert report.has_drift
    queries = by_service(report)

    cone = queries["Mast.Caom.Cone"]
    assert cone.status == "drifted" and cone.natural_key == ("obsid",)
    assert cone.added == ("99999999",)
    assert len(cone.removed) == 2
    assert [set(c.columns) for c in cone.changed] == [{"t_exptime", "target_name"}]
    assert cone.changed_columns == {"t_exptime": 1, "target_name": 1}

    products = queries["Mast.Caom.Products"]
    assert products.natural_key == ("obsID", "productFilename")
    assert [c.columns for c in products.changed] == [("size",)]
    assert not products.added and not products.removed

    criteria = next(q for s, q in queries.items() if s.startswith("Mast.Caom.Filtered"))
    assert criteria.columns_added == ("new_metadata",) and not criteria.changed
    assert report.counts()["rows_added"] == 1


def test_a_query_the_other_snapshot_lacks_is_missing(recorded: Any, tmp_path: Path) -> None:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    snapshot.restore(recorded.bundle, settings=settings)
    with Store.open(settings) as store:
        kept = [r.key for r in store.list_queries() if r.service != "Mast.Caom.Products"]
    smaller = snapshot.create("smaller", keys=kept, output_dir=tmp_path, settings=settings)
    report = snapshot.diff(recorded.bundle, against=smaller.path)
    assert by_service(report)["Mast.Caom.Products"].status == "missing"
    assert report.has_drift


def test_cli_exit_statuses_and_formats(recorded: Any, moved_bundle: Path, tmp_path: Path) -> None:
    same = run_cli("snapshot", "diff", str(recorded.bundle), "--against", str(recorded.bundle),
                   cwd=tmp_path)  # fmt: skip
    assert same.returncode == 0, same.stderr
    assert same.stdout.splitlines()[0].startswith("STATUS")
    assert same.stdout.splitlines()[-1].startswith("no drift")

    drifted = run_cli("snapshot", "diff", str(recorded.bundle), "--against", str(moved_bundle),
                      "--format", "json", cwd=tmp_path)  # fmt: skip
    assert drifted.returncode == 1, drifted.stderr
    document = json.loads(drifted.stdout)
    assert document["has_drift"] is True
    cone = next(q for q in document["queries"] if q["service"] == "Mast.Caom.Cone")
    assert cone["added"] == ["99999999"] and cone["changed_columns"]["t_exptime"] == 1


def test_cli_unreachable_mast_is_status_2(recorded: Any, tmp_path: Path) -> None:
    result = run_cli("--mast-url", "http://127.0.0.1:9", "snapshot", "diff",
                     str(recorded.bundle), cwd=tmp_path)  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot ask MAST" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "unknown --format 'xml'"),
        (["--against", "nowhere.mastsnap"], "nowhere.mastsnap does not exist"),
    ],
)
def test_cli_mistakes_are_one_line(
    recorded: Any, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli("snapshot", "diff", str(recorded.bundle), *args, cwd=tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_cli_missing_snapshot_is_one_line(tmp_path: Path) -> None:
    result = run_cli("snapshot", "diff", "absent.mastsnap", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: snapshot absent.mastsnap does not exist"


def record_today(tmp_path: Path) -> Path:
    """M101's observations and all their products, recorded from today's sky."""
    from mastcache import Observations, runtime

    with start("127.0.0.1", 0) as today:
        runtime.configure(mast_url=today.url, cache_dir=tmp_path / "today", mode="cache-first")
        try:
            with snapshot.record("today", output_dir=tmp_path):
                found = Observations.query_object("M101", radius="0.05 deg")
                Observations.get_product_list(found)
        finally:
            runtime.reset()
    return tmp_path / "today.mastsnap"


def test_a_moved_sky_drifts_in_every_way(tmp_path: Path) -> None:
    """The emulator one epoch later: new visits, withdrawn observations, revised metadata
    and reprocessed products are all found, through the Python API and the CLI."""
    bundle = record_today(tmp_path)
    with start("127.0.0.1", 0, sky_epoch=1) as later:
        settings = Settings.from_env({}, cache_dir=tmp_path / "cache", mast_url=later.url)
        report = snapshot.diff(bundle, settings=settings)
        result = run_cli("--mast-url", later.url, "snapshot", "diff", str(bundle),
                         "--format", "json", cwd=tmp_path)  # fmt: skip
    queries = by_service(report)
    cone = queries["Mast.Caom.Cone"]
    assert cone.added and cone.removed and cone.changed
    assert set(cone.changed_columns) <= {"t_obs_release", "srcDen"}
    assert queries["Mast.Caom.Products"].changed_columns.keys() == {"prvversion"}
    assert report.has_drift and report.summary().startswith("drift")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["counts"] == report.counts()
