"""``bench_sql.py --scaling`` / ``--cli``: sql set-up at 100/1k/10k cached queries, and the
CLI's ``sql`` and ``cache stats`` against ``python -c "import duckdb"`` (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_issue19 import clone_queries, one_result_cache

COUNTS = (100, 1_000, 10_000)

#: What any statement over cached results imports, pandas probe settled as absent (cli/lean.py).
_FLOOR = """
import sys
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            raise ImportError(name)
sys.meta_path.insert(0, Blocker())
import duckdb, pyarrow.dataset
"""

_SETUP = """
import json, sys, time
from mastcache.settings import Settings
from mastcache.sqlview import connect
settings = Settings.from_env({}, cache_dir=sys.argv[1])
def setup():
    start = time.perf_counter()
    with connect(settings) as session:
        session.arrow("SELECT count(*) FROM queries")
    return time.perf_counter() - start
first = setup()
print(json.dumps({"first": first, "best": min(setup() for _ in range(int(sys.argv[2])))}))
"""


def setup_scaling(root: Path, repeat: int) -> dict[int, Path]:
    """Print the set-up time per cache size; the caches made, by size."""
    template = root / "sql-template"
    one_result_cache(template)
    caches = {}
    print("\nsql set-up (connect + SELECT count(*) FROM queries), seconds")
    print(f"{'cached queries':>16}  {'first in process':>16}  {'best of ' + str(repeat):>12}")
    for count in COUNTS:
        caches[count] = cache = root / f"sql-{count}"
        clone_queries(template, cache, count)
        done = subprocess.run([sys.executable, "-c", _SETUP, str(cache), str(repeat)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        got = json.loads(done.stdout.splitlines()[-1])
        line = f"{count:>16,}  {got['first']:16.4f}  {got['best']:12.4f}"
        print(line)
        if count == COUNTS[0]:
            base = got
    ratio = got["best"] / base["best"]
    first = got["first"] / base["first"]
    print(f"  10,000 / 100: {ratio:.2f}x best, {first:.2f}x first (goal <= 2)")
    return caches


def cli_ratios(root: Path, repeat: int, caches: dict[int, Path]) -> None:
    """Best wall time of fresh processes, interleaved so load hits every command alike."""
    small = root / "sql-template"  # one cached cone, as bench_issue19's CLI figures
    if not small.exists():
        one_result_cache(small)
    python = sys.executable
    cli = [python, "-m", "mastcache"]
    commands = {
        "import duckdb": ([python, "-c", "import duckdb"], small),
        # what any statement over cached results must import (pandas probe settled as absent)
        "floor: import duckdb, pyarrow.dataset": ([python, "-c", _FLOOR], small),
        "sql (text, observations)": ([*cli, "sql", "SELECT count(*) FROM observations"], small),
        "sql --format csv": (
            [*cli, "sql", "--format", "csv", "SELECT count(*) FROM observations"],
            small,
        ),
        "sql (text, queries)": ([*cli, "sql", "SELECT count(*) FROM queries"], small),
        "cache stats": ([*cli, "cache", "stats"], small),
    }
    if COUNTS[-1] in caches:
        commands["sql (queries), 10,000 cached queries"] = (
            [*cli, "sql", "SELECT count(*) FROM queries"],
            caches[COUNTS[-1]],
        )
    best = {name: float("inf") for name in commands}
    for _ in range(repeat):
        for name, (command, cache) in commands.items():
            env = dict(os.environ, MASTCACHE_DIR=str(cache))
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            best[name] = min(best[name], time.perf_counter() - start)
    duck = best.pop("import duckdb")
    print(f"\nCLI, best of {repeat} fresh processes: import duckdb {duck:.3f} s")
    for name, seconds in best.items():
        print(f"  {name:<34} {seconds:6.3f} s  {seconds / duck:5.2f}x  (goal <= 1.3)")
