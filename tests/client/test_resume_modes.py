"""Which kept pages of an interrupted paged fetch (store/fragments.py) a retry may use, by
refresh mode and TTL: a cache-first retry resumes with pages no older than the result may be
served; an online or refresh retry resumes only a Ctrl-C of minutes ago. Real emulator over
HTTP, real fragment files, the public client."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.client.core import resume_age
from mastcache.emulator import EmulatorServer
from mastcache.errors import MastCacheError
from mastcache.store.fragments import FRESH_AGE, MAX_AGE, PARTIAL_DIR
from tests.tablecompare import assert_tables_equal

PAGESIZE = 400
M101 = SkyCoord(210.80227, 54.34895, unit="deg")


@pytest.fixture
def reference(cache_dir: Path, emulator: EmulatorServer) -> Iterator[Table]:
    """mastcache on a sky whose M101 cone is 5 pages of 400 (nothing of it cached yet);
    yields that cone as fetched whole into another cache."""
    emulator.reconfigure(rows=2_000)
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir / "reference", pagesize=PAGESIZE)
    table = ObservationsClass().query_region(M101, radius=0.2)
    assert len(table) > 3 * PAGESIZE, "the cone must span several pages"
    runtime.configure(cache_dir=cache_dir, mode="cache-first")
    yield table
    runtime.reset()


def _pages(table: Table) -> int:
    return -(-len(table) // PAGESIZE)


def _invokes(emulator: EmulatorServer) -> int:
    return len(emulator.requests.matching("/api/v0/invoke"))


def _interrupt_after(emulator: EmulatorServer, good: int) -> list[Path]:
    """A one-page-at-a-time online fetch cut by a 500 after ``good`` pages; the kept pages."""
    emulator.set_faults(f"/api/v0/invoke=500:after={good}")
    runtime.configure(max_parallel=1, max_retries=0)
    with pytest.raises(MastCacheError):
        ObservationsClass().query_region(M101, radius=0.2, mode="online")
    emulator.set_faults(None)
    emulator.requests.clear()
    runtime.configure(max_parallel=4, max_retries=2)
    kept = sorted(runtime.current_settings().cache_dir.joinpath(PARTIAL_DIR).glob("*/*.arrow"))
    assert [path.name for path in kept] == [f"{n}.arrow" for n in range(1, good + 1)]
    return kept


def _age(paths: list[Path], seconds: float) -> None:
    then = time.time() - seconds
    for path in paths:
        os.utime(path, (then, then))


@pytest.mark.parametrize("mode", ["online", "refresh", "cache-first"])
def test_a_retry_minutes_later_resumes_in_every_mode(
    reference: Table, emulator: EmulatorServer, mode: str
) -> None:
    _age(_interrupt_after(emulator, 3), 60)
    again = ObservationsClass().query_region(M101, radius=0.2, mode=mode)
    assert _invokes(emulator) == _pages(reference) - 3
    assert again.meta["mastcache"]["source"] == "network"
    assert_tables_equal(again, reference)


@pytest.mark.parametrize("mode", ["online", "refresh"])
def test_an_online_retry_fetches_again_pages_older_than_minutes(
    reference: Table, emulator: EmulatorServer, mode: str
) -> None:
    kept = _interrupt_after(emulator, 3)
    _age(kept[:2], FRESH_AGE + 60)  # pages 1 and 2 are old; page 3 was kept a moment ago
    ObservationsClass().query_region(M101, radius=0.2, mode=mode)
    assert _invokes(emulator) == _pages(reference) - 1


@pytest.mark.parametrize(("ttl", "fetched"), [(None, 2), (3600.0, 5)])
def test_a_cache_first_retry_uses_no_page_older_than_the_ttl(
    reference: Table, emulator: EmulatorServer, ttl: float | None, fetched: int
) -> None:
    """Pages kept 2 hours ago: resumed under the day-long default TTL of observations, not
    when observations are fresh for an hour only."""
    if ttl is not None:
        runtime.configure(ttl_overrides={"observations": ttl})
    _age(_interrupt_after(emulator, 3), 2 * 3600)
    again = ObservationsClass().query_region(M101, radius=0.2)
    assert _invokes(emulator) == fetched == _pages(reference) - (3 if ttl is None else 0)
    assert_tables_equal(again, reference)


def test_resume_age_is_bounded_by_ttl_and_mode() -> None:
    assert resume_age("cache-first", math.inf) == MAX_AGE
    assert resume_age("cache-first", 600.0) == 600.0
    assert resume_age("online", math.inf) == resume_age("refresh", math.inf) == FRESH_AGE
    assert resume_age("refresh", 60.0) == 60.0
    assert resume_age("cache-first", 0.0) == 0.0
