"""Concurrency: several processes make mixed, overlapping calls on one cache dir (reads during
writes, refreshes replacing results) while another prunes it; no error may reach the user, no
entry may be duplicated or lost, and every result must equal the emulator's answer.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table
from reliability.harness import ForkedWorker, Zygote, cache_problems, client_for, record
from reliability.rel_worker import perform
from reliability.tabledigest import table_digest

from mastcache.archive import Archive, QuerySpec
from mastcache.emulator import EmulatorServer
from mastcache.errors import CorruptEntryError
from mastcache.maintenance import verify_cache
from mastcache.settings import Settings
from mastcache.store import Store

CALL_FIELDS = ("op", "position", "radius", "collection")


def start_workers(
    zygote: Zygote, settings: Settings, folder: Path, processes: int, calls: int
) -> tuple[list[ForkedWorker], ForkedWorker]:
    base = {"cache_dir": str(settings.cache_dir), "mast_url": settings.mast_url}
    pruner = zygote.fork(
        base | {"action": "prune", "stop_file": str(folder / "stop"), "max_bytes": 150_000},
        folder,
        "pruner",
    )
    workers = [
        zygote.fork(base | {"action": "mixed", "seed": 7000 + n, "calls": calls}, folder, f"w{n}")
        for n in range(processes)
    ]
    return workers, pruner


def expected_digests(settings: Settings, calls: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    """The emulator's answer to each distinct call, through a cache nobody else touches."""
    distinct = {tuple(c[f] for f in CALL_FIELDS) for c in calls}
    with client_for(settings) as client:
        return {
            call: table_digest(perform(client, dict(zip(CALL_FIELDS, call, strict=True))))
            for call in sorted(distinct, key=repr)
        }


def lost_keys(settings: Settings, calls: list[dict[str, Any]], pruned: set[str]) -> set[str]:
    """Keys some process stored that are neither in the catalog nor removed by the pruner."""
    stored = {c["key"] for c in calls if c.get("source") == "network"}
    with Store.open(settings) as store:
        kept = {record.key for record in store.list_queries()}
    return stored - kept - pruned


def run_concurrency(
    tmp_path: Path, server: EmulatorServer, zygote: Zygote, processes: int, calls: int, name: str
) -> None:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache", mast_url=server.url)
    workers, pruner = start_workers(zygote, settings, tmp_path, processes, calls)
    for worker in workers:
        worker.finish(timeout=900)
    results = [r for worker in workers for r in worker.records()]
    (tmp_path / "stop").touch()
    pruner.finish(timeout=120)
    prunes = pruner.records()
    errors = [r["error"] for r in results + prunes if "error" in r]
    done = [r for r in results if "error" not in r]
    expected = expected_digests(
        Settings.from_env({}, cache_dir=tmp_path / "ref", mast_url=server.url), done
    )
    wrong = [r for r in done if r["digest"] != expected[tuple(r[f] for f in CALL_FIELDS)]]
    pruned = {key for p in prunes for key in p.get("pruned", ())}
    lost = lost_keys(settings, done, pruned)
    problems = cache_problems(settings)
    sources = Counter(r["source"] for r in done)
    record(name, processes=processes, calls=len(results), errors=len(errors), wrong=len(wrong),
           lost=len(lost), prunes=len(prunes), pruned_entries=len(pruned),
           failures=len(errors) + len(wrong) + len(lost) + len(problems), **sources)  # fmt: skip
    print(f"\n{name}: {len(results)} calls, {dict(sources)}, {len(prunes)} prunes")
    assert not errors, f"{len(errors)} errors reached the user, e.g. {errors[:3]}"
    assert not wrong, f"{len(wrong)} results differ from the emulator's, e.g. {wrong[:2]}"
    assert not lost, f"stored entries lost without a prune: {sorted(lost)[:3]}"
    assert not problems, problems


@pytest.mark.heavy
def test_four_processes_and_a_pruner_share_one_cache(
    tmp_path: Path, emulator: EmulatorServer, zygote: Zygote
) -> None:
    run_concurrency(tmp_path, emulator, zygote, processes=4, calls=40, name="concurrency-quick")


@pytest.mark.slow
def test_eight_processes_two_hundred_calls_and_a_pruner(
    tmp_path: Path, emulator: EmulatorServer, zygote: Zygote
) -> None:
    run_concurrency(tmp_path, emulator, zygote, processes=8, calls=200, name="concurrency-slow")


def small_table() -> Table:
    return Table({"obsid": np.arange(50, dtype=np.int64), "s_ra": np.linspace(0.0, 1.0, 50)})


def test_a_result_pruned_just_after_it_is_stored_still_reaches_the_caller(
    tmp_path: Path, zygote: Zygote
) -> None:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache", mast_url="http://127.0.0.1:9")
    spec = QuerySpec(service="Mast.Caom.Cone", params={"ra": 1.0, "dec": 2.0, "radius": 0.1},
                     kind="observations", scope="anonymous")  # fmt: skip
    job = {"action": "evict", "key": spec.key, "cache_dir": str(settings.cache_dir),
           "mast_url": settings.mast_url, "stop_file": str(tmp_path / "stop")}  # fmt: skip
    evictor = zygote.fork(job, tmp_path, "evictor")
    evictor.wait_ready()
    failures = 0
    try:
        with Archive.from_settings(settings) as archive:
            for _ in range(300):
                try:
                    archive.table(spec, small_table, mode="refresh")
                except (CorruptEntryError, OSError):  # OSError: store.py's race, reported
                    failures += 1
    finally:
        (tmp_path / "stop").touch()
        evictor.finish(timeout=60)
    record("concurrency-evict-race", calls=300, failures=failures)
    assert failures == 0, f"{failures} of 300 refreshes raised CorruptEntryError"


def test_a_prune_between_write_and_commit_leaves_no_row_without_its_file(tmp_path: Path) -> None:
    """The two steps of put_query, with another process's delete_query between them."""
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    params = {"ra": 1.0, "dec": 2.0, "radius": 0.1}
    now = datetime.now(timezone.utc)
    with Store.open(settings) as writer, Store.open(settings) as pruner:
        first = writer.put_query(
            "k" * 64, service="Mast.Caom.Cone", kind="observations", params=params,
            scope="anonymous", table=small_table(), fetched_at=now, expires_at=None,
        )  # fmt: skip
        provenance = {
            "key": first.key,
            "service": first.service,
            "kind": first.kind,
            "scope": first.scope,
        }  # fmt: skip  (what put_query writes: same bytes)
        path, sha256, nbytes = writer.write_table_file(first.key, small_table(), provenance)
        pruner.delete_query(first.key)
        writer.commit_query(replace(first, table_path=path, sha256=sha256, nbytes=nbytes))
    problems = verify_cache(settings)
    assert not problems, f"the committed row points at a removed file: {problems}"


def test_threads_creating_catalogs_at_once_all_succeed(tmp_path: Path) -> None:
    """Alembic keeps its context in module globals: creation must be serialised per process."""

    def create(index: int) -> str:
        with Store.open(Settings.from_env({}, cache_dir=tmp_path / f"cache-{index}")) as store:
            return store.schema_revision

    with ThreadPoolExecutor(8) as pool:
        revisions = set(pool.map(create, range(24)))
    record("concurrency-catalog-threads", catalogs=24, failures=0)
    assert len(revisions) == 1
