"""Product fixtures: mastcache configured against this test's emulator, and product tables."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.store import Store

DOWNLOAD_PATH = "/api/v0.1/Download/file"


@pytest.fixture
def live(cache_dir: Path, emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """mastcache pointed at this test's emulator (cache-first), settings restored after."""
    runtime.configure(mast_url=emulator.url, cache_dir=cache_dir, mode="cache-first")
    yield emulator
    runtime.reset()


@pytest.fixture
def observations(live: EmulatorServer) -> Iterator[ObservationsClass]:
    """A fresh Observations client (its store and session closed after the test)."""
    client = ObservationsClass()
    yield client
    for services in client._built:
        services.close()


@pytest.fixture
def hst_products(observations: ObservationsClass) -> Callable[[int], Table]:
    """``hst_products(n)``: the first n products of the emulator's HST observations."""

    def make(count: int) -> Table:
        found = observations.query_criteria(obs_collection="HST")
        needed = -(-count // 6) + 1
        table: Table = observations.get_product_list(found[:needed])[:count]
        assert len(table) == count
        return table

    return make


@pytest.fixture
def store(cache_dir: Path, live: EmulatorServer) -> Iterator[Store]:
    """The cache's store, opened by the test itself (to read records)."""
    opened = Store.open(runtime.current_settings())
    yield opened
    opened.close()
