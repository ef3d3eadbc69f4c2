"""The live profile: the compat suites against the real MAST archive.

Never part of the default run or CI (the ``remote`` marker, and skipped unless
``MASTCACHE_REMOTE=1``). Run it with::

    MASTCACHE_REMOTE=1 pytest -m remote -o addopts="--import-mode=importlib" \
        tests/compat tests/lightkurve

(``-o addopts=...`` drops the default ``--allow-hosts=127.0.0.1,...``, which would refuse the
archive.) Each suite runs in a worker process (remote_worker.py): every call through stock
astroquery and then, at once, through mastcache, against https://mast.stsci.edu; then through
mastcache alone, offline, every socket refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mastcache.emulator import start

REMOTE = os.environ.get("MASTCACHE_REMOTE") == "1"
LIVE = [
    pytest.mark.remote,
    pytest.mark.skipif(not REMOTE, reason="live MAST profile: set MASTCACHE_REMOTE=1"),
]
WORKER = Path(__file__).with_name("remote_worker.py")


def _report(suite: str, tmp_path: Path, server: str | None = None) -> dict[str, Any]:
    out = tmp_path / "report.json"
    args = [sys.executable, str(WORKER), suite, str(tmp_path / "cache"), str(tmp_path), str(out)]
    env = {**os.environ, "MASTCACHE_REMOTE_URL": server or ""}
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600, check=False, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    report: dict[str, Any] = json.loads(out.read_text())
    return report


@pytest.mark.parametrize(
    "suite",
    [pytest.param(s, marks=LIVE) for s in ("observations", "missions_catalogs", "cutouts")],
)
def test_suite_matches_stock_astroquery_on_real_mast_and_replays_offline(
    suite: str, tmp_path: Path
) -> None:
    _assert_clean(_report(suite, tmp_path))


def test_the_live_harness_itself_on_the_emulator(tmp_path: Path) -> None:
    """The same worker, aimed at an emulator: the profile runs end to end in the default run."""
    with start("127.0.0.1", 0) as server:
        report = _report("cutouts", tmp_path, server.url)
    _assert_clean(report)
    assert report["calls"] >= 10 and len(report["offline"]) == report["calls"]


def _assert_clean(report: dict[str, Any]) -> None:
    assert report["calls"] >= 10
    online = {name: why for name, why in report["online"].items() if why}
    assert online == {}, f"mastcache differs from stock astroquery on real MAST: {online}"
    offline = {name: why for name, why in report["offline"].items() if why}
    assert offline == {}, f"offline replay differs: {offline}"
