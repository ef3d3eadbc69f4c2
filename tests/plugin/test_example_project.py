"""The pytest plugin as users meet it: tests/plugin/example_project is a user's project with
its own rootdir and ini, run by pytest in a fresh process with the plugin loaded, through the
emulator fixture, the snapshot marker and each --mast-record mode."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mastcache import snapshot

EXAMPLE = Path(__file__).parent / "example_project"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(EXAMPLE, target)
    return target


def run_pytest(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python -m pytest -p mastcache.pytest_plugin`` in ``project``, with its own ini."""
    (project / ".config").mkdir(exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MASTCACHE_", "EXAMPLE_"))}
    environ.update(env, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(project / ".config"))
    command = [sys.executable, "-m", "pytest", "-p", "mastcache.pytest_plugin"]
    command += ["-c", str(project / "pytest.ini"), "--rootdir", str(project), "-q", *args]
    return subprocess.run(
        command, cwd=project, env=environ, capture_output=True, text=True, timeout=240
    )


def summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr


def services(path: Path) -> list[str]:
    manifest = snapshot.verify(path).raise_for_problems("read")
    return sorted(f"{q.service} {sorted(q.params.items())}" for q in manifest.queries)


def test_emulator_fixture_serves_mastcache_and_stock_astroquery(project: Path) -> None:
    result = run_pytest(project, "tests/test_with_emulator.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in summary(result)


def test_record_modes(project: Path) -> None:
    snapshots = project / "tests" / "snapshots"
    tests = "tests/test_with_snapshot.py"

    # none, no file: every marked test fails saying how to record
    result = run_pytest(project, tests)
    assert result.returncode == 1 and "2 errors" in summary(result)
    assert "does not exist; record it with --mast-record=once" in result.stdout

    # once: records both snapshots (from the emulator fixture the tests also ask for)
    result = run_pytest(project, tests, "--mast-record=once")
    assert result.returncode == 0, result.stdout + result.stderr
    cone, stock = snapshots / "cone.mastsnap", snapshots / "astroquery.mastsnap"
    recorded = cone.read_bytes()
    assert "Mast.Caom.Cone" in " ".join(services(cone))
    assert "Mast.Caom.Cone" in " ".join(services(stock))

    # none: replayed offline (sockets blocked, the emulator's log stays empty), even with
    # other parameter order and page size, and astroquery's random cacheBreaker
    result = run_pytest(project, tests, EXAMPLE_VARIANT="b")
    assert result.returncode == 0, result.stdout + result.stderr
    assert cone.read_bytes() == recorded

    # once with the file present: replays, never rewrites
    result = run_pytest(project, tests, "--mast-record=once")
    assert result.returncode == 0 and cone.read_bytes() == recorded

    # none, a call the snapshot lacks: the test fails naming the call
    result = run_pytest(project, tests, EXAMPLE_EXTRA="1")
    assert result.returncode == 1 and "1 failed, 1 passed" in summary(result)
    assert "name resolution of 'M51'" in result.stdout
    assert "add it with --mast-record=new" in result.stdout
    assert cone.read_bytes() == recorded

    # new: the missing calls are added, the old ones kept
    result = run_pytest(project, tests, "--mast-record=new", EXAMPLE_EXTRA="1")
    assert result.returncode == 0, result.stdout + result.stderr
    grown = services(cone)
    assert set(services_of(recorded, project)) < set(grown)
    assert run_pytest(project, tests, EXAMPLE_EXTRA="1").returncode == 0

    # all: recorded again from scratch; the extra call is gone
    result = run_pytest(project, tests, "--mast-record=all")
    assert result.returncode == 0, result.stdout + result.stderr
    assert services(cone) == services_of(recorded, project)


def services_of(data: bytes, project: Path) -> list[str]:
    copy = project / "copy.mastsnap"
    copy.write_bytes(data)
    return services(copy)


def test_no_token_reaches_the_snapshot(project: Path) -> None:
    result = run_pytest(project, "tests/test_with_snapshot.py", "--mast-record=all")
    assert result.returncode == 0, result.stdout + result.stderr
    for path in (project / "tests" / "snapshots").glob("*.mastsnap"):
        assert b"cacheBreaker" not in path.read_bytes()
        manifest = snapshot.verify(path).raise_for_problems("read")
        assert all("pagesize" not in q.params and "page" not in q.params for q in manifest.queries)


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = (
        "import sys, mastcache.pytest_plugin as p; "
        "heavy = [m for m in ('astroquery', 'mastcache.archive', 'mastcache.emulator.app', "
        "'mastcache.store', 'requests', 'sqlalchemy', 'pyarrow') if m in sys.modules]; "
        "print(heavy)"
    )
    environ = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_the_suite_fixtures_do_not_clash_with_the_plugin(pytestconfig: pytest.Config) -> None:
    import mastcache.pytest_plugin as plugin

    names = {"mast_emulator", "_mastcache_snapshot_marker"}
    assert names <= set(vars(plugin))
    conftest = (ROOT / "tests" / "conftest.py").read_text()
    assert not any(f"def {name}(" in conftest for name in names)
