"""The end of a ``mastcache`` process (cli/shutdown.py): the command's exit code and whole
output, its threads and ``atexit`` functions, and no native teardown to abort it.

A native library whose exit handler aborts is modelled by registering C's ``abort`` with
``__cxa_atexit``, as a C++ compiler registers a static object's destructor: it runs in the C
``exit()`` that follows Python's finalization. A process that reaches it dies with SIGABRT,
as one did in a CI run (pyarrow's ``terminate called without an active exception``).
"""

from __future__ import annotations

import ctypes.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from mastcache.emulator import EmulatorServer

needs_libc = pytest.mark.skipif(
    ctypes.util.find_library("c") is None, reason="needs a C library to register abort with"
)

#: Registers abort() as a C exit handler, then runs the program as ``python -m mastcache``.
PROGRAM = """
import ctypes, ctypes.util, runpy, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"))
assert libc.__cxa_atexit(ctypes.cast(libc.abort, ctypes.c_void_p), None, None) == 0
{prelude}
sys.argv = ["mastcache", *sys.argv[1:]]
runpy.run_module("mastcache", run_name="__main__", alter_sys=True)
"""

#: The same, through main() and Python's own exit.
PYTHON_EXIT = """
import ctypes, ctypes.util, sys
libc = ctypes.CDLL(ctypes.util.find_library("c"))
assert libc.__cxa_atexit(ctypes.cast(libc.abort, ctypes.c_void_p), None, None) == 0
from mastcache.cli import main
sys.exit(main(sys.argv[1:]))
"""


def program(
    *args: str, cache_dir: Path, prelude: str = "", script: str = PROGRAM
) -> subprocess.CompletedProcess[str]:
    # buffered output, as a user's shell gives it: what is left in a buffer must be flushed
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MASTCACHE_") and k != "PYTHONUNBUFFERED"}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-c", script.format(prelude=prelude), "--cache-dir", str(cache_dir),
         *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


@needs_libc
def test_an_aborting_native_exit_handler_kills_pythons_own_exit(tmp_path: Path) -> None:
    """The model works: through Python's own exit, the process dies at C's exit()."""
    result = program("sql", "SELECT 42 AS answer", cache_dir=tmp_path, script=PYTHON_EXIT)
    assert "42" in result.stdout
    assert result.returncode == -signal.SIGABRT


@needs_libc
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("sql", "SELECT 42 AS answer"), 0),
        (("sql", "SELECT * FROM no_such_view"), 1),
        (("sql", "--bogus"), 2),
    ],
)
def test_the_program_ends_with_its_own_code(
    tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    result = program(*args, cache_dir=tmp_path)
    assert result.returncode == code, result.stderr
    if code == 0:
        assert result.stdout.split()[-1] == "42"
    else:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@needs_libc
def test_output_larger_than_a_pipe_arrives_whole(tmp_path: Path) -> None:
    query = "SELECT repeat('x', 1000000) || 'end' AS s"
    result = program("sql", "--format", "json", query, cache_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [{"s": "x" * 1_000_000 + "end"}]


@needs_libc
def test_threads_are_waited_for_and_exit_functions_run(tmp_path: Path) -> None:
    """As at Python's own exit: a thread that is not a daemon finishes its work, an idle
    executor that nobody shut down does not hang the exit, ``atexit`` functions run, and
    what they write is flushed."""
    prelude = f"""
import atexit, concurrent.futures, pathlib, threading, time
folder = pathlib.Path({str(tmp_path)!r})
def late():
    time.sleep(0.5)
    (folder / "thread").write_text("done")
threading.Thread(target=late).start()
concurrent.futures.ThreadPoolExecutor(2).submit(time.sleep, 0.1)
atexit.register(lambda: (folder / "atexit").write_text(str((folder / "thread").exists())))
atexit.register(lambda: sys.stdout.write("goodbye"))  # into stdout's buffer, not flushed
"""
    result = program("--version", cache_dir=tmp_path / "cache", prelude=prelude)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "thread").read_text() == "done"
    assert (tmp_path / "atexit").read_text() == "True"  # after the thread, as Python does
    assert result.stdout.endswith("goodbye")


def test_a_closed_stdout_fails_without_a_traceback(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path), "--help"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=120) != 0
    assert b"Traceback" not in process.stderr.read()


def test_a_cached_hit_is_counted_when_the_program_ends(
    tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    """Hit counters are written by an ``atexit`` function (store/hitcounts.py)."""
    query = ["--cache-dir", str(tmp_path), "--mast-url", emulator_session.url, "query",
             "--object", "M101", "--count"]  # fmt: skip
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "mastcache", *query],
                                capture_output=True, text=True, timeout=120)  # fmt: skip
        assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "catalog.sqlite") as connection:
        hits = connection.execute("SELECT SUM(hits), SUM(misses) FROM query_stats").fetchone()
    assert tuple(hits) == (1, 1)


def test_the_console_script_is_the_program() -> None:
    (script,) = entry_points(group="console_scripts", name="mastcache")
    assert script.value == "mastcache.__main__:program"


def test_what_the_program_leaves_is_never_freed_and_elsewhere_it_is() -> None:
    """leave(): a DuckDB database left to the program's end is not freed (~2.5 ms saved);
    where main() is called by other code, it is freed as usual."""
    script = """
import sys
from mastcache.cli import shutdown
class Resource:
    def __del__(self):
        sys.stdout.write("freed ")
if sys.argv[1] == "program":
    shutdown.as_program()
resource = Resource()
shutdown.leave(resource)
del resource
sys.stdout.write("done")
shutdown.end_process(0)
"""
    for role, expected in (("program", "done"), ("library", "freed done")):
        done = subprocess.run([sys.executable, "-c", script, role], capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert (done.returncode, done.stdout) == (0, expected), done.stderr
