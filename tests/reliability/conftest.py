"""Reliability suite fixtures, and the summary line of figures each section recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reliability.harness import Zygote, summary_lines


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = summary_lines()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """One pre-imported worker process that forks the suite's workers."""
    process = Zygote(tmp_path_factory.mktemp("zygote"))
    yield process
    process.close()
