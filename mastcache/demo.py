"""The demo: one realistic MAST session, run cold, warm, then offline against the emulator.

``run_demo`` starts the bundled emulator on loopback, runs the session three times (cold:
every call fetched; warm: served from the cache; offline: emulator stopped, network
forbidden) and returns a :class:`DemoReport` saying where each answer came from and how
long each phase took. The cache is left behind for ``mastcache sql``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mastcache import runtime
from mastcache.settings import Mode, Settings

__all__ = ["PHASES", "DemoReport", "PhaseResult", "StepResult", "run_demo"]

#: (phase name, refresh mode, emulator running?)
PHASES: tuple[tuple[str, Mode, bool], ...] = (
    ("cold", "refresh", True),
    ("warm", "cache-first", True),
    ("offline", "offline", False),
)
TARGETS = ("M 101", "M 31", "NGC 1300", "Barnard's Star")
JOIN_SQL = (
    "SELECT o.obs_collection, count(DISTINCT o.obsid) AS observations, "
    "count(p.productFilename) AS products "
    "FROM observations o LEFT JOIN products p ON p.obsID = o.obsid "
    "GROUP BY o.obs_collection ORDER BY observations DESC"
)


@dataclass(frozen=True)
class StepResult:
    """One call of the session: what it returned and where the answer came from."""

    name: str
    rows: int
    source: str
    seconds: float


@dataclass(frozen=True)
class PhaseResult:
    name: str
    mode: str
    steps: tuple[StepResult, ...]

    @property
    def seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def count(self, source: str) -> int:
        return sum(1 for step in self.steps if step.source == source)


@dataclass
class DemoReport:
    cache_dir: Path
    phases: list[PhaseResult] = field(default_factory=list)
    snapshot: Path | None = None

    def speedup(self, phase: str) -> float:
        """How many times faster ``phase`` was than the cold phase."""
        cold, other = self.phase("cold"), self.phase(phase)
        return cold.seconds / other.seconds if other.seconds else float("inf")

    def phase(self, name: str) -> PhaseResult:
        return next(phase for phase in self.phases if phase.name == name)


def _source(sources: list[str]) -> str:
    """One label for the sources of everything a step was served (network wins)."""
    for label in ("network", "snapshot", "cache"):
        if label in sources:
            return label
    return "store"  # nothing went through the archive: files or SQL read from the store


def _rows(result: Any) -> int:
    if isinstance(result, dict):
        return len(result)
    return len(result) if hasattr(result, "__len__") else 1


class _Session:
    """The calls a typical notebook makes, in order; each returns its result."""

    def __init__(self, download_dir: Path) -> None:
        from mastcache.client import Mast, Observations

        self.observations, self.mast = Observations, Mast
        self.download_dir = download_dir
        self.obs: Any = None
        self.science: Any = None

    def steps(self) -> list[tuple[str, Callable[[], Any]]]:
        return [
            ("resolve 4 targets", self.resolve),
            ("cone: M 101, 0.2 deg", self.cone_by_name),
            ("cone: M 31, 0.1 deg", lambda: self.observations.query_region("10.6847 41.2690",
                                                                           radius="0.1 deg")),
            ("criteria: HST+JWST images", self.criteria),
            ("count: TESS near M 31", lambda: self.observations.query_criteria_count(
                objectname="M 31", radius="1 deg", obs_collection="TESS")),
            ("product list: 10 obs", self.products),
            ("download 5 products", self.download),
            ("SQL: observations x products", self.sql_join),
        ]  # fmt: skip

    def resolve(self) -> Any:
        return self.mast.resolve_object(list(TARGETS))

    def cone_by_name(self) -> Any:
        self.obs = self.observations.query_object("M 101", radius="0.2 deg")
        return self.obs

    def criteria(self) -> Any:
        return self.observations.query_criteria(
            obs_collection=["HST", "JWST"], dataproduct_type="image", t_exptime=[100, 5000]
        )

    def products(self) -> Any:
        products = self.observations.get_product_list(self.obs[:10])
        self.science = self.observations.filter_products(products, productType="SCIENCE")
        return products

    def download(self) -> Any:
        manifest = self.observations.download_products(
            self.science[:5], download_dir=str(self.download_dir), verbose=False
        )
        if manifest is None:
            raise RuntimeError("demo download failed: no science products to download")
        failed = [row["Message"] for row in manifest if row["Status"] != "COMPLETE"]
        if failed:
            raise RuntimeError(f"demo download failed: {failed[0]}")
        return manifest

    def sql_join(self) -> Any:
        from mastcache.sqlview import sql

        return sql(JOIN_SQL)


def _timed(name: str, call: Callable[[], Any], server_hits: Callable[[], int]) -> StepResult:
    """Run one step; its source is "network" when the emulator saw any request meanwhile."""
    from mastcache.archive import ServedEvent, observing

    sources: list[str] = []

    def note(event: ServedEvent) -> None:
        sources.append(event.provenance.source)

    before = server_hits()
    start = time.perf_counter()
    with observing(note), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = call()
    elapsed = time.perf_counter() - start
    if server_hits() > before:
        sources.append("network")
    return StepResult(name, _rows(result), _source(sources), elapsed)


def _run_phase(
    name: str, mode: Mode, settings: Settings, server_hits: Callable[[], int]
) -> PhaseResult:
    with runtime.using_settings(settings.new(mode=mode)):
        session = _Session(settings.cache_dir / "downloads" / name)
        steps = tuple(_timed(step, call, server_hits) for step, call in session.steps())
    return PhaseResult(name, mode, steps)


def _snapshot(settings: Settings) -> Path:
    """Freeze everything the session cached into one verified, replayable file."""
    from mastcache import snapshot

    with runtime.using_settings(settings):
        info = snapshot.create("demo", output_dir=settings.cache_dir)
        report = snapshot.verify(info.path)
    if not report.ok:
        raise RuntimeError(f"the demo snapshot does not verify: {report.problems()}")
    return Path(info.path)


def run_demo(
    cache_dir: Path, *, latency_ms: int = 20, progress: Callable[[PhaseResult], None] | None = None
) -> DemoReport:
    """Run the demo session in ``cache_dir``; see the module docstring."""
    from mastcache.emulator import start

    report = DemoReport(cache_dir=cache_dir)
    server = start(latency_ms=latency_ms)
    settings = runtime.current_settings().new(cache_dir=cache_dir, mast_url=server.url)
    try:
        for name, mode, needs_server in PHASES:
            if not needs_server:
                server.stop()
            phase = _run_phase(name, mode, settings, lambda: len(server.requests))
            report.phases.append(phase)
            if progress is not None:
                progress(phase)
    finally:
        server.stop()
    report.snapshot = _snapshot(settings)
    return report
