"""The console script: --help, --version, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mastcache import __version__


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mastcache", *args], capture_output=True, text=True, timeout=120
    )


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("emulator", "sql", "db", "query", "resolve"):
        assert command in result.stdout


@pytest.mark.parametrize("group", [(), ("cache",), ("auth",)])
def test_a_group_without_a_command_prints_its_help(group: tuple[str, ...]) -> None:
    """`mastcache` or `mastcache cache` alone: the help, readable, exit 2 (as click does),
    not the help squashed onto one error line."""
    result = run(*group)
    assert result.returncode == 2
    assert result.stdout.startswith(f"Usage: mastcache {' '.join(group)}".rstrip())
    assert "\nCommands:\n" in result.stdout and result.stderr == ""


def test_bad_mode_is_one_clear_line() -> None:
    result = run("--mode", "sometimes", "db", "current")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "sometimes" in result.stderr


def test_import_touches_nothing(tmp_path: Path) -> None:
    """Importing the package and its public names opens no socket and creates no cache."""
    cache = tmp_path / "never-created"
    code = (
        "import socket\n"
        "def refuse(*a, **k): raise AssertionError('network at import')\n"
        "socket.socket.connect = refuse\n"
        "import mastcache, mastcache.cli\n"
        "from mastcache import Observations, Mast\n"
        "import mastcache.emulator\n"
    )
    env = {**os.environ, "MASTCACHE_DIR": str(cache)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert not cache.exists()


def test_a_command_exit_code_reaches_the_shell(tmp_path: Path) -> None:
    """`snapshot verify` of a damaged bundle must exit non-zero through main()."""
    bogus = tmp_path / "bogus.mastsnap"
    bogus.write_bytes(b"not a zip")
    result = run("--cache-dir", str(tmp_path / "c"), "snapshot", "verify", str(bogus))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
