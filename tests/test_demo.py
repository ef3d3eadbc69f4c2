"""The demo runs cold, warm and offline, and reports honestly where each answer came from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mastcache import snapshot
from mastcache.demo import run_demo


def test_demo_phases_and_sources(tmp_path: Path) -> None:
    report = run_demo(tmp_path / "cache", latency_ms=0)
    cold, warm, offline = (report.phase(name) for name in ("cold", "warm", "offline"))
    assert [p.mode for p in (cold, warm, offline)] == ["refresh", "cache-first", "offline"]
    fetching = [step for step in cold.steps if not step.name.startswith("SQL")]
    assert {step.source for step in fetching} == {"network"}
    for phase in (warm, offline):
        assert phase.count("network") == 0, phase
        assert [s.rows for s in phase.steps] == [s.rows for s in cold.steps]
    assert all(step.rows > 0 for step in cold.steps)
    assert report.snapshot is not None and snapshot.verify(report.snapshot).ok
    downloads = tmp_path / "cache" / "downloads" / "offline"
    assert len([p for p in downloads.rglob("*") if p.is_file()]) == 5


def test_demo_command_with_no_network(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path / "c"), "demo"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "offline: 8 of 8 calls from the cache, 0 from the network" in result.stdout
    assert "mastcache --cache-dir" in result.stdout and "sql" in result.stdout
