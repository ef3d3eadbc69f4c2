"""Time the emulator building and streaming large Portal pages (CPU ms per page).

Runs `PortalService.invoke` in process and drains the body, as the WSGI server does, for:
a scaled cone (the `rows` knob), a scaled filtered query, its extjs form, and the synthetic
sky's biggest normal query (Mast.Caom.Filtered with no filters, ~8,000 rows). Prints the
best of `--repeat` runs as CPU ms per page and per 10k rows, plus the sky build and cone time.

    python benchmarks/bench_emulator_pages.py [--sizes 10000,50000] [--repeat 3]

To time another checkout (e.g. the code before an optimisation), put it first on the path:

    git archive HEAD~3 | tar -x -C /tmp/before
    PYTHONPATH=/tmp/before python benchmarks/bench_emulator_pages.py
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mastcache
from mastcache.emulator.portal.service import PortalService

PAGING = re.compile(rb'"[Pp]aging":(\{[^}]*\})')
CONE = {"ra": 150.0, "dec": 2.2, "radius": 0.5}
HST_ONLY = [{"paramName": "obs_collection", "values": ["HST"]}]


@dataclass(frozen=True)
class Knobs:
    seed: int = 7
    rows: int | None = None
    executing_polls: int = 0


def drain(portal: PortalService, request: dict[str, Any]) -> tuple[int, int]:
    """Invoke and read the whole body: (bytes, rows in the page from its paging block)."""
    size, head, tail = 0, b"", b""
    for chunk in portal.invoke({"request": json.dumps(request)}).body:
        size, tail = size + len(chunk), (tail + chunk)[-4096:]
        head = head or chunk[:65536]
    found = PAGING.search(tail) or PAGING.search(head)
    if found is None:
        raise RuntimeError("no paging block in the reply")
    return size, int(json.loads(found.group(1))["rows"])


def best_cpu(action: Callable[[], object], repeat: int) -> float:
    """The smallest CPU time (seconds) of `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        action()
        best = min(best, time.process_time() - started)
    return best


def page(service: str, params: dict[str, Any], size: int, **extra: Any) -> dict[str, Any]:
    return {"service": service, "params": params, "format": "json", "pagesize": size, **extra}


def cases(size: int) -> dict[str, dict[str, Any]]:
    filtered = {"columns": "*", "filters": HST_ONLY}
    return {
        "scaled cone, page 3": page("Mast.Caom.Cone", CONE, size, page=3),
        "scaled filtered, page 2": page("Mast.Caom.Filtered", filtered, size, page=2),
        "scaled cone extjs, page 1": page("Mast.Caom.Cone", CONE, size, page=1, format="extjs"),
    }


def report(label: str, portal: PortalService, request: dict[str, Any], repeat: int) -> None:
    drain(portal, request)  # warm-up: imports, tables, the sky
    size, rows = drain(portal, request)
    seconds = best_cpu(lambda: drain(portal, request), repeat)
    print(
        f"{label:34s} {rows:>7,} rows {size / 1e6:6.1f} MB  {seconds * 1000:8.0f} ms/page "
        f"{seconds * 1000 * 10_000 / rows:7.0f} ms/10k rows"
    )


def sky_times(repeat: int) -> None:
    from mastcache.emulator.sky.observations import build_sky, sky_for_seed

    objects = _named()
    build = best_cpu(lambda: build_sky(11, objects), repeat)
    sky = sky_for_seed(7)
    cone = best_cpu(lambda: sky.cone(210.80227, 54.34895, 0.5), repeat * 20)
    print(f"sky build (one seed): {build * 1000:.0f} ms; sky cone 0.5 deg: {cone * 1e6:.0f} us")


def _named() -> list[Any]:
    from mastcache.emulator.sky.objects import NAMED_OBJECTS

    return list(NAMED_OBJECTS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000", help="page sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"mastcache from {mastcache.__file__}")
    scaled = PortalService(Knobs(rows=1_000_000))
    for size in (int(s) for s in args.sizes.split(",")):
        for label, request in cases(size).items():
            report(label, scaled, request, args.repeat)
    everything = page("Mast.Caom.Filtered", {"columns": "*", "filters": []}, 10_000)
    report("sky: Filtered, no filters (all)", PortalService(Knobs()), everything, args.repeat)
    sky_times(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
