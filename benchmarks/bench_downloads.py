"""Product downloads: stock astroquery.mast versus mastcache on one emulator with 50 ms
latency, 200 products of 2 MB each.

Prints each side's time and throughput for the cold download, the ratio (astroquery time /
mastcache time; goal at least 3, from parallel, single-request downloads), and the time
mastcache takes to serve all 200 again from its store (hard links, no network).

Each side runs in its own process (astroquery fixes its server URL at import); the parent
runs the emulator. Usage::

    python benchmarks/bench_downloads.py [--products 200] [--size-mb 2] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from typing import Any


def _products(obs: Any, count: int) -> Any:
    """The first ``count`` products of the emulator's HST observations (same on both sides)."""
    found = obs.query_criteria(obs_collection="HST")
    table = obs.get_product_list(found[: count // 6 + 2])
    return table[:count]


def run_astroquery(url: str, folder: str, count: int, parallel: int) -> dict[str, float]:
    import astropy.config.configuration as configuration
    import astroquery

    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = url
    astroquery.cache_conf.cache_active = False
    from astroquery.mast import Observations

    products = _products(Observations, count)
    start = time.perf_counter()
    manifest = Observations.download_products(products, download_dir=folder, verbose=False)
    elapsed = time.perf_counter() - start
    assert set(manifest["Status"]) == {"COMPLETE"}, manifest
    return {"cold": elapsed}


def run_mastcache(url: str, folder: str, count: int, parallel: int) -> dict[str, float]:
    import mastcache

    cache_dir = os.path.join(folder, "cache")
    mastcache.configure(mast_url=url, cache_dir=cache_dir, progress=False, max_parallel=parallel)
    from mastcache.client import Observations

    products = _products(Observations, count)
    timings: dict[str, float] = {}
    for label, target, mode in (
        ("cold", "cold", None),
        ("again", "again", None),
        ("offline", "offline", "offline"),
    ):
        start = time.perf_counter()
        manifest = Observations.download_products(
            products, download_dir=os.path.join(folder, target), mode=mode
        )
        timings[label] = time.perf_counter() - start
        assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}, manifest
    return timings


def _child(side: str, url: str, count: int, parallel: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{side}-") as folder:
        command = [sys.executable, __file__, "--side", side, "--url", url, "--dir", folder]
        command += ["--products", str(count), "--parallel", str(parallel)]
        env = dict(os.environ, HTTP_PROXY=url, NO_PROXY="127.0.0.1,localhost")
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--size-mb", type=float, default=2.0)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--parallel", type=int, default=4, help="mastcache's max_parallel")
    parser.add_argument("--side", choices=["astroquery", "mastcache"])
    parser.add_argument("--url")
    parser.add_argument("--dir")
    args = parser.parse_args()
    if args.side:
        run = run_astroquery if args.side == "astroquery" else run_mastcache
        print(json.dumps(run(args.url, args.dir, args.products, args.parallel)))
        return
    _compare(args.products, int(args.size_mb * 1_000_000), args.latency_ms, args.parallel)


def _compare(count: int, size: int, latency_ms: int, parallel: int) -> None:
    from mastcache.emulator import start

    with start("127.0.0.1", 0, latency_ms=latency_ms, product_bytes=size) as server:
        ours = _child("mastcache", server.url, count, parallel)
        theirs = _child("astroquery", server.url, count, parallel)
    megabytes = count * size / 1e6
    print(f"{count} products x {size / 1e6:.1f} MB, emulator latency {latency_ms} ms, "
          f"mastcache max_parallel {parallel}, CPUs {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name, seconds in (("astroquery", theirs["cold"]), ("mastcache", ours["cold"])):
        print(f"  {name:<11} cold  {seconds:7.2f} s  {megabytes / seconds:7.1f} MB/s")
    print(f"  ratio (astroquery / mastcache): {theirs['cold'] / ours['cold']:.1f}  (goal >= 3)")
    print(f"  mastcache served again from the store: {ours['again']:.2f} s; "
          f"offline: {ours['offline']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
