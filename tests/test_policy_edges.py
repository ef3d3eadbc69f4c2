"""Edges of RefreshPolicy that mutation testing found unguarded (docs/testing.md): a TTL of
zero or a fraction of a second is valid, ``new(ttls=...)`` merges over the current TTLs, and
each refusal lists the valid choices."""

from __future__ import annotations

import pytest

from mastcache.errors import ConfigurationError
from mastcache.policy import DEFAULT_TTLS, RefreshPolicy
from mastcache.settings import MODES, TTL_KINDS


@pytest.mark.parametrize("seconds", [0, 0.0, 0.5])
def test_zero_and_fractional_ttls_are_valid(seconds: float) -> None:
    policy = RefreshPolicy(ttls=dict.fromkeys(TTL_KINDS, seconds))
    assert all(policy.ttl(kind) == seconds for kind in TTL_KINDS)


@pytest.mark.parametrize("seconds", [-0.001, -1, float("nan")])
def test_negative_and_nan_ttls_are_refused(seconds: float) -> None:
    with pytest.raises(ConfigurationError, match="expected a non-negative number of seconds"):
        RefreshPolicy(ttls={"observations": seconds})


def test_new_merges_ttls_over_the_current_ones() -> None:
    policy = RefreshPolicy(ttls={"observations": 5.0}).new(ttls={"catalogs": 7.0})
    assert policy.ttl("observations") == 5.0
    assert policy.ttl("catalogs") == 7.0
    assert policy.ttl("missions") == DEFAULT_TTLS["missions"]
    assert policy.new(mode="offline").ttl("observations") == 5.0


def test_refusals_list_the_valid_choices() -> None:
    kinds = ", ".join(TTL_KINDS)
    with pytest.raises(ConfigurationError) as caught:
        RefreshPolicy(ttls={"nonsense": 1.0})
    assert str(caught.value) == f"unknown TTL kind 'nonsense': expected one of {kinds}"
    with pytest.raises(ConfigurationError) as caught:
        RefreshPolicy().ttl("nonsense")
    assert str(caught.value) == f"unknown result kind 'nonsense': expected one of {kinds}"
    with pytest.raises(ConfigurationError) as caught:
        RefreshPolicy(mode="sometimes")  # type: ignore[arg-type]
    assert str(caught.value) == f"unknown mode 'sometimes': expected one of {', '.join(MODES)}"
