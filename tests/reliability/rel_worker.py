"""A child process for the reliability suite: it works on one cache dir until done or killed.

usage: rel_worker.py JOB_JSON   (JOB_JSON is a path to a job file written by the test)
       rel_worker.py --zygote   (import everything once, then fork one child per job path
                                 read from stdin; print ``pid N`` for each; the child writes
                                 its lines to JOB_JSON.out and its errors to JOB_JSON.err)

- ``ingest``: the crash campaign's phases (:func:`crash_steps`: small queries, paginated
  cones, a refresh of a stored key, downloads, a snapshot restore); prints ``ready``, then
  ``phase X`` / ``end X`` around each phase and ``query KEY`` per stored query, then ``done``
  (the crash tests SIGKILL it in between).
- ``mixed``: ``calls`` seeded calls over a small pool of overlapping queries and modes; one
  JSON line per call with the result's key, digest and source, or the error it raised.
- ``evict``: deletes one query's entry in a loop until a stop file appears.
- ``fault-cells``: runs fault-matrix cells one after another, one JSON outcome per cell.
- ``prune``: prunes the cache (a byte budget, then expired entries) until a stop file appears;
  one JSON line per prune with the keys it removed, or the error it raised.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.errors import InputWarning

if not __package__:  # run as a script: the tests folder makes ``reliability`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reliability.tabledigest import table_digest

WARM_MODULES = (
    "mastcache.archive", "mastcache.gateways.portal", "mastcache.net.httpcache",
    "mastcache.maintenance", "mastcache.mast.columns", "mastcache.mast.portal", "mastcache.policy",
    "mastcache.products", "mastcache.store", "mastcache.net.transport", "pyarrow.parquet",
    "requests_cache", "sqlalchemy", "boto3", "mastcache.snapshot",
)  # fmt: skip
POOL_POSITIONS = ("10.68 41.27", "83.82 -5.39", "201.37 -43.02", "148.97 69.68", "0.5 0.5")


def emit(payload: Any) -> None:
    print(json.dumps(payload) if not isinstance(payload, str) else payload, flush=True)


def configure(job: dict[str, Any]) -> ObservationsClass:
    warnings.simplefilter("ignore", InputWarning)
    runtime.configure(
        cache_dir=job["cache_dir"], mast_url=job["mast_url"], pagesize=job.get("pagesize", 50000)
    )
    return ObservationsClass()


#: The crash campaign's phases, in the order a worker runs them (tests/reliability/test_crash.py).
PHASES = ("queries", "ingest", "refresh", "downloads", "restore")


def crash_steps(
    client: ObservationsClass, job: dict[str, Any], emit: Callable[[Any], None]
) -> list[tuple[str, Any]]:
    """The crash campaign's work, phase by phase; ``emit`` gets ``phase X`` / ``end X`` around
    each and ``query KEY`` after each stored query. Returns ``(phase, table)`` per query.

    - queries: small criteria queries and a name resolution (a few pages each);
    - ingest: large paginated cones (emulator ``rows``, small ``pagesize``);
    - refresh: the first cone again in ``refresh`` mode, rewriting a stored key;
    - downloads: science products of the first cone's first observation;
    - restore: a snapshot bundle (other keys) restored into the cache.
    """
    from mastcache import snapshot

    tables: list[tuple[str, Any]] = []

    def stored(phase: str, table: Any) -> None:
        tables.append((phase, table))
        emit(f"query {table.meta['mastcache']['key']}")

    emit("phase queries")
    for collection in job["collections"]:
        stored("queries", client.query_criteria(obs_collection=collection))
    client.resolve_object(job["name"])
    emit("end queries")
    emit("phase ingest")
    cones = [(f"{ra} {dec}", radius) for ra, dec, radius in job["queries"]]
    for position, radius in cones:
        stored("ingest", client.query_region(position, radius=radius))
    emit("end ingest")
    emit("phase refresh")
    first = client.query_region(cones[0][0], radius=cones[0][1], mode="refresh")
    stored("refresh", first)
    emit("end refresh")
    emit("phase downloads")
    products = client.get_product_list(first[: job["observations"]])
    science = products[products["productType"] == "SCIENCE"][: job["downloads"]]
    manifest = client.download_products(science, download_dir=job["download_dir"], verbose=False)
    if manifest is None or set(manifest["Status"]) != {"COMPLETE"}:
        raise RuntimeError(f"downloads did not complete: {manifest}")
    emit("end downloads")
    emit("phase restore")
    snapshot.restore(job["restore_bundle"])
    emit("end restore")
    return tables


def ingest(client: ObservationsClass, job: dict[str, Any]) -> None:
    emit("ready")
    crash_steps(client, job, emit)
    emit("done")


def one_call(client: ObservationsClass, rng: random.Random) -> dict[str, Any]:
    """One seeded call: a cone (cache-first or refresh), criteria, or a product list."""
    call = {
        "op": rng.choice(("cone", "cone", "cone", "refresh", "criteria", "products")),
        "position": rng.choice(POOL_POSITIONS),
        "radius": rng.choice((0.05, 0.1, 0.2)),
        "collection": rng.choice(("HST", "TESS", "JWST")),
    }
    table = perform(client, call)
    meta = table.meta.get("mastcache", {})
    return call | {
        "key": meta.get("key"),
        "source": meta.get("source"),
        "digest": table_digest(table),
    }


def perform(client: ObservationsClass, call: dict[str, Any]) -> Any:
    """Make ``call`` (also used by the test process to compute the expected answers)."""
    position, radius = call["position"], call["radius"]
    if call["op"] == "refresh":
        return client.query_region(position, radius=radius, mode="refresh")
    if call["op"] == "criteria":
        return client.query_criteria(obs_collection=call["collection"])
    if call["op"] == "products":  # of a cone that has observations (an empty one is an error)
        cone = client.query_region(POOL_POSITIONS[call["radius"] > 0.1], radius=radius)
        return client.get_product_list(cone[:2])
    return client.query_region(position, radius=radius)


def mixed(client: ObservationsClass, job: dict[str, Any]) -> None:
    rng = random.Random(job["seed"])
    emit("ready")
    for index in range(job["calls"]):
        try:
            emit(one_call(client, rng) | {"index": index})
        except Exception as exc:  # every error reaching the user is a finding: report it
            where = traceback.format_exc(limit=-6)
            emit({"index": index, "error": f"{type(exc).__name__}: {exc}", "where": where})
    emit("done")


def prune(job: dict[str, Any]) -> None:
    from mastcache.maintenance import prune_cache

    settings = runtime.current_settings()
    stop = Path(job["stop_file"])
    emit("ready")
    rounds = 0
    while not stop.exists():
        budget = job["max_bytes"] if rounds % 2 == 0 else None
        try:
            report = prune_cache(settings, expired=True, max_bytes=budget, wait=60.0)
            emit({"pruned": report.queries, "files": report.files})
        except Exception as exc:  # every error is a finding: report it
            emit({"error": f"{type(exc).__name__}: {exc}"})
        rounds += 1
        time.sleep(job.get("pause", 0.05))
    emit("done")


def serve_forks() -> None:
    """Fork a worker per job path on stdin: each starts in milliseconds, already imported."""
    for name in WARM_MODULES:  # what a job imports lazily, so children start at once
        importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    emit("zygote-ready")
    for line in iter(sys.stdin.readline, ""):
        pid = os.fork()
        if pid == 0:
            run_child(line.strip())
        emit(f"pid {pid}")


def run_child(job_path: str) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    with open(job_path + ".out", "w") as out, open(job_path + ".err", "w") as err:
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
    os.close(0)
    code = 1
    try:
        code = main(job_path)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def evict(job: dict[str, Any]) -> None:
    """Delete one query's entry over and over, as a prune racing a writer would."""
    from mastcache.store import Store

    stop = Path(job["stop_file"])
    with Store.open(runtime.current_settings()) as store:
        emit("ready")
        while not stop.exists():
            store.delete_query(job["key"])
    emit("done")


def fault_cells(job: dict[str, Any]) -> None:
    """Fault-matrix cells, in turn; one JSON outcome per cell (reliability/faultcells.py)."""
    from reliability.faultcells import run_cells

    for outcome in run_cells(job["cells"], job["expected"], Path(job["root"]), job["retry_after"]):
        emit(outcome.as_json())
    emit("done")


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text())
    if job["action"] == "fault-cells":  # each cell configures its own cache and emulator
        fault_cells(job)
        return 0
    client = configure(job)
    if job["action"] == "ingest":
        ingest(client, job)
    elif job["action"] == "mixed":
        mixed(client, job)
    elif job["action"] == "prune":
        prune(job)
    elif job["action"] == "evict":
        evict(job)
    else:
        raise SystemExit(f"unknown action {job['action']!r}")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--zygote"]:
        serve_forks()
    else:
        sys.exit(main(*sys.argv[1:]))
