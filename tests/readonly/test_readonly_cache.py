"""A cache this process cannot write is first-class: everything stored is served, SQL, stats
and verify work, snapshots can be written elsewhere, nothing is written into it, and a call
that needs to store says so in one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from readonly.support import REPO, ReadOnlyCache
from resources import missing


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_offline_and_cache_first_serve_what_is_stored(readonly_cache: ReadOnlyCache) -> None:
    before = readonly_cache.listing()
    for mode in ("offline", "cache-first"):
        result = readonly_cache.run(
            "--mode", mode, "query", "--object", "M101", "--radius", "0.1 deg", "--format", "json"
        )
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) > 0
        resolved = readonly_cache.run("--mode", mode, "resolve", "M101", "--format", "csv")
        assert resolved.returncode == 0, resolved.stderr
        assert "210.80" in resolved.stdout
    assert readonly_cache.listing() == before  # not even a lock file or a hit counter


def test_sql_stats_and_verify_work(readonly_cache: ReadOnlyCache) -> None:
    before = readonly_cache.listing()
    sql = readonly_cache.run("sql", "SELECT count(*) AS n FROM queries", "--format", "csv")
    assert sql.returncode == 0, sql.stderr
    assert int(sql.stdout.splitlines()[1]) >= 2
    stats = readonly_cache.run("cache", "stats")
    assert stats.returncode == 0, stats.stderr
    assert "Mast.Caom" in stats.stdout
    verify = readonly_cache.run("cache", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "verified" in verify.stdout
    assert readonly_cache.listing() == before
    assert not (readonly_cache.source / "cache.rwlock").exists()


def test_snapshot_created_elsewhere_from_it(readonly_cache: ReadOnlyCache, tmp_path: Path) -> None:
    out = tmp_path / "snaps"
    made = readonly_cache.run("snapshot", "create", "fig1", "--output-dir", str(out))
    assert made.returncode == 0, made.stderr
    check = readonly_cache.run("snapshot", "verify", str(out / "fig1.mastsnap"))
    assert check.returncode == 0, check.stderr


def test_a_write_says_read_only_in_one_line(readonly_cache: ReadOnlyCache) -> None:
    before = readonly_cache.listing()
    for args in (["cache", "prune", "--older-than", "1d"], ["cache", "clear", "--yes"]):
        result = readonly_cache.run(*args)
        assert result.returncode == 1
        assert "read-only" in one_line(result)
    assert readonly_cache.listing() == before


def test_a_fresh_answer_is_served_unstored_with_a_warning(
    readonly_cache: ReadOnlyCache,
) -> None:
    before = readonly_cache.listing()
    result = readonly_cache.run("resolve", "M31", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "M31" in result.stdout
    assert "read-only" in result.stderr and "not stored" in result.stderr
    offline = readonly_cache.run("--mode", "offline", "resolve", "M31")
    assert offline.returncode == 1
    assert "not in the cache" in one_line(offline)
    assert readonly_cache.listing() == before


def test_an_empty_read_only_folder_is_one_line(tmp_path: Path) -> None:
    top = Path(tempfile.mkdtemp(prefix="mastcache-empty-")) if os.geteuid() == 0 else tmp_path
    try:
        top.chmod(0o755)
        empty = top / "empty"
        empty.mkdir()
        empty.chmod(0o555)
        command = [sys.executable, "-m", "mastcache", "--cache-dir", str(empty), "cache", "stats"]
        runner = _as_nobody() if os.geteuid() == 0 else []
        result = subprocess.run(
            [*runner, *command], capture_output=True, text=True, env=_nobody_env(top)
        )
        assert result.returncode == 1
        assert "read-only" in one_line(result) and "no mastcache catalog" in result.stderr
        assert list(empty.iterdir()) == []
    finally:
        if top != tmp_path:
            shutil.rmtree(top)


def _nobody_env(home: Path) -> dict[str, str]:
    """The environment of a subprocess run as `nobody`: its own home for astropy's config."""
    dropped = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "ASTROPY_CONFIG_DIR", "ASTROPY_CACHE_DIR")
    dropped += ("COVERAGE_PROCESS_START",)  # nobody cannot write root's coverage data files
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**env, "PYTHONPATH": str(REPO), "HOME": str(home)}


def _as_nobody() -> list[str]:
    """The command prefix that runs a subprocess as `nobody`, once it is known to work."""
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import astropy, mastcache"],
        capture_output=True, text=True, env=_nobody_env(Path(tempfile.gettempdir())),
    )  # fmt: skip
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        missing(
            f"a Python environment user nobody can run ({sys.executable}: {last})",
            "put the virtual environment in a folder every user can read (chmod o+rx on it "
            "and its parents), as .ci/run does",
        )
    return prefix


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a subprocess as nobody")
def test_a_shared_cache_owned_by_someone_else(filled: Path) -> None:
    """Permissions, not a mount: root's cache, group/world readable, read by `nobody`."""
    shared = Path(tempfile.mkdtemp(prefix="mastcache-shared-"))
    try:
        shared.chmod(0o755)
        cache = shared / "cache"
        shutil.copytree(filled, cache)
        for path in [cache, *cache.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        env = _nobody_env(shared)
        base = [*_as_nobody(), sys.executable, "-m", "mastcache", "--cache-dir", str(cache)]
        before = sorted(p.name for p in cache.rglob("*"))
        for args in (
            ["--mode", "offline", "resolve", "M101"],
            ["sql", "SELECT count(*) FROM queries"],
            ["cache", "verify"],
        ):
            result = subprocess.run([*base, *args], capture_output=True, text=True, env=env)
            assert result.returncode == 0, (args, result.stderr)
        pruned = subprocess.run(
            [*base, "cache", "prune", "--expired"], capture_output=True, text=True, env=env
        )
        assert pruned.returncode == 1 and "read-only" in one_line(pruned)
        assert sorted(p.name for p in cache.rglob("*")) == before
    finally:
        shutil.rmtree(shared)
