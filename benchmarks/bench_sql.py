"""How fast SQL over the cache is: view set-up, queries, set-up scaling, and the CLI.

Writes ``--queries`` cached observation results of ``--rows`` rows each through the real
Store (overlapping obsids, so the ``observations`` view has duplicates to remove), then
times ``mastcache.sql.connect`` (building every view) and queries over the views. It also
times the view set-up for 100 small cached queries. Prints the numbers; asserts nothing.

``--scaling``: ``connect`` + ``SELECT count(*) FROM queries`` over caches of 100, 1,000 and
10,000 cached queries (bench_issue19's clones of one real cached cone), best of
``--repeat`` in one process after a warm-up, and the first session of a fresh process;
the goal (issue 19) is 10,000 <= 2x 100. ``--cli``: ``mastcache sql`` and ``cache stats``
against ``python -c "import duckdb"`` (best of ``--repeat`` fresh processes, interleaved;
goal <= 1.3x).

    python benchmarks/bench_sql.py [--queries 20] [--rows 50000] [--repeat 5]
    python benchmarks/bench_sql.py --scaling --cli [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from astropy.table import Table

from mastcache.settings import Settings
from mastcache.sqlview import CacheSQL, connect
from mastcache.store import Store

COLLECTIONS = np.array(["HST", "JWST", "TESS", "GALEX", "SWIFT", "PS1", "HLSP", "K2"])
QUERIES = {
    "GROUP BY over observations": (
        "SELECT obs_collection, count(*) AS n, avg(t_exptime) AS mean_exptime "
        "FROM observations GROUP BY obs_collection ORDER BY n DESC"
    ),
    "count(*) over observations": "SELECT count(*) FROM observations",
    "one obsid from observations": "SELECT * FROM observations WHERE obsid = 123457",
    "GROUP BY over one q_ view": "SELECT obs_collection, count(*) FROM {q} GROUP BY 1",
}


def observations(rng: np.random.Generator, first_obsid: int, rows: int) -> Table:
    """A CAOM-like result of ``rows`` rows starting at ``first_obsid``."""
    table = Table()
    table["obsid"] = np.arange(first_obsid, first_obsid + rows, dtype=np.int64)
    table["obs_collection"] = rng.choice(COLLECTIONS, rows)
    table["instrument_name"] = rng.choice(np.array(["WFC3/IR", "NIRCAM", "ACS/WFC", "COS"]), rows)
    table["target_name"] = np.char.add("TARGET-", (table["obsid"] % 5000).astype(str))
    table["s_ra"], table["s_dec"] = rng.uniform(0, 360, rows), rng.uniform(-90, 90, rows)
    table["t_exptime"] = rng.exponential(500.0, rows)
    table["t_exptime"].unit = "s"
    table["calib_level"] = rng.integers(0, 4, rows)
    table["dataURL"] = np.char.add("mast:HST/product/", table["obsid"].astype(str))
    return table


def fill(settings: Settings, queries: int, rows: int) -> None:
    rng = np.random.default_rng(7)
    now = datetime.now(timezone.utc)
    with Store.open(settings) as store:
        for i in range(queries):
            store.put_query(
                f"{i:04d}".ljust(64, "0"),
                service="Mast.Caom.Cone",
                kind="observations",
                params={"ra": float(i), "dec": 0.0, "radius": 0.2},
                scope="anonymous",
                # each result overlaps the next by 20%: duplicates for the view to remove
                table=observations(rng, i * int(rows * 0.8), rows),
                fetched_at=now - timedelta(minutes=i),
                expires_at=None,
            )


def best_of(repeat: int, action: Callable[[], object]) -> tuple[float, float]:
    """(best, median) seconds of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def report(label: str, timing: tuple[float, float]) -> None:
    print(f"  {label:<34} best {timing[0] * 1000:8.1f} ms   median {timing[1] * 1000:8.1f} ms")


def bench_queries(settings: Settings, repeat: int) -> None:
    with connect(settings) as session:
        total = session.arrow("SELECT count(*) AS n FROM observations").column("n")[0].as_py()
        cached = session.arrow("SELECT sum(nrows) AS n FROM queries").column("n")[0].as_py()
        print(f"  {cached:,} cached rows, {total:,} distinct observations")
        q_view = next(name for name in session.views if name.startswith("q_"))
        for label, query in QUERIES.items():
            report(label, best_of(repeat, _runner(session, query.format(q=q_view))))


def _runner(session: CacheSQL, query: str) -> Callable[[], object]:
    return lambda: session.arrow(query)


def bench_setup(settings: Settings, repeat: int, label: str) -> None:
    report(f"view set-up ({label})", best_of(repeat, lambda: connect(settings).close()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scaling", action="store_true", help="set-up at 100/1k/10k queries")
    parser.add_argument("--cli", action="store_true", help="CLI sql, cache stats / duckdb")
    args = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs, load average {load} (other work on the machine slows every number)"
    )
    with tempfile.TemporaryDirectory(prefix="mastcache-bench-sql-") as root:
        if args.scaling or args.cli:
            from bench_sql_scaling import cli_ratios, setup_scaling

            caches = setup_scaling(Path(root), args.repeat) if args.scaling else {}
            if args.cli:
                cli_ratios(Path(root), args.repeat, caches)
            return
        big = Settings.from_env({}, cache_dir=Path(root, "big"))
        start = time.perf_counter()
        fill(big, args.queries, args.rows)
        print(
            f"wrote {args.queries} x {args.rows:,} rows through the Store in "
            f"{time.perf_counter() - start:.1f} s"
        )
        bench_setup(big, args.repeat, f"{args.queries} queries")
        bench_queries(big, args.repeat)
        many = Settings.from_env({}, cache_dir=Path(root, "many"))
        fill(many, 100, 200)
        bench_setup(many, args.repeat, "100 queries")


if __name__ == "__main__":
    main()
