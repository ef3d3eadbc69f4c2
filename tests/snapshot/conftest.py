"""Snapshot fixtures: one session recorded through the mastcache client against a real
emulator on 127.0.0.1 (then stopped), and helpers to compare tables and rewrite bundles."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table
from tablecompare import assert_tables_equal

from mastcache import runtime, snapshot
from mastcache.emulator import start


def run_session() -> dict[str, Table]:
    """A small realistic session: resolve + cone, product list, criteria with a position."""
    from mastcache.client import Observations

    found = Observations.query_object("M101", radius="0.05 deg")
    return {
        "object": found,
        "products": Observations.get_product_list(found[:2]),
        "criteria": Observations.query_criteria(
            objectname="M101", radius=0.2, obs_collection="HST"
        ),
    }


@dataclass(frozen=True)
class RecordedSession:
    bundle: Path
    cache_dir: Path
    originals: dict[str, Table]
    keys: list[str]


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordedSession]:
    """The session recorded into ``session.mastsnap``; the emulator is stopped afterwards
    and the settings reset (tests must copy the bundle before changing it)."""
    root = tmp_path_factory.mktemp("recorded")
    with start("127.0.0.1", 0) as server:
        runtime.configure(mast_url=server.url, cache_dir=root / "cache", mode="cache-first")
        try:
            with snapshot.record("session", output_dir=root) as recording:
                originals = run_session()
        finally:
            runtime.reset()
    yield RecordedSession(root / "session.mastsnap", root / "cache", originals, recording.keys)


@pytest.fixture
def bundle_copy(recorded: RecordedSession, tmp_path: Path) -> Path:
    """A private copy of the recorded bundle, free to damage."""
    return Path(shutil.copy(recorded.bundle, tmp_path / "copy.mastsnap"))


@pytest.fixture
def offline_elsewhere(tmp_path: Path) -> Iterator[Path]:
    """Settings for an empty cache and no reachable server (a different machine)."""
    cache = tmp_path / "elsewhere"
    runtime.configure(cache_dir=cache, mast_url="http://127.0.0.1:9", mode="cache-first")
    yield cache
    runtime.reset()


@pytest.fixture(name="run_session")
def run_session_fixture() -> Callable[[], dict[str, Table]]:
    return run_session


@pytest.fixture(name="assert_tables_equal")
def assert_tables_equal_fixture() -> Callable[[Table, Table], None]:
    return assert_tables_equal


@pytest.fixture(name="rewrite_bundle")
def rewrite_bundle_fixture() -> Callable[..., Path]:
    return rewrite_bundle


@pytest.fixture(name="member_data_offset")
def member_data_offset_fixture() -> Callable[[Path, str], tuple[int, int]]:
    return member_data_offset


Entry = tuple[zipfile.ZipInfo, bytes]


def rewrite_bundle(
    source: Path, target: Path, change: Callable[[list[Entry]], list[Entry]]
) -> Path:
    """Copy ``source`` to ``target`` member by member, with ``change`` applied to the list."""
    with zipfile.ZipFile(source) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(target, "w") as out:
        for info, data in change(entries):
            out.writestr(info, data)
    return target


def member_data_offset(path: Path, name: str) -> tuple[int, int]:
    """``(offset, length)`` of member ``name``'s stored bytes inside the ZIP file."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    with open(path, "rb") as handle:
        handle.seek(info.header_offset + 26)
        name_len, extra_len = np.frombuffer(handle.read(4), dtype="<u2")
    return info.header_offset + 30 + int(name_len) + int(extra_len), info.compress_size
