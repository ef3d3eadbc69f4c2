"""Crash safety: worker processes run every phase of mastcache's work (small queries, large
paginated ingests, a refresh that rewrites a stored key, product downloads, a snapshot
restore) and are killed with SIGKILL at seeded random points inside a chosen phase, each phase
in turn. Before anything is swept, files left behind are looked at: a temp file may be partial,
a file under its final name never. Then the cache must open, verify clean, hold each query
either complete and equal to the emulator's answer or not at all, and a rerun must complete it.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from astropy.table import Table
from reliability.harness import ForkedWorker, Zygote, cache_problems, client_for, record
from reliability.rel_worker import PHASES, crash_steps
from reliability.tabledigest import describe_difference, table_digest

from mastcache import snapshot
from mastcache.emulator import EmulatorServer, start
from mastcache.errors import MastCacheError
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.files import TEMP_PREFIX

QUERIES = ((10.68, 41.27, 0.2), (83.82, -5.39, 0.1))
#: cones stored in the bundle that the restore phase imports (keys no other phase writes)
RESTORED = ((201.37, -43.02, 0.1), (148.97, 69.68, 0.1))
COLLECTIONS = ("IUE", "GALEX")
SEED = 20261126


@dataclass(frozen=True)
class CrashProfile:
    runs: int
    rows: int
    pagesize: int
    product_bytes: int
    downloads: int


QUICK = CrashProfile(runs=10, rows=1000, pagesize=100, product_bytes=1 << 20, downloads=2)
SLOW = CrashProfile(runs=64, rows=3000, pagesize=250, product_bytes=3 << 20, downloads=3)


@dataclass
class Reference:
    """The emulator's answers, fetched through a cache nobody kills: every stored query by
    key, their digests and the stored files' hashes."""

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


def job(settings: Settings, profile: CrashProfile, folder: Path, bundle: Path) -> dict[str, Any]:
    return {
        "action": "ingest",
        "cache_dir": str(settings.cache_dir),
        "mast_url": settings.mast_url,
        "pagesize": profile.pagesize,
        "collections": list(COLLECTIONS),
        "name": "M31",
        "queries": [list(q) for q in QUERIES],
        "observations": 1,
        "downloads": profile.downloads,
        "download_dir": str(folder / "downloads"),
        "restore_bundle": str(bundle),
    }


def run_steps(settings: Settings, job_: dict[str, Any]) -> list[tuple[str, Table]]:
    """The worker's work, in this process (the reference and the reruns)."""
    with client_for(settings) as client:
        return crash_steps(client, job_, lambda line: None)


def stored_files(settings: Settings) -> dict[str, str]:
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        return {f.uri: f.sha256 for f in uow.files.list()}


def restore_bundle(tmp_path: Path, server: EmulatorServer, profile: CrashProfile) -> Path:
    """A snapshot of the RESTORED cones, made once in a cache of its own."""
    settings = settings_for(tmp_path / "bundle-cache", server, pagesize=profile.rows)
    with client_for(settings) as client:
        for ra, dec, radius in RESTORED:
            client.query_region(f"{ra} {dec}", radius=radius)
    snapshot.create(tmp_path / "restored.mastsnap", settings=settings)
    return tmp_path / "restored.mastsnap"


def reference(
    tmp_path: Path, server: EmulatorServer, profile: CrashProfile, bundle: Path
) -> Reference:
    """The whole work in one page per query (a different paging path from the workers')."""
    settings = settings_for(tmp_path / "reference", server, pagesize=profile.rows)
    run_steps(settings, job(settings, profile, tmp_path / "reference-work", bundle))
    with Store.open(settings) as store:
        tables = {r.key: store.read_table(r) for r in store.list_queries()}
    digests = {key: table_digest(t) for key, t in tables.items()}
    # every criteria query, cone and restored cone, and the product list at least
    assert len(tables) > len(COLLECTIONS) + len(QUERIES) + len(RESTORED), sorted(tables)
    return Reference(tables, digests, stored_files(settings))


def phase_times(worker: ForkedWorker, timeout: float) -> dict[str, float]:
    """Follow a worker to its end: when each ``phase X`` / ``end X`` line appeared."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while "done" not in seen:
        for line in worker.lines:
            seen.setdefault(line, time.monotonic())
        if time.monotonic() > deadline or (not worker.is_alive() and "done" not in worker.lines):
            raise AssertionError(f"calibration worker did not finish:\n{worker.stderr()}")
        time.sleep(0.002)
    return seen


def calibrate(
    tmp_path: Path, server: EmulatorServer, profile: CrashProfile, zygote: Zygote, bundle: Path
) -> dict[str, float]:
    """Run one worker to the end: how long each phase takes (and that a clean run completes)."""
    settings = settings_for(tmp_path / "calibration", server, profile.pagesize)
    folder = tmp_path / "calibration-work"
    worker = zygote.fork(job(settings, profile, folder, bundle), tmp_path, "calibration")
    seen = phase_times(worker, timeout=300)
    worker.finish(timeout=30)
    return {p: max(seen[f"end {p}"] - seen[f"phase {p}"], 0.001) for p in PHASES}


def landed_in(lines: list[str]) -> str:
    """The phase a kill interrupted (``between`` when it fell between two phases)."""
    if "done" in lines:
        return "finished"
    started = [line.removeprefix("phase ") for line in lines if line.startswith("phase ")]
    if not started:
        return "before-queries"
    return started[-1] if f"end {started[-1]}" not in lines else f"after-{started[-1]}"


def kill_in_phase(
    worker: ForkedWorker, phase: str, duration: float, rng: random.Random
) -> list[str]:
    """Wait for ``phase`` to start, then SIGKILL at a seeded moment of its calibrated span."""
    wait_for(worker, f"phase {phase}")
    time.sleep(rng.uniform(0.0, 0.8 * duration))
    worker.kill()
    return worker.lines


def kill_at_write(worker: ForkedWorker, phase: str, watched: Path) -> list[str]:
    """Wait for ``phase`` to start, then SIGKILL as soon as anything under ``watched`` changes:
    the moment a result or product file is being written (a temp file appears, or, were a
    file rewritten in place, a stored one changes)."""
    wait_for(worker, f"phase {phase}")
    before = tree_state(watched)
    deadline = time.monotonic() + 120
    while tree_state(watched) == before and f"end {phase}" not in worker.lines:
        if time.monotonic() > deadline or not worker.is_alive():
            break
        time.sleep(0.0002)  # a write takes milliseconds: poll often, but leave the CPU
    worker.kill()
    return worker.lines


def wait_for(worker: ForkedWorker, line: str) -> None:
    deadline = time.monotonic() + 300
    while line not in worker.lines and "done" not in worker.lines:
        if time.monotonic() > deadline or not worker.is_alive():
            return
        time.sleep(0.001)


def tree_state(root: Path) -> frozenset[tuple[str, int, int]]:
    """Every file under ``root`` with its size and mtime (files may vanish while listed)."""
    state = set()
    for path in root.rglob("*") if root.exists() else []:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        state.add((path.as_posix(), info.st_size, info.st_mtime_ns))
    return frozenset(state)


#: Phases where every other kill waits for a file write to begin instead of a random moment,
#: and the folder (under the cache dir) whose change marks it.
WRITES = {"ingest": "tables", "refresh": "tables", "downloads": "products"}


def leftovers(settings: Settings, folder: Path, ref: Reference) -> tuple[Counter[str], list[str]]:
    """Before any sweep: what a kill left behind. Temp files may be partial and result files
    no row points to may exist (a kill between rename and commit), but a file under its final
    name must be whole: a readable Parquet file, a download equal to the emulator's."""
    counts: Counter[str] = Counter()
    problems: list[str] = []
    roots = [settings.cache_dir, folder / "downloads"]
    counts["temp_files_left"] = sum(
        1 for root in roots if root.exists() for p in root.rglob(f"{TEMP_PREFIX}*")
    )
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        referenced = uow.queries.table_paths()
    for path in sorted((settings.cache_dir / "tables").rglob("*.parquet")):
        relative = path.relative_to(settings.cache_dir).as_posix()
        if relative in referenced:
            continue
        counts["unreferenced_results_left"] += 1
        try:
            pq.read_table(path)
        except Exception as exc:  # a torn file under its final name is the finding
            problems.append(f"partial result file {relative} under its final name ({exc})")
    hashes = set(ref.files.values())
    downloads = folder / "downloads"
    for path in sorted(downloads.rglob("*") if downloads.exists() else []):
        whole = not path.is_file() or path.name.startswith(TEMP_PREFIX)
        if not whole and hashlib.sha256(path.read_bytes()).hexdigest() not in hashes:
            problems.append(f"partial download {path.relative_to(folder)} under its name")
    return counts, problems


def stored_state(settings: Settings, ref: Reference) -> tuple[set[str], list[str]]:
    """Keys stored complete, and every wrong thing found in the stored queries and files."""
    complete, wrong = set(), []
    with Store.open(settings) as store:
        for found in store.list_queries():
            expected = ref.tables.get(found.key)
            if expected is None:
                wrong.append(f"query {found.key[:12]} is not one the work makes")
                continue
            try:
                difference = describe_difference(store.read_table(found), expected)
            except MastCacheError as exc:  # a stored entry that cannot be read is a finding
                difference = f"{type(exc).__name__}: {exc}"
            (wrong.append(f"query {found.key[:12]}: {difference}") if difference
             else complete.add(found.key))  # fmt: skip
    for uri, sha256 in stored_files(settings).items():
        if ref.files.get(uri) != sha256:
            wrong.append(f"file {uri}: sha256 {sha256[:12]} is not the emulator's")
    return complete, wrong


def crash_once(
    tmp_path: Path, server: EmulatorServer, zygote: Zygote, profile: CrashProfile, ref: Reference,
    run: int, spans: dict[str, float], bundle: Path, tally: Counter[str],
) -> list[str]:  # fmt: skip
    """One kill inside phase ``PHASES[run % 5]`` (at a seeded moment, or as a file write
    begins) and its checks; returns the failures."""
    folder = tmp_path / f"run-{run:03d}"
    folder.mkdir()
    settings = settings_for(folder / "cache", server, profile.pagesize)
    work = job(settings, profile, folder, bundle)
    worker = zygote.fork(work, folder, "ingest")
    worker.wait_ready()
    phase = PHASES[run % len(PHASES)]
    if phase in WRITES and (run // len(PHASES)) % 2 == 0:
        lines = kill_at_write(worker, phase, settings.cache_dir / WRITES[phase])
        tally["killed_at_a_write"] += 1
    else:
        lines = kill_in_phase(worker, phase, spans[phase], random.Random(SEED + run))
    tally[f"killed_in_{landed_in(lines)}"] += 1
    counts, failures = leftovers(settings, folder, ref)
    tally.update(counts)
    failures += cache_problems(settings)
    complete, wrong = stored_state(settings, ref)
    failures += wrong
    tally["complete_queries_found"] += len(complete)
    failures += rerun(settings, work | {"download_dir": str(folder / "rerun")}, ref, complete)
    return [f"run {run} ({phase}): {f}" for f in failures]


def rerun(
    settings: Settings, work: dict[str, Any], ref: Reference, complete: set[str]
) -> list[str]:
    """Run the same work again: it must finish, serve what was complete from the cache (nothing
    stored was lost), and leave a cache equal to the reference that verifies clean."""
    failures = []
    for phase, table in run_steps(settings, work):
        key, source = table.meta["mastcache"]["key"], table.meta["mastcache"]["source"]
        if table_digest(table) != ref.digests[key]:
            failures.append(f"rerun of {key[:12]} differs from the emulator's answer")
        if phase != "refresh" and key in complete and source != "cache":
            failures.append(f"rerun of {key[:12]} came from the {source}: the stored one was lost")
    if stored_files(settings) != ref.files:
        failures.append("after the rerun the stored files differ from the reference")
    complete_after, wrong = stored_state(settings, ref)
    failures += wrong + cache_problems(settings)
    if complete_after != set(ref.digests):
        failures.append(f"after the rerun {len(set(ref.digests) - complete_after)} queries miss")
    return failures


def campaign(
    tmp_path: Path, server: EmulatorServer, zygote: Zygote, profile: CrashProfile, name: str
) -> None:
    bundle = restore_bundle(tmp_path, server, profile)
    ref = reference(tmp_path, server, profile, bundle)
    spans = calibrate(tmp_path, server, profile, zygote, bundle)
    tally: Counter[str] = Counter()
    failures: list[str] = []
    for run in range(profile.runs):
        failures += crash_once(tmp_path, server, zygote, profile, ref, run, spans, bundle, tally)
    kills = profile.runs - tally["finished"]
    record(name, runs=profile.runs, kills=kills, failures=len(failures), **tally)
    spans_text = ", ".join(f"{p} {s:.2f}s" for p, s in spans.items())
    print(f"\n{name}: {profile.runs} runs, phases {spans_text}, {dict(tally)}")
    assert not failures, "\n".join(failures)
    uncovered = [p for p in PHASES if tally[f"killed_in_{p}"] == 0]
    assert not uncovered, f"no kill landed in {uncovered}: {dict(tally)}"
    assert kills >= profile.runs // 2, f"too few kills: {dict(tally)}"


@pytest.mark.heavy
@pytest.mark.parametrize("crash_emulator", [QUICK], indirect=True)
def test_sigkill_in_every_phase_leaves_complete_or_absent_results(
    tmp_path: Path, crash_emulator: EmulatorServer, zygote: Zygote
) -> None:
    campaign(tmp_path, crash_emulator, zygote, QUICK, "crash-quick")


@pytest.mark.slow
@pytest.mark.parametrize("crash_emulator", [SLOW], indirect=True)
def test_sigkill_campaign_slow_profile(
    tmp_path: Path, crash_emulator: EmulatorServer, zygote: Zygote
) -> None:
    campaign(tmp_path, crash_emulator, zygote, SLOW, "crash-slow")


def test_kills_are_tallied_by_the_phase_they_interrupted() -> None:
    assert landed_in(["ready"]) == "before-queries"
    assert landed_in(["ready", "phase queries", "query k"]) == "queries"
    assert landed_in(["ready", "phase queries", "end queries"]) == "after-queries"
    lines = ["ready", *[f"{e} {p}" for p in PHASES for e in ("phase", "end")]]
    assert landed_in([*lines[:-1]]) == "restore"
    assert landed_in([*lines, "done"]) == "finished"
