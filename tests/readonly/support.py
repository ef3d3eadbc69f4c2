"""What the read-only tests share: the cache, its read-only view, and how to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ReadOnlyCache:
    source: Path  # the writable original
    view: Path  # the same cache, read-only for this process
    how: str  # "bind mount" or "permissions"
    url: str  # the emulator

    def run(self, *args: str, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``python -m mastcache --cache-dir VIEW --mast-url URL ARGS`` in a subprocess."""
        command = [sys.executable, "-m", "mastcache", "--cache-dir", str(cache or self.view)]
        env = {**os.environ, "PYTHONPATH": str(REPO), "MASTCACHE_MODE": "cache-first"}
        return subprocess.run(
            [*command, "--mast-url", self.url, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=self.source.parent,
        )

    def listing(self) -> dict[str, int]:
        """Every file under the cache with its size and mtime (to prove nothing changed)."""
        found = {}
        for path in sorted(self.source.rglob("*")):
            stat = path.stat()
            found[str(path.relative_to(self.source))] = hash((stat.st_size, stat.st_mtime_ns))
        return found
