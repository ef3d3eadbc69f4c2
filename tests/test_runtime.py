"""configure(), using_mode() and using_settings() decide what each call uses."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache import runtime


@pytest.fixture(autouse=True)
def fresh_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("MASTCACHE_DIR", str(tmp_path))
    monkeypatch.delenv("MASTCACHE_MODE", raising=False)
    runtime.reset()
    yield
    runtime.reset()


def test_settings_come_from_the_environment_on_first_use(tmp_path: Path) -> None:
    assert runtime.current_settings().cache_dir == tmp_path


def test_configure_changes_settings_and_mode(tmp_path: Path) -> None:
    runtime.configure(mode="offline", cache_dir=tmp_path / "x")
    assert runtime.effective_mode() == "offline"
    assert runtime.current_settings().cache_dir == tmp_path / "x"


def test_mode_precedence_call_then_block_then_settings() -> None:
    runtime.configure(mode="online")
    with runtime.using_mode("offline"):
        assert runtime.effective_mode() == "offline"
        assert runtime.effective_mode("refresh") == "refresh"
    assert runtime.effective_mode() == "online"


def test_using_mode_is_per_thread() -> None:
    seen: list[str] = []
    with runtime.using_mode("offline"):
        thread = threading.Thread(target=lambda: seen.append(runtime.effective_mode()))
        thread.start()
        thread.join()
        assert runtime.effective_mode() == "offline"
    assert seen == ["cache-first"]


def test_using_settings_overrides_and_relabels_the_source(tmp_path: Path) -> None:
    other = runtime.current_settings().new(cache_dir=tmp_path / "snap", mode="offline")
    with runtime.using_settings(other, source="snapshot"):
        assert runtime.current_settings() is other
        assert runtime.cache_source() == "snapshot"
    assert runtime.current_settings().cache_dir == tmp_path
    assert runtime.cache_source() == "cache"
