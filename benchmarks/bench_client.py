"""Stock astroquery.mast versus mastcache on the same emulator with 50 ms latency.

Prints two ratios (astroquery time / mastcache time):

* cold: one 100,000-row cone, nothing cached (goal: at least 2, from parallel pages);
* warm: a repeat of 20 mixed calls that were made once before (goal: at least 100).

Each side runs in its own process (astroquery fixes its server URL at import); the parent
runs the emulators and prints the table. Usage::

    python benchmarks/bench_client.py [--rows 100000] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

CONE = (210.802429, 54.34875, 0.2)  # M101, degrees
#: mastcache's paging for the cold cone: 10 pages, 8 in flight.
MASTCACHE_PAGING = {"pagesize": 10_000, "max_parallel": 8}


# -- the workload (the same calls through either client) ------------------------------------


def mixed_calls(obs: Any, mast: Any) -> list[Callable[[], Any]]:
    """Twenty calls a notebook makes: cones, names, criteria, counts, products, metadata."""
    from astropy.coordinates import SkyCoord

    m31 = SkyCoord(10.684708, 41.26875, unit="deg")
    crab_obsids = ["4003594", "4003596", "4003598"]
    return [
        lambda: obs.query_region(m31, radius=0.1),
        lambda: obs.query_region(m31, radius=0.2),
        lambda: obs.query_region("210.802429 54.34875", radius=0.05),
        lambda: obs.query_object("M101", radius=0.1),
        lambda: obs.query_object("M31", radius=0.05),
        lambda: obs.query_object("M1", radius=0.1),
        lambda: obs.query_criteria(obs_collection=["HST", "GALEX"]),
        lambda: obs.query_criteria(s_dec=[40, 60], dataproduct_type="image"),
        lambda: obs.query_criteria(target_name="M*", obs_collection="HST"),
        lambda: obs.query_criteria(objectname="M101", radius=0.2, obs_collection="HST"),
        lambda: obs.query_region_count(m31, radius=0.2),
        lambda: obs.query_object_count("M101", radius=0.2),
        lambda: obs.query_criteria_count(obs_collection="TESS"),
        lambda: obs.get_product_list(obs.query_object("M101", radius=0.02)[:3]),
        lambda: obs.get_product_list(crab_obsids),
        lambda: obs.get_metadata("observations"),
        lambda: obs.list_missions(),
        lambda: mast.resolve_object(["M31", "M101"]),
        lambda: mast.resolve_object("M1", resolve_all=True),
        lambda: mast.service_request("Mast.Caom.Cone", {"ra": 83.63, "dec": 22.01, "radius": 0.1}),
    ]


def timed(calls: list[Callable[[], Any]]) -> float:
    import warnings

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            call()
    return time.perf_counter() - start


# -- worker processes ------------------------------------------------------------------------


def astroquery_clients(url: str) -> tuple[Any, Any]:
    """Stock astroquery.mast aimed at ``url`` (must run before astroquery.mast is imported)."""
    import astropy.config.configuration as configuration
    import astroquery

    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = url
    astroquery.cache_conf.cache_active = False
    from astroquery.mast import Mast, Observations

    return Observations, Mast


def mastcache_clients(url: str, cache_dir: str) -> tuple[Any, Any]:
    import mastcache
    from mastcache.client import MastClass, ObservationsClass

    mastcache.configure(mast_url=url, cache_dir=cache_dir, mode="cache-first", **MASTCACHE_PAGING)
    return ObservationsClass(), MastClass()


def worker(side: str, task: str, url: str, cache_dir: str) -> dict[str, float]:
    """Run one task in this process and return its timings in seconds."""
    obs, mast = (
        astroquery_clients(url) if side == "astroquery" else mastcache_clients(url, cache_dir)
    )
    if task == "cold":
        ra, dec, radius = CONE
        return {"cold": timed([lambda: obs.query_region(f"{ra} {dec}", radius=radius)])}
    first = timed(mixed_calls(obs, mast))
    return {"mix_first": first, "mix_repeat": timed(mixed_calls(obs, mast))}


def run_worker(side: str, task: str, url: str, cache_dir: str) -> dict[str, float]:
    env = dict(os.environ, HTTP_PROXY=url, http_proxy=url, NO_PROXY="127.0.0.1,localhost")
    env["no_proxy"] = env["NO_PROXY"]
    command = [sys.executable, __file__, "--worker", side, task, url, cache_dir]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} {task} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- the parent: emulators, runs, report -----------------------------------------------------


def measure(rows: int, latency_ms: int) -> dict[str, dict[str, float]]:
    from mastcache.emulator import start

    results: dict[str, dict[str, float]] = {"astroquery": {}, "mastcache": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for side in results:
            cache_dir = os.path.join(tmp, side)
            with start("127.0.0.1", 0, latency_ms=latency_ms, rows=rows) as big:
                results[side].update(run_worker(side, "cold", big.url, cache_dir))
            with start("127.0.0.1", 0, latency_ms=latency_ms) as sky:
                results[side].update(run_worker(side, "mix", sky.url, cache_dir))
    return results


def report(results: dict[str, dict[str, float]], rows: int, latency_ms: int) -> None:
    aq, mc = results["astroquery"], results["mastcache"]
    print(f"emulator latency {latency_ms} ms; mastcache paging {MASTCACHE_PAGING}")
    print(f"{'':34}{'astroquery':>12}{'mastcache':>12}{'ratio':>9}  goal")
    lines = [
        (f"cold cone, {rows:,} rows", "cold", 2),
        ("20 mixed calls, first run", "mix_first", None),
        ("20 mixed calls, repeated (warm)", "mix_repeat", 100),
    ]
    for label, key, goal in lines:
        ratio = aq[key] / mc[key]
        target = f">= {goal}" if goal else ""
        print(f"{label:34}{aq[key]:>11.3f}s{mc[key]:>11.3f}s{ratio:>8.1f}x  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--worker", nargs=4, metavar=("SIDE", "TASK", "URL", "CACHE"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return
    report(measure(args.rows, args.latency_ms), args.rows, args.latency_ms)


if __name__ == "__main__":
    main()
