"""Warm cache hits through the client: 20 mixed calls, timed one by one.

Runs ``bench_client.mixed_calls`` through ``mastcache.Observations``/``Mast`` against the
emulator (50 ms latency) in a fresh cache directory: one cold pass fills the cache, then one
warm pass (timed whole, as bench_client.py times its warm repeat) and ``--repeat`` warm
passes timed per call. Prints the median and p95 per call, by wall clock and by CPU time
(which a busy machine disturbs less), the slowest calls, and how many requests reached the
emulator during the warm passes (should be 0: a call that touches the network costs at
least the latency).

    python benchmarks/bench_hits.py [--repeat 10] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench_client import mixed_calls

from mastcache.emulator import start


def time_calls(
    calls: list[Callable[[], Any]], clock: Callable[[], float] = time.perf_counter
) -> list[float]:
    """Seconds taken by each call, in order (wall clock unless told otherwise)."""
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for call in calls:
            begin = clock()
            call()
            seconds.append(clock() - begin)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Timings:
    cold: list[float]
    first_warm: list[float]  # the first repeat: what bench_client.py's warm ratio times
    per_call: list[list[float]]  # wall seconds of each call, over the later repeats
    cpu_per_call: list[list[float]]  # CPU seconds of the same (robust to a busy machine)
    reached: int  # requests that reached the emulator during the warm passes


def measure(repeat: int, latency_ms: int) -> Timings:
    import mastcache
    from mastcache.client import MastClass, ObservationsClass

    with tempfile.TemporaryDirectory() as cache_dir, start(latency_ms=latency_ms) as emulator:
        mastcache.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
        calls = mixed_calls(ObservationsClass(), MastClass())
        cold = time_calls(calls)
        emulator.requests.clear()
        first = time_calls(calls)
        wall = [time_calls(calls) for _ in range(repeat)]
        cpu = [time_calls(calls, time.process_time) for _ in range(repeat)]
        reached = len(emulator.requests.snapshot())
    return Timings(cold, first, transpose(wall), transpose(cpu), reached)


def transpose(passes: list[list[float]]) -> list[list[float]]:
    return [list(column) for column in zip(*passes, strict=True)]


def report(timings: Timings, latency_ms: int) -> None:
    wall = [seconds for times in timings.per_call for seconds in times]
    cpu = [seconds for times in timings.cpu_per_call for seconds in times]
    medians = [statistics.median(times) for times in timings.per_call]
    print(f"emulator latency {latency_ms} ms; {len(medians)} mixed calls")
    print(f"cold pass:                 {sum(timings.cold) * 1e3:9.1f} ms total")
    print(f"first warm pass:           {sum(timings.first_warm) * 1e3:9.1f} ms total")
    print(f"warm call, median:         {statistics.median(wall) * 1e3:9.2f} ms")
    print(f"warm call, p95:            {percentile(wall, 0.95) * 1e3:9.2f} ms")
    print(
        f"warm call CPU, median/p95: {statistics.median(cpu) * 1e3:9.2f} ms / "
        f"{percentile(cpu, 0.95) * 1e3:.2f} ms"
    )
    print(f"warm pass (20 calls):      {sum(medians) * 1e3:9.1f} ms (sum of medians)")
    print(f"requests during warm runs: {timings.reached:9d}")
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
    report(measure(args.repeat, args.latency_ms), args.latency_ms)


if __name__ == "__main__":
    main()
