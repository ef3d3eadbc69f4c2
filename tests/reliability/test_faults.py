"""Faults: every route kind of the emulator x every fault kind. Each call must give the correct
result after retries, an expired cached result with a StaleResultWarning, or one clear
MastCacheError, and nothing corrupt or half-fetched may be stored.
"""

from __future__ import annotations

import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reliability.faultcalls import FAULT_KINDS, ROUTES, Call
from reliability.harness import cache_problems, record

from mastcache import runtime
from mastcache.emulator import FaultRule, start
from mastcache.errors import InputWarning, MastCacheError, StaleResultWarning
from mastcache.settings import TTL_KINDS, Settings
from mastcache.store import Store

CELLS = [(route, kind) for route in ROUTES for kind in FAULT_KINDS]


@dataclass(frozen=True)
class Outcome:
    """What one cell gave: ``correct``, ``stale``, ``error`` (a MastCacheError) or a failure."""

    route: str
    kind: str
    scenario: str
    result: str
    detail: str = ""
    faulted: int = 0
    attempts: int = 0
    problems: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.result not in ("correct", "stale", "error") or bool(self.problems)


def fault_rule(route: str, kind: str, scenario: str, retry_after: int) -> FaultRule:
    """One fault: the first request only (transient) or every request (persistent, stale)."""
    delay = {"slow": 1.0, "trickle": 0.001}.get(kind)  # slow: beyond the 0.5 s timeout
    count = 1 if scenario == "transient" else None
    return FaultRule(route, kind, count=count, retry_after=retry_after, delay=delay)


def cell_settings(folder: Path, url: str, scenario: str) -> Settings:
    """Short timeouts, one or two retries; a stale cell's entries expire as soon as stored."""
    ttls = {kind: 0.0 for kind in TTL_KINDS} if scenario == "stale" else {}
    retries = 2 if scenario == "transient" else 1
    return Settings.from_env({}, cache_dir=folder / "cache", mast_url=url, request_timeout=0.5,
                             max_retries=retries, ttl_overrides=ttls)  # fmt: skip


def stored(settings: Settings) -> frozenset[str]:
    """Every stored entry: query keys, resolved names and file URIs."""
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        keys = {f"query {r.key[:12]}" for r in store.list_queries()}
        names = {f"resolution {r.name}" for r in uow.resolutions.list()}
        return frozenset(keys | names | {f"file {f.uri}" for f in uow.files.list()})


def run_cell(
    route: str, kind: str, scenario: str, expected: Any, folder: Path, retry_after: int
) -> Outcome:
    folder.mkdir(parents=True)
    with start("127.0.0.1", 0) as server, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = cell_settings(folder, server.url, scenario)
        with runtime.using_settings(settings):
            if ROUTES[route].prepare is not None:
                ROUTES[route].prepare(folder)
            if scenario == "stale":
                ROUTES[route].call(folder)  # the entry that expires at once
            before = stored(settings)
            server.set_faults(fault_rule(ROUTES[route].route, kind, scenario, retry_after))
            result, detail, got = _attempt(route, folder)
        logged = [r for r in server.requests.snapshot() if r.fault is not None]
        attempts = len(server.requests.snapshot())
    stale = [w for w in caught if issubclass(w.category, StaleResultWarning)]
    result, detail = _judge(result, detail, got, expected, stale)
    problems = _store_problems(settings, result, before)
    return Outcome(route, kind, scenario, result, detail, len(logged), attempts, problems)


def _attempt(route: str, folder: Path) -> tuple[str, str, Call | None]:
    try:
        return "done", "", ROUTES[route].call(folder)
    except MastCacheError as exc:
        return ("error", f"{type(exc).__name__}: {exc}", None) if str(exc) else (
            "unclear-error", type(exc).__name__, None)  # fmt: skip
    except Exception as exc:  # anything else reaching the user is a finding
        return "foreign-error", f"{type(exc).__name__}: {exc}", None


def _judge(
    result: str, detail: str, got: Call | None, expected: Any, stale: list[Any]
) -> tuple[str, str]:
    if result != "done" or got is None:
        return result, detail
    if got.value != expected:
        return "wrong-result", f"{got.value!r} instead of {expected!r}"
    if stale:
        return ("stale", "") if got.source in (None, "cache") else ("stale-from-network", "")
    if got.source == "cache" and stale == []:
        return "served-expired-without-warning", ""
    return "correct", ""


def _store_problems(settings: Settings, result: str, before: frozenset[str]) -> tuple[str, ...]:
    problems = cache_problems(settings)
    added = stored(settings) - before
    if result == "error" and added:
        problems.append(f"a failed call stored {sorted(added)}")
    return tuple(problems)


def expected_values(root: Path) -> dict[str, Any]:
    """Each route's fault-free answer, from an emulator with the same (default) seed."""
    answers = {}
    with start("127.0.0.1", 0) as server:
        for name, route in ROUTES.items():
            folder = root / f"expected-{name}"
            folder.mkdir(parents=True)
            settings = Settings.from_env({}, cache_dir=folder / "cache", mast_url=server.url)
            with runtime.using_settings(settings):
                if route.prepare is not None:
                    route.prepare(folder)
                answers[name] = route.call(folder).value
    return answers


def run_matrix(
    root: Path, cells: list[tuple[str, str, str]], retry_after: int, threads: int
) -> list[Outcome]:
    expected = expected_values(root)
    warnings.filterwarnings("ignore", category=InputWarning)

    def one(index: int) -> Outcome:
        route, kind, scenario = cells[index]
        folder = root / f"{index:03d}-{route}-{kind}-{scenario}"
        return run_cell(route, kind, scenario, expected[route], folder, retry_after)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(len(cells))))


def report(name: str, outcomes: list[Outcome]) -> None:
    results = Counter(f"{o.scenario}:{o.result}" for o in outcomes)
    failed = [o for o in outcomes if o.failed]
    record(name, cells=len(outcomes), faults=sum(o.faulted for o in outcomes),
           attempts=sum(o.attempts for o in outcomes), failures=len(failed), **results)  # fmt: skip
    print(f"\n{name}: {len(outcomes)} cells, {dict(results)}")
    for o in outcomes:
        print(f"  {o.scenario:10} {o.route:14} {o.kind:13} {o.result:10} {o.detail[:110]}")
    assert not failed, "\n".join(f"{o.route} x {o.kind} ({o.scenario}): {o.result} {o.detail} "
                                 f"{o.problems}" for o in failed)  # fmt: skip


def test_every_route_under_every_fault_transient_and_persistent(tmp_path: Path) -> None:
    """The first request fails (retries must recover), then every request fails (one error)."""
    cells = [(r, k, s) for r, k in CELLS for s in ("transient", "persistent")]
    report("faults", run_matrix(tmp_path, cells, retry_after=0, threads=8))


QUICK_STALE = [(r, k) for r, k in CELLS if r == "portal-invoke" or k == "503"]


@pytest.mark.parametrize("route,kind", [c for c in QUICK_STALE if ROUTES[c[0]].is_query])
def test_a_failed_refresh_serves_the_expired_result_with_a_warning(
    tmp_path: Path, route: str, kind: str
) -> None:
    report("faults-stale", run_matrix(tmp_path, [(route, kind, "stale")], 1, threads=1))


@pytest.mark.slow
def test_stale_if_error_on_every_route_and_fault(tmp_path: Path) -> None:
    cells = [(r, k, "stale") for r, k in CELLS if ROUTES[r].is_query]
    report("faults-stale-slow", run_matrix(tmp_path, cells, retry_after=1, threads=1))
