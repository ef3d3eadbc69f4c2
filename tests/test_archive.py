"""The archive orchestrator over a real Store (SQLite + Parquet) in tmp_path."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from astropy.table import Table

from mastcache.archive import Archive, QuerySpec, ServedEvent
from mastcache.errors import (
    CacheMissError,
    CorruptEntryError,
    InvalidQueryError,
    RemoteServiceError,
    RemoteTimeoutError,
    ResolverError,
    StaleResultWarning,
)
from mastcache.keys import query_key
from mastcache.policy import RefreshPolicy
from mastcache.runtime import using_mode
from mastcache.settings import Settings
from mastcache.store import Store

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
CONE = QuerySpec(
    service="Mast.Caom.Cone",
    params={"ra": 23.34086, "dec": 60.658, "radius": 0.2},
    kind="observations",
)


class Clock:
    """A clock the test moves forward by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingFetch:
    """A real fetcher: builds an observations Table, and counts how often it is called."""

    def __init__(self, rows: int = 3) -> None:
        self.calls = 0
        self.rows = rows

    def __call__(self) -> Table:
        self.calls += 1
        table = Table()
        table["obsid"] = [str(1000 + i) for i in range(self.rows)]
        table["s_ra"] = np.linspace(23.0, 23.5, self.rows)
        table["s_ra"].unit = "deg"
        table["t_exptime"] = np.ma.masked_array(
            np.arange(self.rows, dtype=float), mask=[i == 1 for i in range(self.rows)]
        )
        table["version"] = [self.calls] * self.rows
        table.meta["note"] = "from MAST"
        return table


def unreachable() -> Table:
    raise RemoteTimeoutError("MAST did not answer within 60 s: check the network and retry")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(Settings(cache_dir=tmp_path / "cache")) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def archive(store: Store, clock: Clock) -> Archive:
    return Archive(store, RefreshPolicy(), clock=clock)


def test_cold_then_warm(archive: Archive, clock: Clock) -> None:
    fetch = CountingFetch()
    cold = archive.table(CONE, fetch, mode="cache-first")
    clock.advance(hours=1)
    warm = archive.table(CONE, fetch, mode="cache-first")
    assert fetch.calls == 1
    assert cold.meta["mastcache"]["source"] == "network"
    assert warm.meta["mastcache"]["source"] == "cache"
    assert warm.meta["mastcache"] == {**cold.meta["mastcache"], "source": "cache"}
    assert warm.meta["note"] == "from MAST"
    assert warm["s_ra"].unit == "deg"
    assert list(warm["t_exptime"].mask) == [False, True, False]
    assert list(warm["obsid"]) == list(cold["obsid"])


def test_provenance_meta(archive: Archive, store: Store) -> None:
    table = archive.table(CONE, CountingFetch(), mode="cache-first")
    provenance = table.meta["mastcache"]
    assert set(provenance) == {"key", "source", "fetched_at", "expires_at"}
    assert provenance["key"] == query_key(CONE.service, CONE.params)
    assert datetime.fromisoformat(provenance["fetched_at"]) == START
    assert datetime.fromisoformat(provenance["expires_at"]) == START + timedelta(days=1)
    record = store.get_query(provenance["key"])
    assert record is not None
    stored = store.read_table(record)
    assert "mastcache" not in stored.meta  # provenance is added on read, never stored


def test_cutouts_never_expire(archive: Archive) -> None:
    spec = QuerySpec("Tesscut.Sector", {"ra": 1.0, "dec": 2.0}, kind="cutouts")
    table = archive.table(spec, CountingFetch(), mode="cache-first")
    assert table.meta["mastcache"]["expires_at"] is None


def test_expired_entry_is_refetched(archive: Archive, clock: Clock) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    clock.advance(days=1, seconds=1)
    table = archive.table(CONE, fetch, mode="cache-first")
    assert fetch.calls == 2
    assert table.meta["mastcache"]["source"] == "network"
    assert list(table["version"]) == [2, 2, 2]


def test_equivalent_specs_share_an_entry(archive: Archive) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    noisy = QuerySpec(
        CONE.service,
        {"radius": 0.20, "dec": 60.658, "ra": 23.34086, "cacheBreaker": "x", "page": 2},
        kind="observations",
    )
    assert archive.table(noisy, fetch, mode="cache-first").meta["mastcache"]["source"] == "cache"
    assert fetch.calls == 1


def test_online_and_refresh_always_fetch(archive: Archive) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    online = archive.table(CONE, fetch, mode="online")
    refreshed = archive.table(CONE, fetch, mode="refresh")
    assert fetch.calls == 3
    assert list(refreshed["version"]) == [3, 3, 3]
    assert online.meta["mastcache"]["source"] == "network"
    cached = archive.table(CONE, fetch, mode="cache-first")
    assert list(cached["version"]) == [3, 3, 3]


def test_offline_miss_names_the_query_and_the_way_out(archive: Archive) -> None:
    fetch = CountingFetch()
    with pytest.raises(CacheMissError) as caught:
        archive.table(CONE, fetch, mode="offline")
    message = str(caught.value)
    assert "Mast.Caom.Cone" in message and '"radius":0.2' in message
    assert "MASTCACHE_MODE=offline" in message
    assert fetch.calls == 0


def test_offline_serves_expired_entries(archive: Archive, clock: Clock) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    clock.advance(days=400)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = archive.table(CONE, unreachable, mode="offline")
    assert table.meta["mastcache"]["source"] == "cache"


def test_mode_comes_from_the_runtime(archive: Archive) -> None:
    with using_mode("offline"), pytest.raises(CacheMissError):
        archive.table(CONE, CountingFetch())


def test_stale_result_on_network_failure(archive: Archive, clock: Clock) -> None:
    archive.table(CONE, CountingFetch(), mode="cache-first")
    clock.advance(days=3)
    with pytest.warns(StaleResultWarning) as caught:
        table = archive.table(CONE, unreachable, mode="cache-first")
    message = str(caught[0].message)
    assert "did not answer" in message
    assert "fetched 3.0 days ago" in message and "expired 2.0 days ago" in message
    assert table.meta["mastcache"]["source"] == "cache"
    assert list(table["version"]) == [1, 1, 1]


def test_refresh_falls_back_to_the_stored_result(archive: Archive) -> None:
    archive.table(CONE, CountingFetch(), mode="cache-first")
    with pytest.warns(StaleResultWarning):
        archive.table(CONE, unreachable, mode="refresh")


def test_network_failure_without_stale_permission(store: Store, clock: Clock) -> None:
    strict = Archive(store, RefreshPolicy(stale_if_error=False), clock=clock)
    strict.table(CONE, CountingFetch(), mode="cache-first")
    clock.advance(days=2)
    with pytest.raises(RemoteTimeoutError):
        strict.table(CONE, unreachable, mode="cache-first")
    with pytest.raises(RemoteTimeoutError):
        strict.table(CONE, unreachable, mode="online")


def test_network_failure_with_nothing_stored(archive: Archive) -> None:
    with pytest.raises(RemoteTimeoutError):
        archive.table(CONE, unreachable, mode="cache-first")


@pytest.mark.parametrize("error", [RemoteServiceError, InvalidQueryError, ResolverError])
def test_service_errors_are_not_stored(
    archive: Archive, store: Store, error: type[Exception]
) -> None:
    def failing() -> Table:
        raise error("MAST said no")

    with pytest.raises(error):
        archive.table(CONE, failing, mode="cache-first")
    assert store.get_query(CONE.key) is None


def test_empty_results_are_stored_and_replayed_offline(archive: Archive) -> None:
    fetch = CountingFetch(rows=0)
    archive.table(CONE, fetch, mode="cache-first")
    replay = archive.table(CONE, unreachable, mode="offline")
    assert len(replay) == 0
    assert replay.colnames == ["obsid", "s_ra", "t_exptime", "version"]


def corrupt_file(store: Store, key: str) -> None:
    record = store.get_query(key)
    assert record is not None
    path = store.root / record.table_path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def fresh_store(tmp_path: Path) -> Store:
    # A second process's view: no in-memory hash memo, so the hash is checked.
    return Store.open(Settings(cache_dir=tmp_path / "cache"))


def test_corrupt_file_is_refetched_in_cache_first(
    archive: Archive, tmp_path: Path, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    corrupt_file(archive.store, CONE.key)
    with fresh_store(tmp_path) as other:
        repaired = Archive(other, RefreshPolicy(), clock=clock)
        with caplog.at_level(logging.WARNING, logger="mastcache.archive"):
            table = repaired.table(CONE, fetch, mode="cache-first")
        assert fetch.calls == 2
        assert table.meta["mastcache"]["source"] == "network"
        assert "damaged" in caplog.text and "Fetching it again" in caplog.text
        again = repaired.table(CONE, fetch, mode="cache-first")
        assert again.meta["mastcache"]["source"] == "cache"


def test_corrupt_file_offline_raises_clearly(
    archive: Archive, tmp_path: Path, clock: Clock
) -> None:
    archive.table(CONE, CountingFetch(), mode="cache-first")
    corrupt_file(archive.store, CONE.key)
    with fresh_store(tmp_path) as other:
        offline = Archive(other, RefreshPolicy(), clock=clock)
        with pytest.raises(CorruptEntryError, match="re-run without offline mode"):
            offline.table(CONE, unreachable, mode="offline")


def test_scopes_do_not_share(archive: Archive) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    mine = QuerySpec(CONE.service, CONE.params, kind=CONE.kind, scope="user:alice")
    assert archive.table(mine, fetch, mode="cache-first").meta["mastcache"]["source"] == "network"
    assert fetch.calls == 2


def test_session_info_is_never_stored(archive: Archive, store: Store) -> None:
    spec = QuerySpec("whoami", {}, kind="session")
    fetch = CountingFetch()
    archive.table(spec, fetch, mode="cache-first")
    archive.table(spec, fetch, mode="cache-first")
    assert fetch.calls == 2 and store.get_query(spec.key) is None
    with pytest.raises(CacheMissError, match="never cached"):
        archive.table(spec, fetch, mode="offline")


def test_the_callers_table_and_params_are_untouched(archive: Archive) -> None:
    params = {"ra": 1.0, "dec": 2.0, "radius": 0.1, "cacheBreaker": "abc"}
    spec = QuerySpec("Mast.Caom.Cone", params, kind="observations")
    archive.table(spec, CountingFetch(), mode="cache-first")
    assert params == {"ra": 1.0, "dec": 2.0, "radius": 0.1, "cacheBreaker": "abc"}


SANTA = [{"searchString": "m101", "resolver": "NED", "ra": 210.80227, "decl": 54.34895}]


def santa(calls: list[int]) -> Callable[[], list[dict[str, Any]]]:
    def fetch() -> list[dict[str, Any]]:
        calls.append(1)
        return [dict(entry) for entry in SANTA]

    return fetch


def test_resolutions_are_cached(archive: Archive, clock: Clock) -> None:
    calls: list[int] = []
    first = archive.resolution("M101", None, False, santa(calls), mode="cache-first")
    again = archive.resolution("m101", None, False, santa(calls), mode="offline")
    assert first == again == SANTA
    assert len(calls) == 1
    clock.advance(days=31)
    with pytest.warns(StaleResultWarning, match="name resolution of 'M101'"):
        archive.resolution("M101", None, False, unreachable_santa, mode="cache-first")
    with pytest.raises(CacheMissError, match="'M31'"):
        archive.resolution("M31", None, False, santa(calls), mode="offline")


def unreachable_santa() -> list[dict[str, Any]]:
    raise RemoteTimeoutError("the resolver did not answer")


def test_observers_see_every_served_call(archive: Archive) -> None:
    seen: list[ServedEvent] = []
    archive.add_observer(seen.append)
    archive.table(CONE, CountingFetch(), mode="cache-first")
    archive.table(CONE, CountingFetch(), mode="cache-first")
    archive.resolution("M101", None, False, santa([]), mode="cache-first")
    archive.remove_observer(seen.append)
    archive.table(CONE, CountingFetch(), mode="cache-first")
    assert [(e.what, e.provenance.source) for e in seen] == [
        ("query", "network"),
        ("query", "cache"),
        ("resolution", "network"),
    ]
    assert seen[0].provenance.key == CONE.key


def test_hit_and_miss_counters(archive: Archive, store: Store) -> None:
    archive.table(CONE, CountingFetch(), mode="cache-first")
    archive.table(CONE, CountingFetch(), mode="cache-first")
    archive.table(CONE, CountingFetch(), mode="cache-first")
    stats = store.query_stats(CONE.key)
    assert (stats.hits, stats.misses) == (2, 1)


def test_from_settings(tmp_path: Path) -> None:
    settings = Settings(cache_dir=tmp_path / "other", stale_if_error=False)
    with Archive.from_settings(settings) as archive:
        assert archive.policy.stale_if_error is False
        table = archive.table(CONE, CountingFetch(), mode="cache-first")
        assert table.meta["mastcache"]["source"] == "network"
    assert (tmp_path / "other" / "catalog.sqlite").exists()


def test_snapshot_replay_labels_its_source(store: Store, clock: Clock) -> None:
    Archive(store, RefreshPolicy(), clock=clock).table(CONE, CountingFetch(), mode="online")
    replay = Archive(store, RefreshPolicy(), clock=clock, cache_source="snapshot")
    table = replay.table(CONE, unreachable, mode="offline")
    assert table.meta["mastcache"]["source"] == "snapshot"


def test_warm_hits_are_the_callers_to_edit(archive: Archive, clock: Clock) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    first = archive.table(CONE, fetch, mode="cache-first")  # decoded once, kept in memory
    first["s_ra"][0] = -1.0
    first["t_exptime"].mask[1] = False
    first["obsid"][2] = "9999"
    first["s_ra"].unit = "rad"
    first.meta["note"] = "edited"
    first.meta["mastcache"]["source"] = "edited"
    clock.advance(minutes=5)
    second = archive.table(CONE, fetch, mode="cache-first")
    assert fetch.calls == 1
    assert second["s_ra"][0] == 23.0 and second["s_ra"].unit == "deg"
    assert list(second["t_exptime"].mask) == [False, True, False]
    assert list(second["obsid"]) == ["1000", "1001", "1002"]
    assert second.meta["note"] == "from MAST"
    assert second.meta["mastcache"]["source"] == "cache"  # fresh provenance per call
    assert second.meta["mastcache"] is not first.meta["mastcache"]


def test_a_replaced_result_is_never_served_from_memory(archive: Archive) -> None:
    fetch = CountingFetch()
    archive.table(CONE, fetch, mode="cache-first")
    assert list(archive.table(CONE, fetch, mode="cache-first")["version"]) == [1, 1, 1]
    archive.table(CONE, fetch, mode="refresh")  # a new file and record for the same key
    assert list(archive.table(CONE, fetch, mode="cache-first")["version"]) == [2, 2, 2]


def test_corruption_after_a_warm_hit_is_still_detected(
    archive: Archive, tmp_path: Path, clock: Clock
) -> None:
    archive.table(CONE, CountingFetch(), mode="cache-first")
    archive.table(CONE, CountingFetch(), mode="cache-first")  # now held in memory
    corrupt_file(archive.store, CONE.key)
    with pytest.raises(CorruptEntryError, match="re-run without offline mode"):
        archive.table(CONE, unreachable, mode="offline")


def test_counters_are_exact_for_another_store_of_the_process(
    archive: Archive, tmp_path: Path
) -> None:
    for _ in range(3):
        archive.table(CONE, CountingFetch(), mode="cache-first")
    with fresh_store(tmp_path) as other:  # counts not yet written are written first
        stats = other.query_stats(CONE.key)
    assert (stats.hits, stats.misses) == (2, 1)
