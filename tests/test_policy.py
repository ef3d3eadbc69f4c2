"""The refresh policy's decision table, cell by cell, and its TTL arithmetic."""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mastcache.errors import CacheMissError, ConfigurationError
from mastcache.policy import (
    DEFAULT_TTLS,
    Decision,
    Entry,
    FileDecision,
    RefreshPolicy,
    decide,
    decide_file,
    decide_uncached,
    expires_at,
    offline_miss,
)
from mastcache.settings import MODES, Settings

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)

ENTRIES: dict[str, Entry | None] = {
    "absent": None,
    "fresh": Entry(fetched_at=NOW - DAY, expires_at=NOW + DAY),
    "never-expires": Entry(fetched_at=NOW - 400 * DAY, expires_at=None),
    "expired": Entry(fetched_at=NOW - 3 * DAY, expires_at=NOW - DAY),
    "expires-now": Entry(fetched_at=NOW - DAY, expires_at=NOW),
    "corrupt": Entry(fetched_at=NOW - DAY, expires_at=NOW + DAY, is_corrupt=True),
    "corrupt-expired": Entry(fetched_at=NOW - 3 * DAY, expires_at=NOW - DAY, is_corrupt=True),
}

S, F, E, M = (
    Decision.SERVE_CACHE,
    Decision.FETCH,
    Decision.FETCH_ELSE_STALE,
    Decision.MISS_ERROR,
)

# (mode, stale_if_error) -> expected decision per entry state, in ENTRIES order.
TABLE: dict[tuple[str, bool], tuple[Decision, ...]] = {
    ("cache-first", True): (F, S, S, E, E, F, F),
    ("cache-first", False): (F, S, S, F, F, F, F),
    ("online", True): (F, F, F, F, F, F, F),
    ("online", False): (F, F, F, F, F, F, F),
    ("refresh", True): (F, E, E, E, E, F, F),
    ("refresh", False): (F, F, F, F, F, F, F),
    ("offline", True): (M, S, S, S, S, M, M),
    ("offline", False): (M, S, S, S, S, M, M),
}


def test_table_covers_every_mode_and_flag() -> None:
    assert set(TABLE) == set(itertools.product(MODES, (True, False)))


@pytest.mark.parametrize(
    ("mode", "stale", "state"),
    [(mode, stale, state) for (mode, stale) in TABLE for state in ENTRIES],
)
def test_decision_table(mode: str, stale: bool, state: str) -> None:
    policy = RefreshPolicy(mode=mode, stale_if_error=stale)  # type: ignore[arg-type]
    expected = TABLE[(mode, stale)][list(ENTRIES).index(state)]
    assert decide(ENTRIES[state], policy, NOW) is expected


def test_decide_accepts_any_entry_shaped_record() -> None:
    @dataclasses.dataclass(frozen=True)
    class Stored:
        fetched_at: datetime
        expires_at: datetime | None
        is_corrupt: bool = False
        sha256: str = "abc"

    stored = Stored(fetched_at=NOW - DAY, expires_at=NOW - timedelta(seconds=1))
    assert decide(stored, RefreshPolicy(), NOW) is Decision.FETCH_ELSE_STALE


def test_decide_is_pure() -> None:
    entry = ENTRIES["expired"]
    policy = RefreshPolicy()
    results = {decide(entry, policy, NOW) for _ in range(3)}
    assert results == {Decision.FETCH_ELSE_STALE}
    assert entry == ENTRIES["expired"]
    assert policy == RefreshPolicy()


def test_entry_expiry_boundary() -> None:
    entry = Entry(fetched_at=NOW - DAY, expires_at=NOW)
    assert entry.is_expired(NOW)
    assert not entry.is_expired(NOW - timedelta(microseconds=1))
    assert not Entry(fetched_at=NOW, expires_at=None).is_expired(NOW + 1000 * DAY)


def test_default_ttls_follow_the_design() -> None:
    policy = RefreshPolicy()
    expected_days = {
        "resolutions": 30,
        "observations": 1,
        "products": 7,
        "catalogs": 30,
        "missions": 1,
        "raw": 1,
    }
    for kind, days in expected_days.items():
        assert policy.ttl(kind) == days * 86400
    assert math.isinf(policy.ttl("cutouts"))
    assert not policy.is_cacheable("session")
    assert policy.is_cacheable("observations")


def test_expires_at() -> None:
    policy = RefreshPolicy()
    assert expires_at("observations", NOW, policy) == NOW + DAY
    assert expires_at("resolutions", NOW, policy) == NOW + 30 * DAY
    assert expires_at("cutouts", NOW, policy) is None
    assert expires_at("session", NOW, policy) == NOW


def test_unknown_kind_and_mode_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="unknown result kind 'spectra'"):
        RefreshPolicy().ttl("spectra")
    with pytest.raises(ConfigurationError, match="unknown mode"):
        RefreshPolicy(mode="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="non-negative"):
        RefreshPolicy(ttls={"observations": -1.0})
    with pytest.raises(ConfigurationError, match="unknown TTL kind"):
        RefreshPolicy(ttls={"spectra": 1.0})


def test_policy_is_immutable_and_new_merges() -> None:
    policy = RefreshPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.mode = "offline"  # type: ignore[misc]
    with pytest.raises(TypeError):
        policy.ttls["observations"] = 5.0  # type: ignore[index]
    shorter = policy.new(ttls={"observations": 60.0}, mode="refresh")
    assert shorter.ttl("observations") == 60.0
    assert shorter.ttl("catalogs") == DEFAULT_TTLS["catalogs"]
    assert shorter.mode == "refresh"
    assert policy.ttl("observations") == 86400 and policy.mode == "cache-first"


def test_from_settings(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"MASTCACHE_MODE": "offline", "MASTCACHE_TTL": "observations=12h,cutouts=2d"},
        cache_dir=tmp_path,
        stale_if_error=False,
    )
    policy = RefreshPolicy.from_settings(settings)
    assert policy.mode == "offline"
    assert policy.stale_if_error is False
    assert policy.ttl("observations") == 12 * 3600
    assert policy.ttl("cutouts") == 2 * 86400
    assert policy.ttl("products") == 7 * 86400


# -- files -------------------------------------------------------------------------------------

SS, FF, RF, MM = (
    FileDecision.SERVE_STORED,
    FileDecision.FETCH,
    FileDecision.REFETCH,
    FileDecision.MISS_ERROR,
)

#: (mode, reuse=cache) -> decisions for: not stored, stored, stored and confirmed by MAST.
FILE_TABLE: dict[tuple[str, bool], tuple[FileDecision, FileDecision, FileDecision]] = {
    ("cache-first", True): (FF, SS, SS),
    ("online", True): (FF, FF, SS),
    ("refresh", True): (RF, RF, RF),
    ("offline", True): (MM, SS, SS),
    ("cache-first", False): (RF, RF, RF),
    ("online", False): (RF, RF, RF),
    ("refresh", False): (RF, RF, RF),
    ("offline", False): (MM, MM, MM),
}


@pytest.mark.parametrize(("mode", "reuse"), sorted(FILE_TABLE))
def test_file_decision_table(mode: str, reuse: bool) -> None:
    absent, stored, confirmed = FILE_TABLE[(mode, reuse)]
    assert decide_file(mode, stored=False, reuse=reuse) is absent
    assert decide_file(mode, stored=True, reuse=reuse) is stored
    assert decide_file(mode, stored=True, confirmed=True, reuse=reuse) is confirmed


def test_file_table_covers_every_mode() -> None:
    assert {mode for mode, _ in FILE_TABLE} == set(MODES)


def test_confirmation_without_a_stored_copy_changes_nothing() -> None:
    for mode in MODES:
        assert decide_file(mode, stored=False, confirmed=True) is decide_file(mode, stored=False)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("cache-first", F), ("online", F), ("refresh", F), ("offline", M)],
)
def test_uncached_calls_fetch_except_offline(mode: str, expected: Decision) -> None:
    assert decide_uncached(mode) is expected


def test_offline_miss_is_a_cache_miss_naming_the_call_and_the_way_out() -> None:
    error = offline_miss("the curl script of 3 products (Download/bundle.sh)", "never cached")
    assert isinstance(error, CacheMissError)
    assert str(error).startswith("offline mode: the curl script of 3 products")
    assert "never cached" in str(error) and "without offline mode" in str(error)
