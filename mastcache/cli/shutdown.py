"""The end of a ``mastcache`` process: Python's own exit, without native teardown.

When a command is done, :func:`end_process` does what the interpreter's exit does first, in
its order: wait for the threads that are not daemons (and stop idle executors), run the
``atexit`` functions (hit counters, logging, temporary directories), flush stdout and
stderr. It skips the rest: freeing every module and object, then the C and C++ exit
handlers of native libraries. Those handlers can abort a process that has finished its
work. pyarrow's threads abort ``terminate called without an active exception``
(SIGABRT) now and then (apache/arrow#34314). Once in a CI run, a ``snapshot diff`` that
had printed its whole report exited -6 instead of 1.

Only the program ends this way (:func:`mastcache.cli.run`); :func:`mastcache.cli.main`, which
tests and embedders call, returns its code as before.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

__all__ = ["FLUSH_FAILED", "as_program", "end_process", "leave"]

#: Python's exit status when stdout or stderr cannot be flushed at exit.
FLUSH_FAILED = 120

_left: list[object] | None = None  # in the program: what is left to its end, never freed


def as_program() -> None:
    """This process is the ``mastcache`` program: it ends with :func:`end_process`."""
    global _left
    if _left is None:
        _left = []


def leave(resource: object) -> None:
    """In the program, keep ``resource`` to the end, where it is never freed: freeing a
    DuckDB database costs ~2.5 ms of a ~0.1 s `mastcache sql` (issue 19). Elsewhere
    (:func:`mastcache.cli.main` called by other code: tests, embedders), it is freed as
    usual."""
    if _left is not None:
        _left.append(resource)


def end_process(code: int) -> NoReturn:
    """End the process with status ``code`` (see the module doc)."""
    wait_for_threads = getattr(threading, "_shutdown", None)
    if wait_for_threads is None:  # an interpreter without it: its own exit, teardown and all
        sys.exit(code)
    wait_for_threads()
    atexit._run_exitfuncs()
    os._exit(_flushed(code))


def _flushed(code: int) -> int:
    """``code``, or :data:`FLUSH_FAILED` if output written so far cannot be flushed (a
    closed pipe, a full disk), as Python's own exit reports it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):  # ValueError: the stream was closed
            code = code or FLUSH_FAILED
    return code
