"""Warm cache hits through the client: 20 mixed calls, timed one by one.

Runs ``bench_client.mixed_calls`` through ``mastcache.Observations``/``Mast`` against the
emulator (50 ms latency) in a fresh cache directory: one cold pass fills the cache, then
``--repeat`` warm passes are timed per call. Prints the median and p95 per call, the
slowest calls, and how many requests reached the emulator during the warm passes (should be
0: a warm call that touches the network costs at least the latency).

    python benchmarks/bench_hits.py [--repeat 10] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

from bench_client import mixed_calls

from mastcache.emulator import start


def time_calls(calls: list[Callable[[], Any]]) -> list[float]:
    """Seconds taken by each call, in order."""
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            begin = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - begin)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(repeat: int, latency_ms: int) -> tuple[list[float], list[list[float]], int]:
    """Cold pass times, warm times per call (``repeat`` each), requests seen while warm."""
    import mastcache
    from mastcache.client import MastClass, ObservationsClass

    with tempfile.TemporaryDirectory() as cache_dir, start(latency_ms=latency_ms) as emulator:
        mastcache.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
        calls = mixed_calls(ObservationsClass(), MastClass())
        cold = time_calls(calls)
        emulator.requests.clear()
        warm = [time_calls(calls) for _ in range(repeat)]
        reached = len(emulator.requests.snapshot())
    per_call = [list(column) for column in zip(*warm, strict=True)]
    return cold, per_call, reached


def report(cold: list[float], per_call: list[list[float]], reached: int, latency_ms: int) -> None:
    everything = [seconds for times in per_call for seconds in times]
    medians = [statistics.median(times) for times in per_call]
    print(f"emulator latency {latency_ms} ms; {len(per_call)} mixed calls")
    print(f"cold pass:                 {sum(cold) * 1e3:9.1f} ms total")
    print(f"warm call, median:         {statistics.median(everything) * 1e3:9.2f} ms")
    print(f"warm call, p95:            {percentile(everything, 0.95) * 1e3:9.2f} ms")
    print(f"warm pass (20 calls):      {sum(medians) * 1e3:9.1f} ms (sum of medians)")
    print(f"requests during warm runs: {reached:9d}")
    slowest = sorted(range(len(medians)), key=medians.__getitem__, reverse=True)[:3]
    print(
        "slowest calls (index: median):",
        ", ".join(f"{i}: {medians[i] * 1e3:.1f} ms" for i in slowest),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=50)
    args = parser.parse_args()
    report(*measure(args.repeat, args.latency_ms), args.latency_ms)


if __name__ == "__main__":
    main()
