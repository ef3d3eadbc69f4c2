"""A snapshot written by an earlier mastcache still replays: same keys, same tables.

``tests/data/golden-v1.mastsnap`` was recorded once (tests/golden_session.py) against the
emulator and committed with what each call gave. Here it is replayed offline, with no cache
and no server: a change of key canonicalisation, of how a client builds its parameters, or
of the bundle/Parquet layout that would strand users' snapshots fails this test.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from golden_session import GOLDEN, calls, run

from mastcache import runtime, snapshot
from mastcache.maintenance import verify_cache
from mastcache.store import Store

RECORDED = json.loads(GOLDEN.with_suffix(".json").read_text())


@pytest.fixture
def nowhere(tmp_path: Path) -> Iterator[Path]:
    """An empty cache and a MAST URL where nothing answers."""
    settings = runtime.configure(
        cache_dir=tmp_path / "cache", mast_url="http://127.0.0.1:9", mode="cache-first"
    )
    yield settings.cache_dir
    runtime.reset()


def test_the_golden_session_is_what_the_fixture_holds() -> None:
    assert set(RECORDED) == set(calls())
    assert all(entry["rows"] > 0 for entry in RECORDED.values()), RECORDED


def test_todays_code_replays_the_golden_snapshot(nowhere: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copy(GOLDEN.with_suffix(".mastsnap"), tmp_path / "golden.mastsnap"))
    with snapshot.replay(bundle):
        replayed = run()
    for name, recorded in RECORDED.items():
        assert replayed[name] == recorded, name


def test_todays_code_restores_the_golden_snapshot(nowhere: Path, tmp_path: Path) -> None:
    bundle = Path(shutil.copy(GOLDEN.with_suffix(".mastsnap"), tmp_path / "golden.mastsnap"))
    snapshot.restore(bundle)
    settings = runtime.current_settings()
    assert verify_cache(settings) == []
    with Store.open(settings) as store:
        keys = {record.key for record in store.list_queries()}
    assert {entry["key"] for entry in RECORDED.values()} <= keys
    with runtime.using_mode("offline"):
        assert run() == RECORDED
