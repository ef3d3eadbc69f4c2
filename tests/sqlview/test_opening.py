"""The SQL connection opened in another thread while the catalog is read (issue 19)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import connect, lockdown
from mastcache.sqlview.lockdown import DEFAULT_TIMEOUT, Opening


def setting(connection: object, name: str) -> object:
    return connection.execute("SELECT current_setting(?)", [name]).fetchone()[0]  # type: ignore[attr-defined]


def test_an_opening_hands_out_its_locked_down_connection_once() -> None:
    opening = Opening(2.5)
    connection = opening.connection()
    try:
        assert setting(connection, "max_execution_time") == 2500
        assert setting(connection, "python_enable_replacements") is False
        assert setting(connection, "autoinstall_known_extensions") is False
        assert setting(connection, "parquet_metadata_cache") is True
        with pytest.raises(SQLError, match="already handed out"):
            opening.connection()
        opening.close()  # the caller's connection stays open
        assert connection.execute("SELECT 41 + 1").fetchone() == (42,)
    finally:
        connection.close()


def test_no_timeout_means_the_default_and_a_bad_one_fails_in_the_caller() -> None:
    opening = Opening(None)
    assert opening.timeout == DEFAULT_TIMEOUT
    connection = opening.connection()
    assert setting(connection, "max_execution_time") == DEFAULT_TIMEOUT * 1000
    connection.close()
    with pytest.raises(SQLError, match="positive number of seconds, got -1"):
        Opening(-1)


def test_a_closed_opening_gives_no_connection() -> None:
    opening = Opening(None)
    opening.close()
    with pytest.raises(SQLError, match="already handed out or closed"):
        opening.connection()


def test_a_session_uses_the_opening_it_is_given(tmp_path: Path) -> None:
    opening = Opening(7)
    with connect(Settings.from_env({}, cache_dir=tmp_path / "cache"), opening=opening) as sql:
        assert sql.query("SELECT count(*) FROM queries").rows() == [(0,)]
        answer = sql.query("SELECT current_setting('max_execution_time')")
        assert answer.rows() == [(7000,)]


def test_a_cli_set_up_that_fails_after_the_opening_exits_cleanly(tmp_path: Path) -> None:
    """A catalog that is not SQLite fails the set-up while DuckDB connects in its thread:
    one line and exit 1, the connection closed, never an abort inside DuckDB."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "catalog.sqlite").write_bytes(b"not a database, " * 64)
    env = {**os.environ, "MASTCACHE_DIR": str(cache)}
    for _ in range(3):  # the thread may be anywhere in duckdb.connect when it fails
        done = subprocess.run([sys.executable, "-m", "mastcache", "sql", "SELECT 1"],
                              env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 1, done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), done.stderr
        assert "terminate" not in done.stderr and "Traceback" not in done.stderr


def test_an_early_opening_is_taken_once_with_the_commands_timeout() -> None:
    """`mastcache sql` starts the connection before its options are read
    (mastcache/__main__.py); the command takes it, bound by its own --timeout."""
    lockdown.open_early()
    first = lockdown.opening(2.5)
    connection = first.connection()
    try:
        assert first.timeout == 2.5
        assert setting(connection, "max_execution_time") == 2500
    finally:
        connection.close()
    second = lockdown.opening(None)  # nothing started early: a new opening
    assert second is not first
    connection = second.connection()
    assert setting(connection, "max_execution_time") == DEFAULT_TIMEOUT * 1000
    connection.close()


def test_an_early_opening_without_a_timeout_keeps_the_default() -> None:
    lockdown.open_early()
    connection = lockdown.opening(None).connection()
    assert setting(connection, "max_execution_time") == DEFAULT_TIMEOUT * 1000
    connection.close()


def test_a_bad_timeout_closes_the_early_opening() -> None:
    lockdown.open_early()
    early = lockdown._early[0]
    with pytest.raises(SQLError, match="positive number of seconds, got 0"):
        lockdown.opening(0)
    assert not lockdown._early
    with pytest.raises(SQLError, match="already handed out or closed"):
        early.connection()


def test_the_programs_sql_stops_a_runaway_query_at_its_timeout(tmp_path: Path) -> None:
    """Through `python -m mastcache`, which opens the connection early: --timeout holds."""
    env = {**os.environ, "MASTCACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "mastcache", "sql", "--timeout", "0.3",
         "SELECT count(*) FROM range(1000000000000)"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "stopped" in done.stderr and len(done.stderr.strip().splitlines()) == 1
