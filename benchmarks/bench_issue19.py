"""Issue #19 in one run: every figure of the issue as a ratio against its reference, plus
a scaling table.

Each client runs in its own process against the bundled emulator (50 ms latency); the
parent runs the emulators and prints. Rows (goal in brackets):

1. warm repeat of a 6-call mix (cone, object, criteria, count, products, resolve):
   astroquery time / mastcache time [>= 100];
2. in-process repeat hit of a 100,000-row cone / ``Table.copy()`` of it [<= 1.5];
3. cold 100,000-row cone: astroquery wall / mastcache wall [>= 2], and mastcache client
   CPU / astroquery client CPU [<= 0.5] (CPU of the client process, threads included;
   the median of ``--cold-runs`` pairs, 3 by default, with each run's ratio);
4. CLI on a cache hit: ``--mode offline query --object M101 --count`` / ``python -c "import
   astropy.table, pyarrow.parquet"`` [<= 1.3]; ``sql`` and ``cache stats`` / ``python -c
   "import duckdb"`` [<= 1.3] (best of 10 fresh processes each, all run in turn);
5. ``from mastcache import Observations`` + its first (cached) call / ``from astroquery.mast
   import Observations`` [<= 1];
6. cold 1,000,000-row cone: astroquery wall / mastcache wall [>= 2]; mastcache's peak
   memory growth / (returned Table + its Arrow form) [<= 1.25].

Then the scaling table: rows 1k/10k/100k/1M cold and hit; cached queries 100/1k/10k for the
set-up of ``sql``; products 10/100/1,000 for downloads. ``--quick`` scales 1M rows down to
200k (row 6 and the table) and downloads to 10/100, and says so in the output.

Cold fetches measure the clients, not the emulator: both sides fetch from one emulator with
the ``prerendered_mb`` knob, primed by one unmeasured fetch of each side, so every page is
served as ready bytes (``--render-pages`` renders each page anew, as before). Each side's
process makes one small count query before its cold cone (imports, HTTP session, an open
cache; astroquery's import is outside its timing too); ``--fresh-process`` times the cone
as the process's first call.

    python benchmarks/bench_issue19.py [--quick] [--latency-ms 50] [--only cold,big]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_client import CONE, MASTCACHE_PAGING, astroquery_clients  # noqa: E402

#: Headline sections (``--only``): rows 1, 2-3, 4-5 and 6.
SECTIONS = ("mix", "cold", "cli", "big")
#: Rendered pages the benchmark's emulator keeps (MB): a 1M-row cone paged two ways.
PRERENDERED_MB = 4096
#: Fresh processes per CLI command (rows 4 and 5), run in turn with the references.
CLI_ROUNDS = 10

# -- workloads (run inside a worker process) -------------------------------------------------


def six_calls(obs: Any, mast: Any) -> list[Callable[[], Any]]:
    """The issue's mix: cone, object, criteria, count, products, resolve."""
    from astropy.coordinates import SkyCoord

    m31 = SkyCoord(10.684708, 41.26875, unit="deg")
    return [
        lambda: obs.query_region(m31, radius=0.1),
        lambda: obs.query_object("M101", radius=0.1),
        lambda: obs.query_criteria(obs_collection=["HST", "GALEX"]),
        lambda: obs.query_region_count(m31, radius=0.2),
        lambda: obs.get_product_list(["4003594", "4003596", "4003598"]),
        lambda: mast.resolve_object("M31"),
    ]


def clients(side: str, url: str, cache_dir: str) -> tuple[Any, Any]:
    if side == "astroquery":
        return astroquery_clients(url)
    import mastcache
    from mastcache.client import MastClass, ObservationsClass

    mastcache.configure(mast_url=url, cache_dir=cache_dir, mode="cache-first", **MASTCACHE_PAGING)
    return ObservationsClass(), MastClass()


def timed(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process, result) of ``action()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def task_mix(side: str, url: str, cache_dir: str, repeat: int) -> dict[str, float]:
    obs, mast = clients(side, url, cache_dir)
    calls = six_calls(obs, mast)

    def run_all() -> None:
        for call in calls:
            call()

    first = timed(run_all)[0]
    walls = [timed(run_all)[0] for _ in range(repeat)]
    return {"first": first, "repeat": statistics.median(walls), "best": min(walls)}


def task_cold(side: str, url: str, cache_dir: str, hits: int, warm: bool) -> dict[str, float]:
    """One cold cone (nothing of it cached); ``warm``: the process made one small call
    first (imports, sessions, an open cache: what astroquery's import gives it)."""
    obs, _ = clients(side, url, cache_dir)
    ra, dec, radius = CONE
    if warm:
        obs.query_region_count(f"{ra + 10} {dec}", radius=0.001)
    baseline = current_rss()
    wall, cpu, table = timed(lambda: obs.query_region(f"{ra} {dec}", radius=radius))
    result = {"wall": wall, "cpu": cpu, "rows": len(table), "peak_growth": peak_rss() - baseline}
    from mastcache.store.parquet import table_to_arrow

    result["table_bytes"] = sum(col.nbytes + _mask_bytes(col) for col in table.itercols())
    result["arrow_bytes"] = table_to_arrow(table).nbytes
    if side == "mastcache" and hits:
        again = [timed(lambda: obs.query_region(f"{ra} {dec}", radius=radius))[0]]
        again += [timed(lambda: obs.query_region(f"{ra} {dec}", radius=radius))[0]]
        hit_times = [
            timed(lambda: obs.query_region(f"{ra} {dec}", radius=radius))[0] for _ in range(hits)
        ]
        copies = [timed(lambda: table.copy(copy_data=True))[0] for _ in range(hits)]
        result.update(first_hit=again[0], hit=statistics.median(hit_times))
        result["copy"] = statistics.median(copies)
    return result


def _mask_bytes(column: Any) -> int:
    mask = getattr(column, "mask", None)
    return int(getattr(mask, "nbytes", 0) or 0)


def task_sql_setup(cache_dir: str, repeat: int) -> dict[str, float]:
    from mastcache.settings import Settings
    from mastcache.sqlview import connect

    settings = Settings.from_env({}, cache_dir=cache_dir)

    def setup() -> None:
        with connect(settings) as session:
            session.arrow("SELECT count(*) FROM queries")

    setup()
    return {"setup": min(timed(setup)[0] for _ in range(repeat))}


def worker(argv: list[str]) -> None:
    task, *args = argv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task == "mix":
            out = task_mix(args[0], args[1], args[2], int(args[3]))
        elif task == "cold":
            out = task_cold(args[0], args[1], args[2], int(args[3]), args[4] == "warm")
        else:
            out = task_sql_setup(args[0], int(args[1]))
    print(json.dumps(out))


# -- the parent ------------------------------------------------------------------------------


def run_worker(*args: str) -> dict[str, float]:
    env = dict(os.environ, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
    if len(args) > 2 and args[2].startswith("http"):
        env.update(HTTP_PROXY=args[2], http_proxy=args[2])
    command = [sys.executable, __file__, "--worker", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"worker {args[:2]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def best_walls(
    commands: dict[str, list[str]], rounds: int = CLI_ROUNDS, env: dict[str, str] | None = None
) -> dict[str, float]:
    """Best wall time of each command over ``rounds`` fresh processes (each must exit 0),
    run in turn, round after round: a slower spell of the machine hits every command."""
    best = dict.fromkeys(commands, float("inf"))
    for _ in range(rounds):
        for name, command in commands.items():
            begin = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            best[name] = min(best[name], time.perf_counter() - begin)
            if done.returncode != 0:
                raise SystemExit(f"{command} failed:\n{done.stderr[-2000:]}")
    return best


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def row(self, label: str, ours: float, ref: float, ratio: float, goal: str) -> None:
        met = _met(ratio, goal)
        self.lines.append(f"{label:<58}{ours:>10.4f}{ref:>10.4f}{ratio:>9.2f}  {goal:<7} {met}")
        print(self.lines[-1], flush=True)


def _met(ratio: float, goal: str) -> str:
    sign, value = goal.split()
    return "ok" if (ratio >= float(value) if sign == ">=" else ratio <= float(value)) else "MISSED"


def headline(args: argparse.Namespace, tmp: Path) -> None:
    big = 200_000 if args.quick else 1_000_000
    report = Report()
    print(f"{'figure':<58}{'ours s':>10}{'ref s':>10}{'ratio':>9}  goal")
    if "mix" in args.only:
        mix_rows(report, args, tmp)
    if "cold" in args.only:
        cold_rows(report, args, tmp)
    if "cli" in args.only:
        cli_rows(report, tmp)
    if "big" in args.only:
        big_rows(report, args, tmp, big)
    if args.quick and "big" in args.only:
        print(f"    (--quick: row 6 uses {big:,} rows instead of 1,000,000)")


def cold_pair(args: argparse.Namespace, tmp: Path, rows: int, hits: int) -> dict[str, Any]:
    """Each side's cold fetch of the ``rows``-row cone, from one emulator serving ready pages
    (primed by one unmeasured fetch of each side) unless ``--render-pages``."""
    from mastcache.emulator import start

    prerendered = 0 if args.render_pages else PRERENDERED_MB
    cold: dict[str, Any] = {}
    knobs = {"latency_ms": args.latency_ms, "rows": rows, "prerendered_mb": prerendered}
    warm = "fresh" if args.fresh_process else "warm"
    with start("127.0.0.1", 0, **knobs) as server:
        for side in ("astroquery", "mastcache"):
            if prerendered:
                prime = str(tmp / f"prime-{side}-{rows}")
                run_worker("cold", side, server.url, prime, "0", warm)
            cache = str(tmp / f"{side}-{rows}")
            cold[side] = run_worker("cold", side, server.url, cache, str(hits), warm)
    return cold


def cold_rows(report: Report, args: argparse.Namespace, tmp: Path) -> None:
    """Rows 2 and 3: the 100k-row cone, cold on each side, then mastcache's repeat hits;
    ``--cold-runs`` pairs, each in fresh caches: the median pair's ratios, and their range."""
    pairs = [cold_pair(args, tmp / f"run-{run}", 100_000, 5) for run in range(args.cold_runs)]
    hits = [pair["mastcache"]["hit"] / pair["mastcache"]["copy"] for pair in pairs]
    walls = [pair["astroquery"]["wall"] / pair["mastcache"]["wall"] for pair in pairs]
    cpus = [pair["mastcache"]["cpu"] / pair["astroquery"]["cpu"] for pair in pairs]
    for label, ratios, key, goal in (
        ("2 100k-row repeat hit / Table.copy()", hits, "hit", "<= 1.5"),
        ("3 cold 100k cone wall (astroquery / mastcache)", walls, "wall", ">= 2"),
        ("3 cold 100k cone client CPU (mastcache / astroquery)", cpus, "cpu", "<= 0.5"),
    ):
        middle = pairs[sorted(range(len(ratios)), key=ratios.__getitem__)[len(ratios) // 2]]
        reference = middle["mastcache"]["copy"] if key == "hit" else middle["astroquery"][key]
        report.row(label, middle["mastcache"][key], reference, statistics.median(ratios), goal)
        if len(ratios) > 1:
            print(f"    ({len(ratios)} runs: " + ", ".join(f"{r:.2f}" for r in ratios) + ")")
    _memory_note(pairs[0]["mastcache"], pairs[0]["astroquery"])


def mix_rows(report: Report, args: argparse.Namespace, tmp: Path) -> None:
    """Row 1: the warm 6-call mix on each side."""
    from mastcache.emulator import start

    with start("127.0.0.1", 0, latency_ms=args.latency_ms) as sky:
        aq = run_worker("mix", "astroquery", sky.url, str(tmp / "aq-mix"), "3")
        mc = run_worker("mix", "mastcache", sky.url, str(tmp / "mc-mix"), str(args.repeat))
    report.row(
        "1 warm 6-call mix (astroquery / mastcache)",
        mc["repeat"],
        aq["repeat"],
        aq["repeat"] / mc["repeat"],
        ">= 100",
    )
    print(f"    mastcache per call {mc['repeat'] / 6 * 1e3:.2f} ms (best pass {mc['best']:.4f} s)")


def _memory_note(mc: dict[str, Any], aq: dict[str, Any]) -> None:
    floor = mc["table_bytes"] + mc["arrow_bytes"]
    print(
        f"    peak growth / (Table + Arrow): mastcache {mc['peak_growth'] / floor:.2f}, "
        f"astroquery {aq['peak_growth'] / floor:.2f} (Table + Arrow {floor / 1e9:.2f} GB)"
    )


def cli_rows(report: Report, tmp: Path) -> None:
    """Rows 4 and 5 over a cache that holds M101's count and resolution."""
    from mastcache.emulator import start

    cache = tmp / "cli-cache"
    python = sys.executable
    env = dict(os.environ, MASTCACHE_DIR=str(cache))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.getcwd(), env.get("PYTHONPATH")]))
    # Like with like: an installed package (astroquery here, mastcache for a user) has its
    # bytecode, a checkout run under PYTHONDONTWRITEBYTECODE=1 compiles every module on each
    # start. Every command below, references included, reads and writes bytecode in one
    # private folder, and best_walls' first round fills it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    with start("127.0.0.1", 0, latency_ms=0) as server:
        fill = [python, "-m", "mastcache", "--mast-url", server.url]
        subprocess.run([*fill, "query", "--object", "M101", "--count"], env=env, check=True,
                       capture_output=True)  # fmt: skip
        subprocess.run([*fill, "query", "--object", "M101"], env=env, check=True,
                       capture_output=True)  # fmt: skip
    cli = [python, "-m", "mastcache"]
    count = "SELECT count(*) FROM observations"
    first_call = (
        "from mastcache import Observations\n"
        "Observations.query_object_count('M101', mode='offline')\n"
    )
    connect = "import duckdb, click; duckdb.connect()"
    wall = best_walls({
        "base": [python, "-c", "import astropy.table, pyarrow.parquet"],
        "duck": [python, "-c", "import duckdb"],
        "offline": [*cli, "--mode", "offline", "query", "--object", "M101", "--count"],
        "sql": [*cli, "sql", count],
        "sql_csv": [*cli, "sql", "--format", "csv", count],
        "floor": [python, "-c", connect],
        "floor_exit": [python, "-c", f"{connect}; import os; os._exit(0)"],
        "stats": [*cli, "cache", "stats"],
        "aq_import": [python, "-c", "from astroquery.mast import Observations"],
        "first_call": [python, "-c", first_call],
    }, env=env)  # fmt: skip
    base, duck = wall["base"], wall["duck"]
    report.row("4 CLI offline query --count / import astropy.table+pq", wall["offline"], base,
               wall["offline"] / base, "<= 1.3")  # fmt: skip
    for name, label in (("sql", "sql"), ("sql_csv", "sql --format csv"), ("stats", "cache stats")):
        report.row(f"4 CLI {label} / import duckdb", wall[name], duck, wall[name] / duck,
                   "<= 1.3")  # fmt: skip
    print(f"    (import duckdb + click, one duckdb.connect(): {wall['floor']:.4f} s = "
          f"{wall['floor'] / duck:.2f}x import duckdb; ending with os._exit, as the mastcache "
          f"program does: {wall['floor_exit'] / duck:.2f}x)")  # fmt: skip
    aq_import = wall["aq_import"]
    report.row("5 import mastcache + first call / import astroquery.mast", wall["first_call"],
               aq_import, wall["first_call"] / aq_import, "<= 1")  # fmt: skip


def big_rows(report: Report, args: argparse.Namespace, tmp: Path, rows: int) -> None:
    """Row 6: the big cone, cold on each side: wall time and mastcache's peak memory."""
    cold = cold_pair(args, tmp, rows, 0)
    mc, aq = cold["mastcache"], cold["astroquery"]
    label = f"{rows // 1000}k"
    report.row(f"6 cold {label} cone wall (astroquery / mastcache)", mc["wall"], aq["wall"],
               aq["wall"] / mc["wall"], ">= 2")  # fmt: skip
    print(f"    client CPU mastcache / astroquery: {mc['cpu'] / aq['cpu']:.2f} "
          f"({mc['cpu']:.1f} s / {aq['cpu']:.1f} s)")  # fmt: skip
    floor = mc["table_bytes"] + mc["arrow_bytes"]
    report.row(f"6 cold {label} peak growth / (Table + Arrow) [GB]", mc["peak_growth"] / 1e9,
               floor / 1e9, mc["peak_growth"] / floor, "<= 1.25")  # fmt: skip
    aq_ratio = aq["peak_growth"] / floor
    print(f"    astroquery's peak growth: {aq['peak_growth'] / 1e9:.2f} GB ({aq_ratio:.2f}x)")


# -- scaling table ---------------------------------------------------------------------------


def scaling(args: argparse.Namespace, tmp: Path) -> None:
    from mastcache.emulator import start

    sizes = [1_000, 10_000, 100_000, 200_000 if args.quick else 1_000_000]
    print("\nscaling (mastcache): rows  cold s   first hit s  repeat hit s  Table.copy s")
    prerendered = 0 if args.render_pages else PRERENDERED_MB
    for rows in sizes:
        knobs = {"latency_ms": args.latency_ms, "rows": rows, "prerendered_mb": prerendered}
        with start("127.0.0.1", 0, **knobs) as server:
            warm = "fresh" if args.fresh_process else "warm"
            if prerendered:
                prime = str(tmp / f"prime-{rows}")
                run_worker("cold", "mastcache", server.url, prime, "0", warm)
            got = run_worker("cold", "mastcache", server.url, str(tmp / f"scale-{rows}"), "3", warm)
        print(f"{rows:>28,}  {got['wall']:6.2f}  {got['first_hit']:11.4f}  {got['hit']:12.4f}"
              f"  {got['copy']:12.4f}")  # fmt: skip
    if args.quick:
        print("    (--quick: 200,000 rows instead of 1,000,000)")
    print("\nscaling: cached queries  sql set-up s (connect + one query, in process)")
    template = tmp / "sql-template"
    one_result_cache(template)
    for count in (100, 1_000, 10_000):
        cache = tmp / f"sql-{count}"
        clone_queries(template, cache, count)
        got = run_worker("sql", str(cache), "3")
        print(f"{count:>24,}  {got['setup']:.3f}")
    downloads(args, tmp)


def one_result_cache(cache: Path) -> None:
    """A cache holding one real cached cone (written through the Store)."""
    from mastcache.emulator import start

    env = dict(os.environ, MASTCACHE_DIR=str(cache))
    with start("127.0.0.1", 0, latency_ms=0) as server:
        subprocess.run(
            [sys.executable, "-m", "mastcache", "--mast-url", server.url, "query", "--region",
             "210.8 54.35", "--radius", "0.1 deg", "--format", "csv"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip


def clone_queries(template: Path, cache: Path, count: int) -> None:
    """``count`` cached queries: the template's one, repeated under new keys (hard-linked
    result files, catalog rows copied); what `sql` set-up sees is a real cache that size."""
    shutil.copytree(template, cache)
    catalog = sqlite3.connect(cache / "catalog.sqlite")
    with catalog:
        row = catalog.execute("SELECT * FROM queries").fetchone()
        names = [d[0] for d in catalog.execute("SELECT * FROM queries").description]
        source = cache / row[names.index("table_path")]
        rows = []
        for i in range(1, count):
            values = list(row)
            key = f"{i:064x}"
            path = Path(row[names.index("table_path")]).with_name(f"{key}.parquet")
            os.link(source, cache / path)
            values[names.index("key")] = key
            values[names.index("table_path")] = path.as_posix()
            rows.append(values)
        marks = ", ".join("?" * len(names))
        catalog.executemany(f"INSERT INTO queries ({', '.join(names)}) VALUES ({marks})", rows)
    catalog.close()


def downloads(args: argparse.Namespace, tmp: Path) -> None:
    from bench_downloads import _child

    from mastcache.emulator import start

    counts = (10, 100) if args.quick else (10, 100, 1_000)
    print("\nscaling: products  astroquery cold s  mastcache cold s  ratio  mastcache again s")
    with start("127.0.0.1", 0, latency_ms=args.latency_ms, product_bytes=100_000) as server:
        for count in counts:
            ours = _child("mastcache", server.url, count, 4)
            theirs = _child("astroquery", server.url, count, 4)
            print(f"{count:>17,}  {theirs['cold']:17.2f}  {ours['cold']:16.2f}  "
                  f"{theirs['cold'] / ours['cold']:5.1f}  {ours['again']:17.2f}")  # fmt: skip
    if args.quick:
        print("    (--quick: 10 and 100 products; 1,000 without --quick)")


def main() -> None:
    if sys.argv[1:2] == ["--worker"]:
        worker(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scale 1M rows down to 200k")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7, help="warm passes of the mix")
    parser.add_argument("--no-scaling", action="store_true", help="headline figures only")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"headline sections to run, comma-separated (default all: {','.join(SECTIONS)})",
    )
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=3,
        help="cold 100k pairs (rows 2 and 3; the median is reported)",
    )
    parser.add_argument(
        "--fresh-process",
        action="store_true",
        help="time each cold cone as the process's first call (default: after one small "
        "count query on each side, so imports, sessions and the open cache are not counted)",
    )
    parser.add_argument(
        "--render-pages",
        action="store_true",
        help="the emulator renders every page anew (no prerendered_mb knob)",
    )
    args = parser.parse_args()
    args.only = {part.strip() for part in args.only.split(",") if part.strip()}
    if args.only - set(SECTIONS):
        parser.error(f"--only: unknown section(s) {sorted(args.only - set(SECTIONS))}")
    if args.cold_runs < 1:
        parser.error(f"--cold-runs: expected at least 1 run, got {args.cold_runs}")
    print(f"CPUs {os.cpu_count()}, load {os.getloadavg()[0]:.1f}, latency {args.latency_ms} ms")
    with tempfile.TemporaryDirectory(prefix="bench19-") as folder:
        headline(args, Path(folder))
        if not args.no_scaling:
            scaling(args, Path(folder))


if __name__ == "__main__":
    main()
