"""`mastcache --snapshot FILE <command>` serves the command from the bundle alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def test_query_served_from_a_snapshot_with_an_empty_cache_and_no_server(
    recorded: Any, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-cache"
    command = [
        sys.executable, "-m", "mastcache", "--cache-dir", str(empty),
        "--mast-url", "http://127.0.0.1:9", "--snapshot", str(recorded.bundle),
        "query", "--object", "M101", "--radius", "0.05 deg", "--format", "json",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    expected = recorded.originals["object"]
    assert [row["obsid"] for row in rows] == list(expected["obsid"])


def test_a_call_the_snapshot_cannot_answer_is_one_clear_error(
    recorded: Any, tmp_path: Path
) -> None:
    command = [
        sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path / "c"),
        "--snapshot", str(recorded.bundle), "query", "--object", "M31",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 1
    assert "cannot answer this call" in result.stderr
    assert "Traceback" not in result.stderr
