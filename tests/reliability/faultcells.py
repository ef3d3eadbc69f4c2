"""One fault-matrix cell: an emulator with one fault on one route, a fresh cache, one call, and
the judgement of what came back and what was stored. Cells run in worker processes (the
warnings module is process-global: threads would mix up each other's StaleResultWarnings).
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.faultcalls import ROUTES, Call
from reliability.harness import cache_problems

from mastcache import runtime
from mastcache.emulator import FaultRule, start
from mastcache.errors import InputWarning, MastCacheError, StaleResultWarning
from mastcache.settings import TTL_KINDS, Settings
from mastcache.store import Store

__all__ = ["ALLOWED", "Outcome", "contract", "expected_values", "run_cells"]

#: A ``slow`` fault answers after SLOW_DELAY s; its cells time out after SLOW_TIMEOUT s (a
#: retry's healthy answer must still fit in SLOW_TIMEOUT on a loaded machine).
SLOW_DELAY, SLOW_TIMEOUT = 6.0, 4.0
#: docs/reliability.md: what each scenario must give.
SCENARIO_CONTRACT = {"transient": "correct", "persistent": "error", "stale": "stale"}
#: The error class a persistent fault must end in (query routes; downloads report
#: ``download_file``'s ERROR status, turned into ``DownloadFailed`` by the cell).
PERSISTENT_ERRORS = {
    "500": "HTTPStatusError", "503": "HTTPStatusError", "slow": "RemoteTimeoutError",
    "truncate": "ProtocolError", "invalid-json": "ProtocolError", "wrong-length": "ProtocolError",
    "reset": "TransportError",
}  # fmt: skip
#: Reviewed exceptions to SCENARIO_CONTRACT, by (route or "*", fault kind, scenario).
#: Keep this list short, and say for each why the contract cannot hold by design.
ALLOWED: dict[tuple[str, str, str], str] = {
    # A trickled body arrives complete, one byte at a time, well within the timeout: it is a
    # slow server, not a failure, so every scenario must give the fresh, correct result
    # (an expired entry is refreshed, not served stale).
    ("*", "trickle", "persistent"): "correct",
    ("*", "trickle", "stale"): "correct",
}


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
    index: int = -1
    expected: str = ""

    def as_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(**{**data, "problems": tuple(data["problems"])})

    @property
    def failed(self) -> bool:
        """Anything but the cell's contract (see :func:`contract`), or a damaged cache."""
        return bool(self.problems) or not self.meets_contract

    @property
    def meets_contract(self) -> bool:
        if self.result != self.expected:
            return False
        if self.result != "error":
            return True
        if self.route.startswith("download"):
            return self.detail.startswith("DownloadFailed: ERROR: ")
        return self.detail.startswith(f"{PERSISTENT_ERRORS[self.kind]}: ")


def contract(route: str, kind: str, scenario: str) -> str:
    """The result a cell must give: its scenario's, unless a reviewed exception says why not."""
    for where in (route, "*"):
        if (where, kind, scenario) in ALLOWED:
            return ALLOWED[(where, kind, scenario)]
    return SCENARIO_CONTRACT[scenario]


def fault_rule(route: str, kind: str, scenario: str, retry_after: int) -> FaultRule:
    """One fault: the first request only (transient) or every request (persistent, stale)."""
    delay = {"slow": SLOW_DELAY, "trickle": 0.001}.get(kind)  # slow: beyond SLOW_TIMEOUT
    count = 1 if scenario == "transient" else None
    return FaultRule(route, kind, count=count, retry_after=retry_after, delay=delay)


def cell_settings(folder: Path, url: str, kind: str, scenario: str) -> Settings:
    """One or two retries; a stale cell's entries expire as soon as stored. The timeout is
    short only where the fault is a slow answer (SLOW_TIMEOUT < SLOW_DELAY): elsewhere a
    generous one keeps a loaded machine (8 cells at once on 2 CPUs) from turning, say, a
    persistent 500 into a timeout."""
    ttls = {ttl: 0.0 for ttl in TTL_KINDS} if scenario == "stale" else {}
    retries = 2 if scenario == "transient" else 1
    timeout = SLOW_TIMEOUT if kind == "slow" else 30.0
    return Settings.from_env({}, cache_dir=folder / "cache", mast_url=url,
                             request_timeout=timeout, max_retries=retries,
                             ttl_overrides=ttls)  # fmt: skip


def stored(settings: Settings) -> frozenset[str]:
    """Every stored entry: query keys, resolved names and file URIs."""
    with Store.open(settings) as store, store.unit_of_work(read_only=True) as uow:
        keys = {f"query {r.key[:12]}" for r in store.list_queries()}
        names = {f"resolution {r.name}" for r in uow.resolutions.list()}
        return frozenset(keys | names | {f"file {f.uri}" for f in uow.files.list()})


def run_cell(cell: tuple[str, str, str], expected: Any, folder: Path, retry_after: int,
             caught: list[warnings.WarningMessage]) -> Outcome:  # fmt: skip
    """One call under one fault; ``caught`` records the warnings (this cell's name its port)."""
    route, kind, scenario = cell
    folder.mkdir(parents=True)
    with start("127.0.0.1", 0) as server:
        settings = cell_settings(folder, server.url, kind, scenario)
        with runtime.using_settings(settings):
            before = _prepared(route, folder, scenario, settings)
            server.set_faults(fault_rule(ROUTES[route].route, kind, scenario, retry_after))
            result, detail, got = _attempt(route, folder)
            faulted = sum(r.fault is not None for r in server.requests.snapshot())
            problems = _store_problems(settings, result, before)
            if result == "error":  # nothing bad was kept (HTTP cache included): a retry works
                server.set_faults(None)
                result, detail = _recovered(route, folder, expected, result, detail)
        attempts = len(server.requests.snapshot())
        stale = [w for w in caught if _is_stale_warning(w, server.port)]
    result, detail = _judge(result, detail, got, expected, stale)
    return Outcome(route, kind, scenario, result, detail, faulted, attempts, problems,
                   expected=contract(route, kind, scenario))  # fmt: skip


def _is_stale_warning(warning: warnings.WarningMessage, port: int) -> bool:
    return issubclass(warning.category, StaleResultWarning) and f":{port}/" in str(warning.message)


def _prepared(route: str, folder: Path, scenario: str, settings: Settings) -> frozenset[str]:
    """Fault-free set-up: the listing a download needs, the entry a stale cell expires (with
    a generous timeout: only the faulted call is held to the short one)."""
    prepare = ROUTES[route].prepare
    with runtime.using_settings(_patient(settings)):
        if prepare is not None:
            prepare(folder)
        if scenario == "stale":
            ROUTES[route].call(folder)
            time.sleep(1.1)  # the HTTP-level copy expires too (its TTL is at least 1 s)
    return stored(settings)


def _patient(settings: Settings) -> Settings:
    return settings.new(request_timeout=60.0, max_retries=3)


def _attempt(route: str, folder: Path) -> tuple[str, str, Call | None]:
    try:
        return "done", "", ROUTES[route].call(folder)
    except MastCacheError as exc:
        return ("error", f"{type(exc).__name__}: {exc}", None) if str(exc) else (
            "unclear-error", type(exc).__name__, None)  # fmt: skip
    except Exception as exc:  # anything else reaching the user is a finding
        return "foreign-error", f"{type(exc).__name__}: {exc}", None


def _recovered(
    route: str, folder: Path, expected: Any, result: str, detail: str
) -> tuple[str, str]:
    with runtime.using_settings(_patient(runtime.current_settings())):
        again, why, got = _attempt(route, folder)
    if again != "done" or got is None or got.value != expected:
        return "no-recovery", f"after {detail[:80]}: the fault-free retry gave {again} {why[:200]}"
    return result, detail


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


def run_cells(
    cells: list[tuple[int, list[str]]], expected: dict[str, Any], root: Path, retry_after: int
) -> list[Outcome]:
    """Run ``cells`` one after another in this process, each folder named by its index."""
    outcomes = []
    for index, (route, kind, scenario) in cells:
        cell = (route, kind, scenario)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=InputWarning)
            folder = root / f"{index:03d}-{'-'.join(cell)}"
            outcome = run_cell(cell, expected[route], folder, retry_after, caught)
            outcomes.append(dataclasses.replace(outcome, index=index))
    return outcomes
