"""Cloud downloads: 200 products from the emulator's S3 bucket (mastcache), from MAST's HTTPS
download service (mastcache), and through stock astroquery's cloud path (boto3, unsigned,
``AWS_ENDPOINT_URL`` at the emulator), in one run on one emulator.

Prints each side's cold time and throughput (the mastcache S3 side includes its path_lookup
and HEAD per product, as astroquery's does), the most requests the emulator saw in flight at
once (mastcache's per-host limit), and mastcache's offline replay of the cloud URIs and files.

Each side runs in its own process. Usage::

    python benchmarks/bench_cloud.py [--products 200] [--size-mb 1] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Any


def _products(obs: Any, count: int) -> Any:
    """The first ``count`` products of the emulator's HST observations (same on every side)."""
    found = obs.query_criteria(obs_collection="HST")
    table = obs.get_product_list(found[: count // 6 + 2])
    return table[:count]


def run_astroquery(url: str, folder: str, count: int) -> dict[str, float]:
    import astropy.config.configuration as configuration
    import astroquery

    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = url
    astroquery.cache_conf.cache_active = False
    from astroquery.mast import Observations, utils

    original = utils._simple_request  # path_lookup has a fixed https://mast.stsci.edu URL
    utils._simple_request = lambda target, params=None: original(
        target.replace("https://mast.stsci.edu", url), params
    )
    products = _products(Observations, count)
    Observations.enable_cloud_dataset(verbose=False)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        manifest = Observations.download_products(products, download_dir=folder, verbose=False)
    elapsed = time.perf_counter() - start
    assert set(manifest["Status"]) == {"COMPLETE"}, manifest
    return {"cold": elapsed}


def run_mastcache(url: str, folder: str, count: int, cloud: bool) -> dict[str, float]:
    import mastcache

    cache_dir = os.path.join(folder, "cache")
    mastcache.configure(mast_url=url, cache_dir=cache_dir, progress=False)
    from mastcache.client import ObservationsClass

    observations = ObservationsClass()
    if cloud:
        observations.enable_cloud_dataset(verbose=False)
    products = _products(observations, count)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    manifest = observations.download_products(products, download_dir=os.path.join(folder, "c"))
    timings["cold"] = time.perf_counter() - start
    assert manifest is not None and set(manifest["Status"]) == {"COMPLETE"}, manifest
    if cloud:
        start = time.perf_counter()
        uris = observations.get_cloud_uris(products, mode="offline")
        manifest = observations.download_products(
            products, download_dir=os.path.join(folder, "o"), mode="offline"
        )
        timings["offline"] = time.perf_counter() - start
        assert uris is not None and len(uris) == count and manifest is not None
    return timings


def _child(side: str, url: str, count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{side}-") as folder:
        command = [sys.executable, __file__, "--side", side, "--url", url, "--dir", folder]
        command += ["--products", str(count)]
        env = dict(os.environ, HTTP_PROXY=url, NO_PROXY="127.0.0.1,localhost")
        env.update(AWS_ENDPOINT_URL=url, AWS_EC2_METADATA_DISABLED="true")
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        if out.returncode != 0:
            raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
        result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--size-mb", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--side", choices=["astroquery", "mastcache-s3", "mastcache-https"])
    parser.add_argument("--url")
    parser.add_argument("--dir")
    args = parser.parse_args()
    if args.side == "astroquery":
        print(json.dumps(run_astroquery(args.url, args.dir, args.products)))
    elif args.side:
        cloud = args.side == "mastcache-s3"
        print(json.dumps(run_mastcache(args.url, args.dir, args.products, cloud)))
    else:
        _compare(args.products, int(args.size_mb * 1_000_000), args.latency_ms)


def _compare(count: int, size: int, latency_ms: int) -> None:
    from mastcache.emulator import start

    results: dict[str, tuple[dict[str, float], int, int]] = {}
    with start("127.0.0.1", 0, latency_ms=latency_ms, product_bytes=size) as server:
        for side in ("mastcache-s3", "mastcache-https", "astroquery"):
            server.requests.clear()
            timings = _child(side, server.url, count)
            bucket = len(server.requests.matching("/stpubdata/", "GET"))
            results[side] = (timings, server.requests.peak_in_flight, bucket)
    megabytes = count * size / 1e6
    print(f"{count} products x {size / 1e6:.1f} MB, emulator latency {latency_ms} ms, "
          f"CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for side, (timings, peak, bucket) in results.items():
        seconds = timings["cold"]
        print(f"  {side:<16} cold {seconds:7.2f} s {megabytes / seconds:7.1f} MB/s  "
              f"S3 GETs {bucket:4d}  peak in flight {peak}")  # fmt: skip
    s3, https, theirs = (
        results[s][0]["cold"] for s in ("mastcache-s3", "mastcache-https", "astroquery")
    )
    print(f"  ratio astroquery-cloud / mastcache-s3: {theirs / s3:.1f}; "
          f"mastcache https / s3: {https / s3:.2f}")  # fmt: skip
    print(f"  mastcache offline replay (cloud URIs + files): "
          f"{results['mastcache-s3'][0]['offline']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
