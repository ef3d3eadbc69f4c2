"""Every user mistake on the command line is one line and a non-zero exit, never a traceback,
in the user's terms (issue #18). A table of bad arguments for every command, run in-process
through ``main()`` (what the console script runs), plus a few real subprocesses."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli.clirun import Outcome, run_main

from mastcache.emulator import EmulatorServer

REPO = Path(__file__).resolve().parents[2]

#: (arguments after the global options, a fragment the one line must contain)
#: "{tmp}" is this test's tmp_path; "{file}" an existing plain file there.
BAD: list[tuple[list[str], str]] = [
    # global options and commands
    (["--mode", "sometimes", "db", "current"], "'sometimes' is not one of"),
    (["nosuchcommand"], "No such command"),
    (["--snapshot", "{tmp}/none.mastsnap", "query", "--object", "M101"], "does not exist"),
    (["--cache-dir", "{file}", "cache", "stats"], "is a file"),
    (["--cache-dir", "{file}/sub", "cache", "stats"], "cannot create the cache directory"),
    # query: coordinates, radius, criteria, columns, formats, paths
    (["query"], "give --region, --object or at least one --criteria"),
    (["query", "--region", "1 2", "--object", "M101"], "not both"),
    (["query", "--region", "somewhere"], "cannot read position 'somewhere'"),
    (["query", "--region", "10 100"], "cannot read position '10 100'"),
    (["query", "--object", "M101", "--radius", "abc"], "'abc' is not an angle"),
    (["query", "--object", "M101", "--radius", "3 m"], "'3 m' is not an angle"),
    (["query", "--object", "M101", "--radius", "0 deg"], "more than 0 and at most 180 deg"),
    (["query", "--object", "M101", "--radius", "-1 deg"], "more than 0 and at most 180 deg"),
    (["query", "--object", "M101", "--radius", "200"], "more than 0 and at most 180 deg"),
    (["query", "--object", "M101", "--radius", "nan deg"], "more than 0 and at most 180"),
    (["query", "--object", "M101", "--radius", "1,2 deg"], "is not an angle"),
    (["query", "-c", "t_exptime=abc..def"], "'abc' is not a number"),
    (["query", "-c", "t_exptime=5..1"], "the range is empty"),
    (["query", "-c", "t_exptime=..5"], "both ends"),
    (["query", "-c", "t_exptime=1..2..3"], "both ends"),
    (["query", "-c", "t_exptime=1..inf"], "'inf' is not a number"),
    (["query", "-c", "noequals"], "expected KEY=VALUE"),
    (["query", "-c", "=TESS"], "expected KEY=VALUE"),
    (["query", "-c", "obs_collection="], "expected KEY=VALUE"),
    (["query", "-c", "no_such_criterion=1"], "no_such_criterion"),
    (["query", "--object", "M101", "--columns", "nope"], "no column 'nope'"),
    (["query", "--object", "M101", "--columns", ","], "give column names"),
    (["query", "--object", "M101", "--format", "xml"], "'xml' is not one of"),
    (["query", "--object", "M101", "--format", "parquet"], "--format parquet needs --output"),
    (["query", "--object", "M101", "-o", "{tmp}/no/such/dir/x.csv"], "does not exist"),
    (["query", "--object", "M101", "-o", "{tmp}"], "is a directory"),
    (["query", "--object", "M101", "-o", "{file}/x.csv"], "does not exist"),
    (["query", "--object", "No Such Object 12345"], "No Such Object 12345"),
    # resolve
    (["resolve"], "Missing argument 'NAMES...'"),
    (["resolve", "M101", "--resolver", "GOOGLE"], "'GOOGLE' is not one of"),
    (["resolve", "No Such Object 12345"], "No Such Object 12345"),
    # products and download
    (["products"], "Missing argument 'OBSIDS...'"),
    (["products", "1", "--format", "yaml"], "'yaml' is not one of"),
    (["download", "1"], "Missing option '--dir'"),
    (["download", "1", "--dir", "{file}/sub"], "'--dir'"),
    (["download", "1", "--dir", "{tmp}/d", "--link", "soft"], "'soft' is not one of"),
    # sql
    (["sql"], "give a SELECT query"),
    (["sql", "DROP TABLE queries"], "read-only SELECT"),
    (["sql", "SELECT nope FROM observations"], "nope"),
    (["sql", "SELECT * FROM read_csv('/etc/passwd')"], "never files"),
    (["sql", "SELECT 1", "--timeout", "0"], "'--timeout'"),
    (["sql", "SELECT 1", "--timeout", "soon"], "'soon' is not a valid float"),
    (["sql", "SELECT 1; SELECT 2"], "one"),
    # cache
    (["cache", "prune"], "say what to prune"),
    (["cache", "prune", "--older-than", "3 parsecs"], "cannot read duration '3 parsecs'"),
    (["cache", "prune", "--older-than", "-1d"], "cannot read duration '-1d'"),
    (["cache", "prune", "--older-than", "never"], "--older-than"),
    (["cache", "prune", "--max-size", "lots"], "cannot read size 'lots'"),
    (["cache", "prune", "--max-size", "-5GB"], "cannot read size '-5GB'"),
    (["cache", "stats", "--format", "html"], "'html' is not one of"),
    (["cache", "nothing"], "No such command"),
    # snapshot
    (["snapshot", "create"], "Missing argument 'NAME'"),
    (["snapshot", "create", "s", "--since", "last tuesday"], "'last tuesday' is not an ISO"),
    (["snapshot", "create", "s", "--until", "2025-13-01"], "'2025-13-01' is not an ISO"),
    (["snapshot", "create", "."], "is not a snapshot name"),
    (["snapshot", "create", "s", "zzzz", "--output-dir", "{tmp}"], "zzzz"),
    (["snapshot", "create", "s", "--output-dir", "{file}"], "is a file"),
    (["snapshot", "verify", "{tmp}/none.mastsnap"], "none.mastsnap"),
    (["snapshot", "verify", "{file}"], "not a readable snapshot"),
    (["snapshot", "restore", "{file}"], "not a readable snapshot"),
    (["snapshot", "list", "{file}"], "is a file"),
    # db, auth, emulator, demo
    (["db", "nothing"], "No such command"),
    (["--mode", "offline", "auth", "login", "--token-stdin"], "offline mode"),
    (["auth", "login", "--token-stdin"], "--token-stdin read nothing"),
    (["emulator", "serve", "--port", "70000"], "70000 is not in the range"),
    (["emulator", "serve", "--faults", "bogus"], "'bogus'"),
    (["emulator", "serve", "--rows", "-3"], "'--rows'"),
    (["emulator", "serve", "--seed", "x"], "'x' is not a valid integer"),
    (["demo", "--latency-ms", "fast"], "'fast' is not a valid integer"),
]


@pytest.fixture
def place(tmp_path: Path) -> Iterator[dict[str, str]]:
    plain = tmp_path / "plain.txt"
    plain.write_text("not a folder\n")
    yield {"tmp": str(tmp_path), "file": str(plain)}


def invoke(args: list[str], place: dict[str, str], url: str, cache: Path) -> Outcome:
    filled = [arg.format(**place) for arg in args]
    return run_main(["--cache-dir", str(cache), "--mast-url", url, *filled])


def assert_one_line(outcome: Outcome, fragment: str) -> None:
    assert outcome.code != 0, outcome
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert "error: unexpected " not in outcome.stderr, outcome.stderr  # an unforeseen error = a bug
    assert len(outcome.lines) == 1, outcome.stderr
    assert fragment in outcome.lines[0], outcome.lines[0]
    assert "<Quantity" not in outcome.stderr and "Errno" not in outcome.stderr


@pytest.mark.parametrize(("args", "fragment"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_argument_is_one_line(
    args: list[str],
    fragment: str,
    place: dict[str, str],
    emulator_session: EmulatorServer,
    tmp_path: Path,
) -> None:
    outcome = invoke(args, place, emulator_session.url, tmp_path / "cache")
    assert_one_line(outcome, fragment)


def test_a_port_in_use_is_one_line(place: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        outcome = run_main(["emulator", "serve", "--port", port])
    assert_one_line(outcome, f"cannot listen on 127.0.0.1:{port}")


def test_declining_cache_clear_is_exit_1_not_ctrl_c(tmp_path: Path) -> None:
    outcome = run_main(["--cache-dir", str(tmp_path / "c"), "cache", "clear"], stdin="n\n")
    assert outcome.code == 1
    assert "cancelled: nothing was removed" in outcome.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    argv = ["--debug", "--cache-dir", str(tmp_path / "c"), "cache", "prune", "--older-than", "x"]
    outcome = run_main(argv)
    assert outcome.code == 1 and "Traceback" in outcome.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["query", "--object", "M101", "--radius", "0 deg"],
        ["query", "-c", "t_exptime=abc..def"],
        ["cache", "prune", "--older-than", "3 parsecs"],
        ["sql", "SELECT nope FROM observations"],
    ],
)
def test_real_console_script(args: list[str], tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path / "c"), *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "MASTCACHE_MODE": "offline"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
