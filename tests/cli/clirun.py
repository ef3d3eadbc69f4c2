"""Run the console script's ``main()`` in this process, capturing what the user would see."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass

from mastcache import runtime
from mastcache.cli import main


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_main(argv: list[str], stdin: str = "") -> Outcome:
    """``main(argv)`` with stdin/stdout/stderr swapped for buffers; settings reset after.

    An exception escaping ``main`` is not caught here: it fails the test, as a traceback
    would reach the user.
    """
    saved = sys.stdin, sys.stdout, sys.stderr
    out, err = io.StringIO(), io.StringIO()
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        code = main(argv)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        runtime.reset()
    return Outcome(code, out.getvalue(), err.getvalue())
