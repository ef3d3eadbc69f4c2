"""A child process acting as one machine of a team (settings come from the environment).

usage: team_worker.py ACTION [ARGS...]

- ``query RA DEC OUT``: ``Observations.query_region`` once; write the Table to OUT (ECSV).
- ``many N START_FILE``: wait for START_FILE, then N cone queries over 20 positions;
  print ``ok`` and how many were served from the cache.
- ``stage KEY``: publish a result's Parquet object, print "written", then wait to be killed
  (the crash between the object upload and the catalog commit).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from astropy.table import Table

POSITIONS = [(10.0 + 0.5 * i, 41.0 - 0.25 * i) for i in range(20)]


def query(ra: str, dec: str, out: str) -> None:
    from mastcache import Observations

    table = Observations.query_region(f"{ra} {dec}", radius="0.3 deg")
    table.write(out, format="ascii.ecsv", overwrite=True)


def many(count: int, start_file: str) -> None:
    from mastcache import Observations

    wait_for(Path(start_file))
    cached = 0
    for i in range(count):
        ra, dec = POSITIONS[(i * 7) % len(POSITIONS)]
        table = Observations.query_region(f"{ra} {dec}", radius="0.3 deg")
        cached += table.meta["mastcache"]["source"] == "cache"
    print("ok", cached, flush=True)


def stage(key: str) -> None:
    from mastcache.runtime import current_settings
    from mastcache.store import Store

    store = Store.open(current_settings())
    table = Table({"obsid": [1, 2, 3], "target_name": ["a", "b", "c"]})
    store.write_table_file(key, table, {"key": key, "service": "Mast.Caom.Cone"})
    print("written", flush=True)
    time.sleep(120)


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"start file {path} never appeared")
        time.sleep(0.005)


def main(action: str, *args: str) -> None:
    if action == "query":
        query(*args)
    elif action == "many":
        many(int(args[0]), args[1])
    elif action == "stage":
        stage(args[0])
    else:
        raise SystemExit(f"unknown action {action!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
