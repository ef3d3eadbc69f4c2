"""Cloud fixtures: an emulator whose bucket lacks some products, mastcache configured against
it, and Observations with the cloud dataset enabled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, start
from mastcache.store import Store

#: File names the test emulator's bucket does not hold (products without a cloud copy).
MISSING = ("*_trl.fits", "*_dvt.fits", "*_segm.fits")
BUCKET = "/stpubdata/"
FILE = "/api/v0.1/Download/file"


@pytest.fixture
def bucket_emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator for one test whose bucket misses :data:`MISSING`."""
    with start("127.0.0.1", 0, cloud_missing=MISSING) as server:
        yield server


@pytest.fixture
def live(cache_dir: Path, bucket_emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """mastcache pointed at the bucket emulator (cache-first), settings restored after."""
    runtime.configure(mast_url=bucket_emulator.url, cache_dir=cache_dir, mode="cache-first")
    yield bucket_emulator
    runtime.reset()


@pytest.fixture
def observations(live: EmulatorServer) -> Iterator[ObservationsClass]:
    """Observations with the cloud dataset enabled (closed after the test)."""
    client = ObservationsClass()
    client.enable_cloud_dataset(verbose=False)
    yield client
    for services in client._built:
        services.close()


@pytest.fixture
def products_of(observations: ObservationsClass) -> Callable[[str, int], Table]:
    """``products_of(collection, n)``: the first n products of a mission's observations."""

    def make(collection: str, count: int) -> Table:
        found = observations.query_criteria(obs_collection=collection)
        table: Table = observations.get_product_list(found[: max(2, count)])
        seen: set[str] = set()
        keep = [not (str(uri) in seen or seen.add(str(uri))) for uri in table["dataURI"]]
        unique: Table = table[keep][:count]
        assert len(unique) == count
        return unique

    return make


@pytest.fixture
def store(live: EmulatorServer) -> Iterator[Store]:
    """The cache's store, opened by the test itself (to read records)."""
    opened = Store.open(runtime.current_settings())
    yield opened
    opened.close()
