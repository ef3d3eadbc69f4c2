"""Client login against the emulator: each source, the cookie, session info, expiry (idle
and maximum age), invalid tokens, logout, and login at construction."""

from __future__ import annotations

from typing import Any

import pytest

from mastcache import runtime
from mastcache.auth.account import account_scope, active_scope
from mastcache.auth.tokens import KEYRING_SERVICE, KEYRING_USERNAME
from mastcache.client import CatalogsClass, MastClass, MastMissionsClass, ObservationsClass
from mastcache.emulator.auth import DAY_S
from mastcache.errors import AuthenticationError


def whoami_requests(server: Any) -> list[Any]:
    return [r for r in server.requests if r.path == "/whoami"]


def test_login_with_an_argument_sends_the_cookie(mast: Any, capsys: Any) -> None:
    obs = ObservationsClass()
    assert obs.scope == "anonymous"
    assert obs.login(mast.alice) is True
    assert obs.scope == account_scope({"ezid": "alice"}) == active_scope()
    assert obs.scope.startswith("user:") and "alice" not in obs.scope
    info = obs.session_info()
    assert info["anon"] is False and info["attrib"]["display_name"] == "Alice Astronomer"
    assert "attrib.display_name: Alice Astronomer" in capsys.readouterr().out
    assert "token" not in info and "session" not in info
    assert all(r.has_token for r in whoami_requests(mast.server))
    assert all("mast_token" not in str(r.headers) for r in mast.server.requests)
    obs.logout()
    assert obs.scope == "anonymous" == active_scope()
    assert obs.session_info(verbose=False)["anon"] is True


def test_login_from_the_environment(mast: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAST_API_TOKEN", mast.bob)
    obs = ObservationsClass()
    obs.login()
    assert obs.session_info(verbose=False)["ezid"] == "bob"


def test_login_from_the_keyring_and_storing(mast: Any, memory_keyring: Any) -> None:
    obs = ObservationsClass()
    obs.login(mast.alice, store_token=True)
    assert memory_keyring.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] == mast.alice
    other = MastClass()
    other.login()  # from the keyring
    assert other.scope == obs.scope
    other.login(mast.bob, reenter_token=True)  # replaces the stored token
    assert memory_keyring.passwords[(KEYRING_SERVICE, KEYRING_USERNAME)] == mast.bob
    assert other.scope != obs.scope


def test_invalid_token_is_refused_before_anything_is_served(mast: Any) -> None:
    obs = ObservationsClass()
    with pytest.raises(AuthenticationError, match="invalid or has expired") as caught:
        obs.login("not-a-real-token-123456")
    assert "not-a-real-token" not in str(caught.value)
    assert obs.scope == "anonymous"
    assert not [r for r in mast.server.requests if r.path != "/whoami"]


def test_idle_token_expires_after_ten_days(mast: Any) -> None:
    mast.server.app.access.tokens.issue(mast.alice, age_s=20 * DAY_S, idle_s=11 * DAY_S)
    with pytest.raises(AuthenticationError, match="10 days"):
        ObservationsClass().login(mast.alice)


def test_token_expires_sixty_days_after_creation_even_in_use(mast: Any) -> None:
    tokens = mast.server.app.access.tokens
    tokens.issue(mast.alice, age_s=59 * DAY_S, idle_s=0)
    obs = ObservationsClass()
    obs.login(mast.alice)
    tokens.advance(2 * DAY_S)  # 61 days old, used 2 days ago
    with pytest.raises(AuthenticationError, match="logged out"):
        obs.session_info(verbose=False)
    assert obs.scope == "anonymous"
    with pytest.raises(AuthenticationError):
        ObservationsClass().login(mast.alice)


def test_use_keeps_a_token_alive(mast: Any) -> None:
    tokens = mast.server.app.access.tokens
    obs = ObservationsClass()
    obs.login(mast.alice)
    for _ in range(3):  # 27 days, never 10 idle
        tokens.advance(9 * DAY_S)
        assert obs.session_info(verbose=False)["anon"] is False


def test_mast_token_argument_logs_in_at_construction(mast: Any) -> None:
    assert ObservationsClass(mast_token=mast.alice).scope.startswith("user:")
    assert MastClass(mast_token=mast.alice).scope.startswith("user:")
    missions = MastMissionsClass(mission="hst", mast_token=mast.bob)
    assert missions.session_info(verbose=False)["ezid"] == "bob"
    catalogs = CatalogsClass()
    catalogs.login(mast.alice)
    assert catalogs.scope == ObservationsClass(mast_token=mast.alice).scope
    with pytest.raises(AuthenticationError):
        ObservationsClass(mast_token="wrong-token-abcdefgh")


def test_login_needs_the_network(mast: Any) -> None:
    runtime.configure(mode="offline")
    with pytest.raises(AuthenticationError, match="offline"):
        ObservationsClass().login(mast.alice)
    assert not whoami_requests(mast.server)


def test_an_expired_token_is_refused_before_a_cached_result_is_served(mast: Any) -> None:
    tokens = mast.server.app.access.tokens
    obs = ObservationsClass()
    obs.login(mast.alice)
    obs.revalidate_after = 0.0  # check with MAST before every call
    first = obs.query_region("210.8 54.35", radius="0.05 deg")
    assert len(obs.query_region("210.8 54.35", radius="0.05 deg")) == len(first)  # cached
    tokens.advance(11 * DAY_S)  # 11 days without use: MAST forgets the token
    with pytest.raises(AuthenticationError, match="no longer accepts"):
        obs.query_region("210.8 54.35", radius="0.05 deg")
    assert obs.scope == "anonymous"  # logged out; nothing of Alice's is served any more
