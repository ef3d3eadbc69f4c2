"""A child process acting on a cache directory, for the multi-process store tests.

usage: store_worker.py CACHE_DIR ACTION [ARGS...]

- ``stage KEY``: write a result's Parquet file, print "written", then wait to be killed
  (the crash between the file write and the catalog commit).
- ``put KEY START_FILE``: wait for START_FILE, then put_query KEY (same table every time).
- ``hammer N START_FILE``: wait for START_FILE, then N read-then-write transactions.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from astropy.table import MaskedColumn, Table

from mastcache.errors import StoreError
from mastcache.settings import Settings
from mastcache.store import Store

FETCHED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def sample_table() -> Table:
    """The same small observations-like table in every process."""
    rows = 500
    table = Table()
    table["obsid"] = np.arange(rows, dtype=np.int64) + 2000000000
    table["target_name"] = np.array([f"TARGET-{i % 37}" for i in range(rows)])
    table["s_ra"] = MaskedColumn(np.linspace(0.0, 359.0, rows), mask=np.arange(rows) % 11 == 0)
    table["s_ra"].unit = "deg"
    table.meta["service"] = "Mast.Caom.Cone"
    return table


def put(store: Store, key: str) -> None:
    store.put_query(
        key,
        service="Mast.Caom.Cone",
        kind="observations",
        params={"ra": 10.0, "dec": 41.0, "radius": 0.2},
        scope="anonymous",
        table=sample_table(),
        fetched_at=FETCHED_AT,
        expires_at=None,
    )


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"start file {path} never appeared")
        time.sleep(0.005)


def hammer(store: Store, count: int) -> int:
    """``count`` read-then-write transactions; returns how many failed as locked."""
    locked = 0
    for i in range(count):
        try:
            with store.unit_of_work() as uow:
                seen = uow.stats.get("shared")
                uow.stats.record_hit("shared", datetime.now(timezone.utc))
                uow.resolutions.get(f"name-{i}", None, False, "anonymous")
                assert seen.hits >= 0
        except StoreError as exc:
            if "locked" not in str(exc):
                raise
            locked += 1
    return locked


def main(cache_dir: str, action: str, *args: str) -> int:
    store = Store.open(Settings.from_env({}, cache_dir=cache_dir))
    if action == "stage":
        store.write_table_file(args[0], sample_table())
        print("written", flush=True)
        time.sleep(120)
    elif action == "put":
        wait_for(Path(args[1]))
        put(store, args[0])
        print("put", flush=True)
    elif action == "hammer":
        wait_for(Path(args[1]))
        print(f"locked={hammer(store, int(args[0]))}", flush=True)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
