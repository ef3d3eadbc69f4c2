"""Warm cache hits through the client: 20 mixed calls, timed one by one.

Runs ``bench_client.mixed_calls`` through ``mastcache.Observations``/``Mast`` against the
emulator (50 ms latency) in a fresh cache directory: one cold pass fills the cache, then one
warm pass (timed whole, as bench_client.py times its warm repeat) and ``--repeat`` warm
passes timed per call. Prints the median and p95 per call, by wall clock and by CPU time
(which a busy machine disturbs less), the slowest calls, and how many requests reached the
emulator during the warm passes (should be 0: a call that touches the network costs at
least the latency).

Then the issue's 6-call mix (bench_issue19.six_calls) call by call (median CPU), and a
cached cone's hit with 100 and with 100,000 entries in the catalog (issue 19: the same cost),
both as a remembered record and right after another connection committed to the catalog
(the index then reads the row again by primary key).

    python benchmarks/bench_hits.py [--repeat 10] [--latency-ms 50] [--entries 100,100000]
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
from bench_issue19 import six_calls

from mastcache.emulator import start

SIX = ("cone", "object", "criteria", "count", "products", "resolve")


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


def six_call_cpu(repeat: int) -> dict[str, float]:
    """Median CPU seconds of each call of the issue's 6-call mix, warm."""
    import mastcache
    from mastcache.client import MastClass, ObservationsClass

    with tempfile.TemporaryDirectory() as cache_dir, start(latency_ms=0) as emulator:
        mastcache.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
        calls = six_calls(ObservationsClass(), MastClass())
        time_calls(calls + calls)
        passes = [time_calls(calls, time.process_time) for _ in range(max(repeat, 1) * 20)]
    medians = [statistics.median(times) for times in transpose(passes)]
    return dict(zip(SIX, medians, strict=True))


def catalog_size_hits(entries: int, repeat: int) -> tuple[float, float]:
    """(remembered, after a commit elsewhere): median CPU seconds of one cached cone's hit
    with ``entries`` rows in the catalog (the second without the commit's own CPU)."""
    import sqlite3

    from astropy.coordinates import SkyCoord

    import mastcache
    from mastcache.client import ObservationsClass

    m101 = SkyCoord(210.802429, 54.34875, unit="deg")
    with tempfile.TemporaryDirectory() as cache_dir, start(latency_ms=0) as emulator:
        mastcache.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
        obs = ObservationsClass()

        def hit() -> None:
            obs.query_region(m101, radius=0.05)

        time_calls([hit])
        other = sqlite3.connect(f"{cache_dir}/catalog.sqlite", isolation_level=None)
        rows = ((f"{i:064x}",) for i in range(entries - 1))
        other.executemany(_DUMMY_ROW, rows)

        def commit() -> None:
            other.execute("UPDATE queries SET nrows = 1 - nrows WHERE key = ?", ("0" * 64,))

        def commit_then_hit() -> None:
            commit()
            hit()

        times = max(repeat, 1) * 40
        remembered = time_calls([hit] * times, time.process_time)
        after_commit = time_calls([commit_then_hit] * times, time.process_time)
        commits = time_calls([commit] * times, time.process_time)
        other.close()
    fresh = statistics.median(after_commit) - statistics.median(commits)
    return statistics.median(remembered), fresh


_DUMMY_ROW = (
    "INSERT INTO queries (key, service, kind, params_json, scope, table_path, sha256, nbytes, "
    "nrows, fetched_at, expires_at) VALUES (?, 'S', 'observations', '{}', 'anonymous', "
    "'tables/x.parquet', '', 0, 0, '2026-01-01 00:00:00.000000', NULL)"
)


def report_more(repeat: int, entry_counts: list[int]) -> None:
    six = six_call_cpu(repeat)
    print("\nissue 19's 6-call mix, warm, median CPU per call:")
    print("  " + ", ".join(f"{name} {seconds * 1e3:.2f} ms" for name, seconds in six.items()))
    print(
        f"  whole mix {sum(six.values()) * 1e3:.2f} ms ({sum(six.values()) / 6 * 1e3:.2f} ms/call)"
    )
    print("\ncached cone hit, median CPU, by catalog size:")
    for entries in entry_counts:
        remembered, after_commit = catalog_size_hits(entries, repeat)
        print(
            f"  {entries:>9,} entries: {remembered * 1e3:.3f} ms remembered, "
            f"{after_commit * 1e3:.3f} ms right after a commit elsewhere"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--entries", default="100,100000", help="catalog sizes, comma-separated")
    args = parser.parse_args()
    report(measure(args.repeat, args.latency_ms), args.latency_ms)
    report_more(args.repeat, [int(n) for n in args.entries.split(",") if n])


if __name__ == "__main__":
    main()
