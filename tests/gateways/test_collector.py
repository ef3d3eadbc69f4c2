"""The garbage collector paused while a page is typed (gateways/pages.collector_paused):
off inside, back after (even after an error), never turned on if it was off, and overlapping
pauses of several threads. Then a real paged fetch from the emulator over HTTP."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from mastcache.emulator import EmulatorServer
from mastcache.errors import MastCacheError
from mastcache.gateways.pages import collector_paused
from mastcache.gateways.portal import MastGateway
from mastcache.settings import Settings

M101 = {"ra": 210.80227, "dec": 54.34895, "radius": 0.2}


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:  # whatever a test did, the next starts with it on
    gc.enable()
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_on_after_even_after_an_error() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("a page that fails to type")
    assert gc.isenabled()


def test_a_collector_the_host_turned_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_overlapping_pauses_end_with_the_last_one() -> None:
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def first() -> None:
        with collector_paused():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with collector_paused():
            second_in.set()
            first_out.wait(10)
            seen["after the first ended"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == {"after the first ended": False}
    assert gc.isenabled()


def _gateway(emulator: EmulatorServer, cache_dir: Path, **changes: Any) -> MastGateway:
    settings = Settings.from_env(
        {}, cache_dir=cache_dir, mast_url=emulator.url, pagesize=400, **changes
    )
    return MastGateway.from_settings(settings)


def _collector_state_when_typing(fetch: Any) -> list[bool]:
    """gc.isenabled() each time a page starts being typed, in whichever thread (observed
    with a profile hook on the threads the fetch starts)."""
    seen: list[bool] = []

    def watch(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code.co_name == "portal_page_arrow":
            seen.append(gc.isenabled())

    threading.setprofile(watch)  # type: ignore[arg-type]
    try:
        fetch()
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    return seen


def test_a_paged_fetch_types_its_pages_with_the_collector_paused(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.reconfigure(rows=2_000)  # 5 pages of 400
    gateway = _gateway(emulator, cache_dir)
    seen = _collector_state_when_typing(lambda: gateway.portal_table("Mast.Caom.Cone", M101))
    assert seen == [False] * 5
    assert gc.isenabled()


def test_a_fetch_cut_short_leaves_the_collector_on(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.reconfigure(rows=2_000)
    emulator.set_faults("/api/v0/invoke=reset:after=3")
    gateway = _gateway(emulator, cache_dir, max_parallel=1, max_retries=0)
    with pytest.raises(MastCacheError):
        gateway.portal_table("Mast.Caom.Cone", M101)
    assert gc.isenabled()
