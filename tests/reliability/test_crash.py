"""Crash safety: worker processes ingest large paginated queries and downloads and are killed
with SIGKILL at seeded random points; the cache must open, verify clean, hold each query either
complete and equal to the emulator's answer or not at all, and a rerun must complete it.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table
from reliability.harness import (
    Zygote,
    cache_problems,
    client_for,
    cone_tables,
    record,
)
from reliability.tabledigest import describe_difference, table_digest

from mastcache.emulator import EmulatorServer, start
from mastcache.settings import Settings
from mastcache.store import Store

QUERIES = ((10.68, 41.27, 0.2), (83.82, -5.39, 0.1))
SEED = 20261126


@dataclass(frozen=True)
class CrashProfile:
    runs: int
    rows: int
    pagesize: int
    product_bytes: int
    downloads: int


QUICK = CrashProfile(runs=8, rows=1000, pagesize=100, product_bytes=1 << 20, downloads=2)
SLOW = CrashProfile(runs=64, rows=3000, pagesize=250, product_bytes=3 << 20, downloads=3)


@dataclass
class Reference:
    """The emulator's answers, fetched through a cache nobody kills: digests and file hashes."""

    tables: dict[str, Table]
    digests: dict[str, str]
    files: dict[str, str]


@pytest.fixture
def crash_emulator(request: pytest.FixtureRequest) -> Iterator[EmulatorServer]:
    profile: CrashProfile = request.param
    with start("127.0.0.1", 0, rows=profile.rows, product_bytes=profile.product_bytes) as server:
        yield server


def settings_for(root: Path, server: EmulatorServer, pagesize: int) -> Settings:
    return Settings.from_env({}, cache_dir=root, mast_url=server.url, pagesize=pagesize)


def download(settings: Settings, profile: CrashProfile, folder: Path) -> None:
    with client_for(settings) as client:
        found = client.query_region("{} {}".format(*QUERIES[0][:2]), radius=QUERIES[0][2])
        products = client.get_product_list(found[:1])
        science = products[products["productType"] == "SCIENCE"][: profile.downloads]
        manifest = client.download_products(science, download_dir=folder, verbose=False)
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}, manifest


def stored_files(settings: Settings) -> dict[str, str]:
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        return {f.uri: f.sha256 for f in uow.files.list()}


def reference(tmp_path: Path, server: EmulatorServer, profile: CrashProfile) -> Reference:
    """One page per query (a different paging path from the workers'), and the downloads."""
    settings = settings_for(tmp_path / "reference", server, pagesize=profile.rows)
    tables = cone_tables(settings, QUERIES)
    download(settings, profile, tmp_path / "reference-downloads")
    by_key = {t.meta["mastcache"]["key"]: t for t in tables}
    digests = {key: table_digest(t) for key, t in by_key.items()}
    return Reference(by_key, digests, stored_files(settings))


def job(settings: Settings, profile: CrashProfile, folder: Path) -> dict[str, Any]:
    return {
        "action": "ingest",
        "cache_dir": str(settings.cache_dir),
        "mast_url": settings.mast_url,
        "pagesize": profile.pagesize,
        "queries": [list(q) for q in QUERIES],
        "observations": 1,
        "downloads": profile.downloads,
        "download_dir": str(folder / "downloads"),
    }


def calibrate(
    tmp_path: Path, server: EmulatorServer, profile: CrashProfile, zygote: Zygote
) -> float:
    """Run one worker to the end: how long its work takes, and that a clean run is complete."""
    settings = settings_for(tmp_path / "calibration", server, profile.pagesize)
    worker = zygote.fork(job(settings, profile, tmp_path), tmp_path, "calibration")
    began = worker.wait_ready()
    worker.finish(timeout=300)
    return time.monotonic() - began


def stored_state(settings: Settings, ref: Reference) -> tuple[set[str], list[str]]:
    """Keys stored complete, and every wrong thing found in the stored queries and files."""
    complete, wrong = set(), []
    with Store.open(settings) as store:
        for key, expected in ref.tables.items():
            found = store.get_query(key)
            if found is None:
                continue
            difference = describe_difference(store.read_table(found), expected)
            (wrong.append(f"query {key[:12]}: {difference}") if difference else complete.add(key))
    for uri, sha256 in stored_files(settings).items():
        if ref.files.get(uri) != sha256:
            wrong.append(f"file {uri}: sha256 {sha256[:12]} is not the emulator's")
    return complete, wrong


def crash_once(
    tmp_path: Path, server: EmulatorServer, zygote: Zygote, profile: CrashProfile, ref: Reference,
    run: int, work_seconds: float, tally: Counter[str],
) -> list[str]:  # fmt: skip
    """One kill and its checks; returns the failures found (none is the expectation)."""
    folder = tmp_path / f"run-{run:03d}"
    folder.mkdir()
    settings = settings_for(folder / "cache", server, profile.pagesize)
    worker = zygote.fork(job(settings, profile, folder), folder, "ingest")
    worker.wait_ready()
    time.sleep(random.Random(SEED + run).uniform(0.0, 0.9 * work_seconds))
    worker.kill()
    lines = worker.lines
    phase = sum(line.startswith("query") for line in lines)
    tally[f"killed_after_{phase}_queries" if "done" not in lines else "finished"] += 1
    failures = [f"run {run}: {p}" for p in cache_problems(settings)]
    complete, wrong = stored_state(settings, ref)
    failures += [f"run {run}: {w}" for w in wrong]
    tally["complete_queries_found"] += len(complete)
    failures += [f"run {run}: {f}" for f in rerun(settings, profile, ref, complete, folder)]
    return failures


def rerun(
    settings: Settings, profile: CrashProfile, ref: Reference, complete: set[str], folder: Path
) -> list[str]:
    """Run the same work again: it must finish, serve what was complete from the cache (nothing
    stored was lost), and leave a cache equal to the reference that verifies clean."""
    failures = []
    for table in cone_tables(settings, QUERIES):
        key, source = table.meta["mastcache"]["key"], table.meta["mastcache"]["source"]
        if table_digest(table) != ref.digests[key]:
            failures.append(f"rerun of {key[:12]} differs from the emulator's answer")
        if key in complete and source != "cache":
            failures.append(f"rerun of {key[:12]} came from the {source}: the stored one was lost")
    download(settings, profile, folder / "downloads")
    if stored_files(settings) != ref.files:
        failures.append("after the rerun the stored files differ from the reference")
    complete_after, wrong = stored_state(settings, ref)
    failures += wrong + cache_problems(settings)
    if complete_after != set(ref.digests):
        failures.append("after the rerun some queries are still missing")
    return failures


def campaign(
    tmp_path: Path, server: EmulatorServer, zygote: Zygote, profile: CrashProfile, name: str
) -> None:
    ref = reference(tmp_path, server, profile)
    work_seconds = calibrate(tmp_path, server, profile, zygote)
    tally: Counter[str] = Counter()
    failures: list[str] = []
    for run in range(profile.runs):
        failures += crash_once(tmp_path, server, zygote, profile, ref, run, work_seconds, tally)
    record(name, runs=profile.runs, kills=profile.runs - tally["finished"], failures=len(failures))
    record(name, **{k: v for k, v in tally.items()})
    print(f"\n{name}: {profile.runs} runs, work {work_seconds:.2f}s each, {dict(tally)}")
    assert not failures, "\n".join(failures)
    assert profile.runs - tally["finished"] >= profile.runs // 2, f"too few kills: {tally}"


@pytest.mark.parametrize("crash_emulator", [QUICK], indirect=True)
def test_sigkill_during_ingest_leaves_complete_or_absent_results(
    tmp_path: Path, crash_emulator: EmulatorServer, zygote: Zygote
) -> None:
    campaign(tmp_path, crash_emulator, zygote, QUICK, "crash-quick")


@pytest.mark.slow
@pytest.mark.parametrize("crash_emulator", [SLOW], indirect=True)
def test_sigkill_campaign_slow_profile(
    tmp_path: Path, crash_emulator: EmulatorServer, zygote: Zygote
) -> None:
    campaign(tmp_path, crash_emulator, zygote, SLOW, "crash-slow")
