"""The Python example of docs/snapshots.md runs as written (record, verify, replay)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "snapshots.md"


def test_the_python_example_runs(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)
    assert len(blocks) == 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    result = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "fig3.mastsnap" in result.stdout and "M31" in result.stdout
    assert (tmp_path / "fig3.mastsnap").is_file()
