"""Archive behaviour the sampled mutation run found unguarded (docs/testing.md): the ages in
stale warnings at unit boundaries, the key a resolution is recorded under, and the source
label of an archive built from settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_archive import CONE, Clock, CountingFetch, unreachable

from mastcache.archive import Archive, ServedEvent
from mastcache.errors import StaleResultWarning
from mastcache.keys import resolution_key
from mastcache.policy import RefreshPolicy
from mastcache.settings import Settings
from mastcache.store import Store


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Store.open(Settings(cache_dir=tmp_path / "cache")) as opened:
        yield opened


def stale_message(
    store: Store, *, days: float = 0, hours: float = 0, mode: str = "cache-first"
) -> str:
    clock = Clock()
    archive = Archive(store, RefreshPolicy(), clock=clock)
    archive.table(CONE, CountingFetch(), mode="cache-first")
    clock.advance(days=days, hours=hours)
    with pytest.warns(StaleResultWarning) as caught:
        archive.table(CONE, unreachable, mode=mode)
    return str(caught[0].message)


def test_an_age_of_exactly_one_day_and_of_zero_seconds(store: Store) -> None:
    message = stale_message(store, days=1)  # observations live 1 day: it just expired
    assert "fetched 1.0 days ago, expired 0 seconds ago." in message


def test_an_age_of_exactly_one_hour(store: Store) -> None:
    message = stale_message(store, days=1, hours=1)
    assert "fetched 1.0 days ago, expired 1.0 hours ago." in message


def test_a_fresh_result_served_on_failure_says_nothing_about_expiry(store: Store) -> None:
    message = stale_message(store, hours=2, mode="refresh")
    assert "fetched 2.0 hours ago. Re-run later" in message
    assert "expired" not in message


def test_a_resolution_is_recorded_under_its_golden_key(store: Store) -> None:
    archive = Archive(store, RefreshPolicy(), clock=Clock())
    events: list[ServedEvent] = []
    archive.add_observer(events.append)
    archive.resolution("M31", None, True, lambda: [{"ra": 10.68, "decl": 41.27}])
    archive.resolution("M31", None, False, lambda: [{"ra": 10.68, "decl": 41.27}])
    assert [e.provenance.key for e in events] == [
        resolution_key("M31", None, True, "anonymous"),
        resolution_key("M31", None, False, "anonymous"),
    ]
    assert events[0].provenance.key != events[1].provenance.key


def test_an_archive_from_settings_labels_stored_results_cache(tmp_path: Path) -> None:
    with Archive.from_settings(Settings(cache_dir=tmp_path / "cache")) as archive:
        archive.table(CONE, CountingFetch(), mode="cache-first")
        table = archive.table(CONE, unreachable, mode="cache-first")
    assert table.meta["mastcache"]["source"] == "cache"
