"""Ctrl-C stops within a second (issue #18): a real ``mastcache`` process, SIGINT while it
downloads trickled files or waits on a slow paginated query; in-flight transfers are
abandoned, partial files stay for a resume, no lock file is left, exit status 130, and a
second Ctrl-C exits at once. Stop times are printed (pytest -s) and bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, FaultRule, start

REPO = Path(__file__).resolve().parents[2]
FILE = "/api/v0.1/Download/file"
INVOKE = "/api/v0/invoke"
SIZE = 4 * 1024 * 1024
#: The bound: one second from SIGINT to exit (the grace is 0.5 s; the rest is slack for a
#: loaded 2-CPU machine).
LIMIT_S = 1.0


@pytest.fixture
def big_files() -> Iterator[EmulatorServer]:
    """FITS products of at least 4 MiB, trickled (64 B per 0.2 ms: about 13 s a file)."""
    with start("127.0.0.1", 0, product_bytes=SIZE) as server:
        yield server


def hst_obsid(server: EmulatorServer, cache: Path) -> str:
    runtime.configure(cache_dir=cache, mast_url=server.url, mode="cache-first")
    try:
        found = ObservationsClass().query_criteria(obs_collection="HST", dataproduct_type="image")
        products = ObservationsClass().get_product_list(found[:1])
    finally:
        runtime.reset()
    assert len(products) >= 2
    return str(found["obsid"][0])


def start_cli(cache: Path, url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(cache), "--mast-url", url]
    return subprocess.Popen(
        [*command, *args], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_for(condition: Callable[[], bool], child: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never got going"
        time.sleep(0.01)


def interrupt(child: subprocess.Popen[str], *, times: int = 1) -> float:
    """SIGINT (``times`` of them, 20 ms apart); seconds until the process has exited."""
    sent = time.monotonic()
    for n in range(times):
        if n:
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
    child.wait(timeout=30)
    return time.monotonic() - sent


def partials(cache: Path) -> list[Path]:
    folder = cache / "products" / "partial"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_ctrl_c_during_downloads(big_files: EmulatorServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    obsid = hst_obsid(big_files, cache)
    big_files.set_faults(FaultRule(FILE, "trickle", delay=0.0002))
    child = start_cli(cache, big_files.url, "download", obsid, "--dir", str(tmp_path / "d"))
    wait_for(lambda: any(p.stat().st_size >= 1 << 20 for p in partials(cache)), child)
    elapsed = interrupt(child)
    print(f"\nCtrl-C during downloads: stopped in {elapsed:.3f} s")
    _, stderr = child.communicate()
    assert child.returncode == 130, stderr
    assert "Traceback" not in stderr and "Interrupted." in stderr
    assert elapsed < LIMIT_S
    kept = [p for p in partials(cache) if not p.name.endswith(".lock")]
    assert kept and max(p.stat().st_size for p in kept) >= 1 << 20  # kept for a resume
    assert not list(cache.rglob("*.lock"))

    big_files.set_faults(None)  # the resume fetches only the missing tails
    big_files.requests.clear()
    done = start_cli(cache, big_files.url, "download", obsid, "--dir", str(tmp_path / "d"))
    _, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    ranged = [r for r in big_files.requests.matching(FILE, "GET") if r.header("range")]
    assert ranged and all(r.status == 206 for r in ranged)
    assert not partials(cache)


def test_a_second_ctrl_c_exits_at_once(big_files: EmulatorServer, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    obsid = hst_obsid(big_files, cache)
    big_files.set_faults(FaultRule(FILE, "trickle", delay=0.0002))
    child = start_cli(cache, big_files.url, "download", obsid, "--dir", str(tmp_path / "d"))
    wait_for(lambda: bool(partials(cache)), child)
    elapsed = interrupt(child, times=2)
    print(f"\ntwo Ctrl-C during downloads: stopped in {elapsed:.3f} s")
    assert child.returncode == 130
    assert elapsed < LIMIT_S
    assert not list(cache.rglob("*.lock"))


def test_ctrl_c_during_a_slow_paginated_query(emulator: EmulatorServer, tmp_path: Path) -> None:
    emulator.set_faults(FaultRule(INVOKE, "slow", delay=30.0))
    cache = tmp_path / "cache"
    child = start_cli(cache, emulator.url, "query", "--region", "210.8 54.35", "--radius", "1 deg")
    wait_for(lambda: bool(emulator.requests.matching(INVOKE)), child)
    elapsed = interrupt(child)
    print(f"\nCtrl-C during a paginated query: stopped in {elapsed:.3f} s")
    _, stderr = child.communicate()
    assert child.returncode == 130 and "Traceback" not in stderr
    assert elapsed < LIMIT_S


def test_ctrl_c_during_a_long_sql_query(tmp_path: Path) -> None:
    """DuckDB turns the KeyboardInterrupt into its own error ("Query interrupted"), every run
    or one in two: still "Interrupted." and 130, as any Ctrl-C, never a query error."""
    runaway = "SELECT count(*) FROM range(1000000000000)"
    for _ in range(2):
        child = start_cli(tmp_path / "cache", "http://127.0.0.1:9", "sql", runaway)
        time.sleep(1.0)  # set up (~0.1 s), then counting
        assert child.poll() is None, child.communicate()
        elapsed = interrupt(child)
        _, stderr = child.communicate()
        assert (child.returncode, stderr.strip()) == (130, "Interrupted."), stderr
        assert elapsed < LIMIT_S
