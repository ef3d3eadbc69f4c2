"""Shared machinery of the reliability suite: worker processes, reference answers, cache checks
and the figures each test records for the terminal summary.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.errors import InputWarning
from mastcache.maintenance import verify_cache
from mastcache.settings import Settings
from mastcache.store import Store

WORKER = Path(__file__).with_name("rel_worker.py")
#: figures per suite section, printed by this folder's conftest at the end of the run
FIGURES: dict[str, Counter[str]] = {}


def record(section: str, **counts: int) -> None:
    """Add ``counts`` to a section's figures (runs, kills, faults, attempts, failures...)."""
    FIGURES.setdefault(section, Counter()).update(counts)


def summary_lines() -> list[str]:
    return [
        f"reliability {section}: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
        for section, counts in sorted(FIGURES.items())
    ]


@contextmanager
def client_for(settings: Settings) -> Iterator[ObservationsClass]:
    """An Observations client working on ``settings`` (cache dir, emulator, page size)."""
    warnings.filterwarnings("ignore", category=InputWarning)  # pytest restores the filters
    with runtime.using_settings(settings):
        client = ObservationsClass()
        try:
            yield client
        finally:
            for services in client._built:
                services.close()


def cone_tables(settings: Settings, queries: Sequence[Sequence[float]]) -> list[Table]:
    """Each ``(ra, dec, radius)`` cone through mastcache on ``settings``."""
    with client_for(settings) as client:
        return [client.query_region(f"{ra} {dec}", radius=radius) for ra, dec, radius in queries]


def cache_problems(settings: Settings) -> list[str]:
    """What is wrong with a cache dir after a crash: it must open, verify clean, and hold no
    result file that no catalog row points to once orphans are swept."""
    with Store.open(settings) as store:
        store.sweep_orphans(older_than=0)
        problems = [f"{p.kind} {p.identifier[:16]}: {p.problem}" for p in verify_cache(settings)]
        with store.unit_of_work(read_only=True) as uow:
            referenced = uow.queries.table_paths()
        for path in sorted((settings.cache_dir / "tables").rglob("*.parquet")):
            relative = path.relative_to(settings.cache_dir).as_posix()
            if relative not in referenced:
                problems.append(f"unreferenced result file {relative}")
    return problems


class Zygote:
    """A pre-imported rel_worker.py that forks one worker per job (children start at once)."""

    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), "--zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(folder / "zygote.stderr").open("wb"),
            text=True,
        )
        assert self._read() == "zygote-ready"

    def _read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def fork(self, job: dict[str, Any], folder: Path, name: str) -> ForkedWorker:
        job_file = folder / f"{name}.json"
        job_file.write_text(json.dumps(job))
        assert self.process.stdin is not None
        self.process.stdin.write(f"{job_file}\n")
        self.process.stdin.flush()
        pid = int(self._read().removeprefix("pid "))
        return ForkedWorker(pid, job_file, name)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


class ForkedWorker:
    """A worker forked by the zygote: its lines are in JOB.out, its errors in JOB.err."""

    def __init__(self, pid: int, job_file: Path, name: str) -> None:
        self.pid, self.name = pid, name
        self.out_path = Path(f"{job_file}.out")
        self.err_path = Path(f"{job_file}.err")

    @property
    def lines(self) -> list[str]:
        text = self.out_path.read_text() if self.out_path.exists() else ""
        return [line for line in text.split("\n")[:-1]]  # only whole lines

    def is_alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_ready(self, timeout: float = 60.0) -> float:
        deadline = time.monotonic() + timeout
        while "ready" not in self.lines:
            if not self.is_alive() or time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} never got ready:\n{self.stderr()}")
            time.sleep(0.002)
        return time.monotonic()

    def kill(self) -> None:
        """SIGKILL the worker if it still runs, and wait until the kernel has reaped it."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        while self.is_alive():
            time.sleep(0.002)

    def finish(self, timeout: float) -> list[str]:
        """Wait for the worker to end; fail with its stderr unless its last line is ``done``."""
        deadline = time.monotonic() + timeout
        while self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if self.is_alive() or self.lines[-1:] != ["done"]:
            self.kill()
            raise AssertionError(f"worker {self.name} did not finish:\n{self.stderr()}")
        return self.lines

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines if line.startswith("{")]

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")[-4000:] if self.err_path.exists() else ""
