"""``mastcache emulator serve`` in a real subprocess: prints its URL, answers, stops on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
import requests
from click.testing import CliRunner

from mastcache.cli import cli


@pytest.fixture
def served() -> Iterator[tuple[subprocess.Popen[str], str]]:
    args = ["--port", "0", "--latency-ms", "1", "--faults", "/api/v0.1/path_lookup/=503:count=1"]
    process = subprocess.Popen(
        [sys.executable, "-m", "mastcache", "emulator", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, _first_line(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _first_line(process: subprocess.Popen[str], timeout: float = 60.0) -> str:
    """The first stdout line, or a failure with stderr if none comes in time."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0].strip():
        process.kill()
        pytest.fail(f"emulator printed no URL; stderr: {process.communicate()[1]}")
    return lines[0].strip()


def test_serve_prints_the_url_answers_and_stops_on_ctrl_c(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    assert url.startswith("http://127.0.0.1:")
    resolved = requests.get(f"{url}/Santa-war/query", params={"name": "M31"}, timeout=10).json()
    assert resolved["resolvedCoordinate"][0]["canonicalName"] == "M  31"
    lookup = f"{url}/api/v0.1/path_lookup/"
    assert (
        requests.get(lookup, params={"uri": "mast:HST/product/a_flt.fits"}, timeout=10).status_code
        == 503
    )
    assert requests.get(lookup, params={"uri": "mast:HST/product/a_flt.fits"}, timeout=10).ok
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "stopped" in process.stderr.read()  # type: ignore[union-attr]


def test_serve_rejects_a_bad_fault_spec() -> None:
    result = CliRunner().invoke(cli, ["emulator", "serve", "--faults", "/x=teapot"])
    assert result.exit_code != 0
    assert "Unknown fault kind 'teapot'" in str(result.exception)


def test_help_lists_every_knob() -> None:
    result = CliRunner().invoke(cli, ["emulator", "serve", "--help"])
    assert result.exit_code == 0
    for option in (
        "--host",
        "--port",
        "--latency-ms",
        "--rows",
        "--executing-polls",
        "--faults",
        "--seed",
        "--sky-epoch",
    ):
        assert option in result.output
