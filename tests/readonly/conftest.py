"""A cache filled over real HTTP from the emulator, then seen read-only.

Where the tests run as root, the read-only view is a real read-only bind mount of the
cache (``mount --bind`` + ``mount -o remount,bind,ro``): exactly a cache on a read-only mount
or in a container image. As another user, the cache is made read-only by permissions
(a shared cache owned by someone else).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from readonly.support import REPO, ReadOnlyCache

from mastcache.emulator import EmulatorServer


def _mount_read_only(source: Path, view: Path) -> bool:
    if os.geteuid() != 0:
        return False
    view.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(view)]).returncode != 0:
        view.rmdir()
        return False
    remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(view)])
    if remount.returncode != 0:
        subprocess.run(["umount", str(view)])
        view.rmdir()
        return False
    return True


def _fill(url: str, cache: Path) -> None:
    base = [sys.executable, "-m", "mastcache", "--cache-dir", str(cache), "--mast-url", url]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for args in (
        ["query", "--object", "M101", "--radius", "0.1 deg"],
        ["resolve", "M101"],
        ["query", "-c", "obs_collection=TESS", "--count"],
    ):
        done = subprocess.run([*base, *args], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def filled(emulator_session: EmulatorServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("readonly") / "cache"
    _fill(emulator_session.url, source)
    return source


@pytest.fixture
def readonly_cache(
    filled: Path, emulator_session: EmulatorServer, tmp_path: Path
) -> Iterator[ReadOnlyCache]:
    view = tmp_path / "view"
    if _mount_read_only(filled, view):
        yield ReadOnlyCache(filled, view, "bind mount", emulator_session.url)
        subprocess.run(["umount", str(view)], check=True)
        return
    modes = {path: path.stat().st_mode for path in [filled, *filled.rglob("*")]}
    for path in modes:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield ReadOnlyCache(filled, filled, "permissions", emulator_session.url)
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
