"""``mastcache run``: a script (and the process it starts) recorded against the emulator, then
replayed in fresh processes with the emulator stopped and connections beyond loopback refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mastcache import snapshot
from mastcache.emulator import start

ROOT = Path(__file__).resolve().parents[2]

ANALYSIS = """
import os, socket, subprocess, sys

def mastcache_rows():
    from mastcache import Observations
    return len(Observations.query_object("M101", radius="0.05 deg"))

def astroquery_rows():
    import astropy.config.configuration as configuration
    import astroquery
    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = os.environ["EMU"]
    astroquery.cache_conf.cache_active = False
    from astroquery.mast import Observations
    return len(Observations.query_region("210.80227 54.34895", radius="0.05 deg"))

if sys.argv[1:] == ["child"]:
    print("astroquery", astroquery_rows())
else:
    print("mastcache", mastcache_rows())
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "child"], check=True)
    try:
        socket.create_connection(("192.0.2.1", 80), timeout=0.5).close()
        print("network reachable")
    except OSError as exc:
        print("network", type(exc).__name__)
"""


def mastcache_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    (cwd / ".config").mkdir(exist_ok=True)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    environ.update(env or {}, PYTHONPATH=str(ROOT), XDG_CONFIG_HOME=str(cwd / ".config"))
    return subprocess.run(
        [sys.executable, "-m", "mastcache", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str]:
    """analysis.py recorded against an emulator that is stopped afterwards; its output."""
    (tmp_path / "analysis.py").write_text(ANALYSIS)
    with start("127.0.0.1", 0) as server:
        result = mastcache_cli(
            "--cache-dir", str(tmp_path / "cache"), "--mast-url", server.url,
            "run", "--record", "analysis.mastsnap", "--", sys.executable, "analysis.py",
            cwd=tmp_path, env={"EMU": server.url},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(server.requests) > 0
    return tmp_path / "analysis.mastsnap", result.stdout


def test_record_covers_the_script_and_the_process_it_starts(recorded: tuple[Path, str]) -> None:
    path, output = recorded
    assert "mastcache 15" in output and "astroquery 15" in output
    manifest = snapshot.verify(path).raise_for_problems("read")
    cones = [q for q in manifest.queries if q.service == "Mast.Caom.Cone"]
    assert len(cones) == 2  # M101 by name (client) and by position (stock astroquery)
    assert [r.name for r in manifest.resolutions] == ["m101"]  # stored lower-cased


def test_replay_is_offline_in_fresh_processes(recorded: tuple[Path, str], tmp_path: Path) -> None:
    path, output = recorded
    fresh = tmp_path / "elsewhere"
    fresh.mkdir()
    (fresh / "analysis.py").write_text(ANALYSIS)
    result = mastcache_cli(
        "run", "--snapshot", str(path), "--", sys.executable, "analysis.py",
        cwd=fresh, env={"EMU": "http://127.0.0.1:9", "MASTCACHE_DIR": str(fresh / "cache")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == output.splitlines()[:2]
    assert lines[2] == "network SocketBlockedError"
    assert not (fresh / "cache").exists()  # the user's cache is never touched by a replay


def test_exit_status_passes_through_and_a_failed_run_writes_nothing(tmp_path: Path) -> None:
    result = mastcache_cli(
        "--cache-dir", str(tmp_path / "cache"),
        "run", "--record", "failed", "--", sys.executable, "-c", "import sys; sys.exit(3)",
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3
    assert not (tmp_path / "failed.mastsnap").exists()
    assert "not written" in result.stderr


def test_ctrl_c_is_forwarded_to_the_command(tmp_path: Path) -> None:
    child = (
        "import sys, time\n"
        "print('ready', flush=True)\n"
        "try:\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    sys.exit(42)\n"
    )
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    environ.update(PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path / "cache")]
    command += ["run", "--record", "x", "--", sys.executable, "-c", child]
    parent = subprocess.Popen(command, cwd=tmp_path, env=environ, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    parent.send_signal(signal.SIGINT)
    assert parent.wait(timeout=60) == 42


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--record", "x", "python", "a.py"], "put -- before the command"),
        (["run", "--snapshot", "missing.mastsnap", "--", "python"], "does not exist"),
        (["run", "--", "python"], "exactly one of --record or --snapshot"),
        (["run", "--record", "x", "--", "no-such-command-here"], "cannot start"),
    ],
)
def test_mistakes_are_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = mastcache_cli("--cache-dir", str(tmp_path / "cache"), *args, cwd=tmp_path)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
