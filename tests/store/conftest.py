"""Fixtures of the store tests: a fresh cache directory, an open Store, helpers to run
real worker processes on the same cache."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mastcache.settings import Settings
from mastcache.store import Store

HERE = Path(__file__).parent
WORKER = HERE / "store_worker.py"


@pytest.fixture
def store_settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path / "cache")


@pytest.fixture
def store(store_settings: Settings) -> Iterator[Store]:
    opened = Store.open(store_settings)
    yield opened
    opened.close()


@pytest.fixture
def start_worker() -> Callable[..., subprocess.Popen[str]]:
    """Start ``store_worker.py CACHE_DIR ACTION ARGS...`` in a real child process."""

    def start(cache_dir: Path, *args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen(
            [sys.executable, str(WORKER), str(cache_dir), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )

    return start
