"""The golden session: a few client calls whose snapshot, written once by mastcache 0.x
against the emulator, is committed as ``tests/data/golden-v1.mastsnap`` with what each call
gave (``tests/data/golden-v1.json``: key, rows, table digest).

``tests/test_golden_snapshot.py`` replays it offline with today's code: every call must find
its recorded key and give the recorded table. A change that breaks this (a new key, a new
bundle layout) breaks every published snapshot and every user's cache: it needs a migration
and a deliberate new golden file (docs/testing.md, "Golden keys and snapshots").

Regenerate (only together with such a migration)::

    PYTHONPATH=$PWD python tests/golden_session.py tests/data/golden-v2
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the tests folder importable
    sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability.tabledigest import table_digest

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = DATA / "golden-v1"

Call = Callable[[], Any]


def calls() -> dict[str, Call]:
    """The session's calls, by name (clients imported late: settings apply at call time)."""
    from mastcache.client import Catalogs, MastMissionsClass, Observations

    return {
        "cone": lambda: Observations.query_region("210.80227 54.34895", radius=0.02),
        "criteria": lambda: Observations.query_criteria(
            obs_collection="HST", s_dec=[54.3, 54.4], dataproduct_type="image"
        ),
        "products": lambda: Observations.get_product_list(
            Observations.query_region("210.80227 54.34895", radius=0.02)[:1]
        ),
        "object": lambda: Observations.query_object("M101", radius=0.01),
        "tic": lambda: Catalogs.query_region("83.82 -5.39", radius=0.005, catalog="TIC"),
        "missions": lambda: MastMissionsClass(mission="hst").query_region(
            "210.80227 54.34895", radius=1, select_cols=["sci_pep_id"]
        ),
    }


def run() -> dict[str, dict[str, Any]]:
    """Make every call; what each gave: key, rows and table digest."""
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, call in calls().items():
            table = call()
            results[name] = {
                "key": table.meta["mastcache"]["key"],
                "rows": len(table),
                "digest": table_digest(table),
            }
    return results


def write(target: Path) -> None:
    """Record the session against a fresh emulator into ``target``.mastsnap and .json."""
    import tempfile

    from mastcache import runtime, snapshot
    from mastcache.emulator import start

    with tempfile.TemporaryDirectory() as scratch, start("127.0.0.1", 0) as server:
        runtime.configure(mast_url=server.url, cache_dir=Path(scratch) / "cache")
        try:
            with snapshot.record(target.name, output_dir=target.parent):
                results = run()
        finally:
            runtime.reset()
    target.with_suffix(".json").write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if sys.argv[1:] else GOLDEN)
