"""Client fixtures: mastcache configured against a fresh emulator and a tmp cache dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache import runtime
from mastcache.emulator import EmulatorServer


@pytest.fixture
def live(cache_dir: Path, emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """mastcache pointed at this test's emulator (cache-first), settings restored after."""
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
    yield emulator
    runtime.reset()
