"""Faults: every route kind of the emulator x every fault kind x three scenarios, each held to
its own contract (docs/reliability.md): transient (the first request fails) -> the correct
result after retries; persistent (every request fails) -> one clear error of the fault's class,
nothing stored, and a fault-free retry works; stale (an expired entry, then every request
fails) -> the expired result with a StaleResultWarning. Exceptions are reviewed, commented
entries of ``faultcells.ALLOWED``. Nothing corrupt or half-fetched may be stored. The cells
themselves are in faultcells.py; they run in forked worker processes, several at once.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from reliability.faultcalls import FAULT_KINDS, ROUTES
from reliability.faultcells import Outcome, expected_values
from reliability.harness import Zygote, record

CELLS = [(route, kind) for route in ROUTES for kind in FAULT_KINDS]


def run_matrix(
    root: Path, cells: list[tuple[str, str, str]], retry_after: int, zygote: Zygote, workers: int
) -> list[Outcome]:
    """Every cell, spread over ``workers`` forked processes (cells of one worker in turn)."""
    expected = expected_values(root)
    indexed = list(enumerate(cells))
    jobs = [
        zygote.fork({"action": "fault-cells", "cells": indexed[n::workers], "expected": expected,
                     "root": str(root), "retry_after": retry_after}, root, f"cells-{n}")
        for n in range(min(workers, len(cells)))
    ]  # fmt: skip
    outcomes = []
    for job in jobs:
        job.finish(timeout=900)
        outcomes += [Outcome.from_json(r) for r in job.records()]
    return sorted(outcomes, key=lambda o: o.index)


def report(name: str, outcomes: list[Outcome]) -> None:
    results = Counter(f"{o.scenario}:{o.result}" for o in outcomes)
    failed = [o for o in outcomes if o.failed]
    record(name, cells=len(outcomes), faults=sum(o.faulted for o in outcomes),
           attempts=sum(o.attempts for o in outcomes), failures=len(failed), **results)  # fmt: skip
    print(f"\n{name}: {len(outcomes)} cells, {dict(results)}")
    for o in outcomes:
        print(f"  {o.scenario:10} {o.route:15} {o.kind:13} {o.result:10} {o.detail[:110]}")
    assert not failed, "\n".join(
        f"{o.route} x {o.kind} ({o.scenario}): {o.result}, must be {o.expected}: {o.detail} "
        f"{o.problems}" for o in failed)  # fmt: skip


SCENARIOS = ("transient", "persistent", "stale")


def matrix_cells() -> list[tuple[str, str, str]]:
    """Every route x fault x scenario (stale only where results are cached as queries)."""
    cells = [(r, k, s) for r, k in CELLS for s in SCENARIOS]
    cells = [c for c in cells if c[2] != "stale" or ROUTES[c[0]].is_query]
    return cells


@pytest.mark.heavy
def test_every_route_under_every_fault(tmp_path: Path, zygote: Zygote) -> None:
    """First request fails (retries recover); every request fails (one clear error, nothing
    stored, a fault-free retry works); an expired entry and every request failing (the
    expired result, with a StaleResultWarning: every fault on the Portal, a 503 elsewhere;
    the slow profile runs every stale cell)."""
    quick = [c for c in matrix_cells() if c[2] != "stale" or "portal" in c[0] or c[1] == "503"]
    report("faults", run_matrix(tmp_path, quick, 0, zygote, workers=8))


@pytest.mark.slow
def test_every_route_under_every_fault_with_real_retry_after(
    tmp_path: Path, zygote: Zygote
) -> None:
    """The whole matrix (every stale cell too) three times over, with 503s asking for a
    one-second Retry-After."""
    cells = matrix_cells() * 3
    report("faults-slow", run_matrix(tmp_path, cells, 1, zygote, workers=8))


def test_the_judge_holds_each_scenario_to_its_contract() -> None:
    """An error where the scenario promises a result fails the cell, and so does an error of
    the wrong class: the matrix cannot pass by accepting an error everywhere."""
    from reliability.faultcells import contract

    def outcome(route: str, kind: str, scenario: str, result: str, detail: str = "") -> Outcome:
        return Outcome(route, kind, scenario, result, detail,
                       expected=contract(route, kind, scenario))  # fmt: skip

    assert outcome("portal-invoke", "500", "transient", "correct").failed is False
    assert outcome("portal-invoke", "500", "transient", "error", "HTTPStatusError: x").failed
    assert outcome("portal-invoke", "invalid-json", "stale", "error", "ProtocolError: x").failed
    assert outcome("portal-invoke", "invalid-json", "stale", "stale").failed is False
    assert outcome("resolver", "503", "persistent", "error", "HTTPStatusError: x").failed is False
    assert outcome("resolver", "503", "persistent", "error", "ProtocolError: x").failed
    assert outcome("resolver", "503", "persistent", "correct").failed
    assert outcome("download", "reset", "persistent", "error", "DownloadFailed: ERROR: x").failed \
        is False  # fmt: skip
    assert outcome("tesscut", "trickle", "persistent", "correct").failed is False
    assert outcome("tesscut", "trickle", "transient", "error", "ProtocolError: x").failed
