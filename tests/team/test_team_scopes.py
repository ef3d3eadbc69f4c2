"""Sharing results fetched under a MAST login with the members of their scope (issue #23),
enforced by PostgreSQL itself: two real login roles, Alice's and Bob's, each a member of its
own account's scope role only, cannot read each other's rows, through mastcache.sql or psycopg;
anonymous rows stay readable by both. Without the opt-in, or without membership, a login's
result stays on the member's machine."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import psycopg
import pytest
from click.testing import CliRunner
from team.pgroles import as_role, grant_tables, member_roles, psycopg_url, schema_of
from team.teamcache import Team

import mastcache
from mastcache import runtime
from mastcache.auth.account import active_scope, reset_active_scopes
from mastcache.cli import cli, main
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, Identity, start
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.scopes import scope_digest, scope_role

ALICE_TOKEN = "alice-token-for-the-scope-tests"
BOB_TOKEN = "bob-token-for-the-scope-tests"
CONE = "10.0 20.0"
INVOKE = "/api/v0/invoke"


@pytest.fixture
def accounts() -> Iterator[EmulatorServer]:
    """An emulator that knows Alice's and Bob's MAST accounts."""
    with start("127.0.0.1", 0) as server:
        server.reconfigure(
            identities=(
                Identity(ALICE_TOKEN, "alice", "Alice Astronomer"),
                Identity(BOB_TOKEN, "bob", "Bob Builder"),
            )
        )
        yield server


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    reset_active_scopes()
    yield
    runtime.reset()
    reset_active_scopes()


@dataclass(frozen=True)
class Member:
    """One member: a database role, a MAST account and the scope of that account."""

    role: str
    token: str
    scope: str


def _scope_of(team: Team, token: str, cache_dir: Path) -> str:
    _machine(team, cache_dir)
    ObservationsClass().login(token)
    scope = active_scope()
    runtime.reset()
    reset_active_scopes()
    return scope


def _machine(team: Team, cache_dir: Path, *, role: str | None = None, share: bool = True) -> None:
    catalog = as_role(team.catalog_url, role) if role else team.catalog_url
    runtime.configure(
        cache_dir=cache_dir, catalog_url=catalog, store_url=team.store_url,
        s3_endpoint_url=team.endpoint, mast_url=team.mast_url, share_scoped=share,
    )  # fmt: skip


def _logged_in(
    member: Member, team: Team, cache_dir: Path, *, share: bool = True
) -> ObservationsClass:
    runtime.reset()
    reset_active_scopes()
    _machine(team, cache_dir, role=member.role, share=share)
    client = ObservationsClass()
    client.login(member.token)
    return client


def _grant(team: Team, cache_dir: Path, scope: str, *roles: str) -> str:
    runtime.reset()
    result = CliRunner().invoke(
        cli, ["--cache-dir", str(cache_dir), "cache", "team", "grant", scope, *roles],
        env=team.environ(cache_dir),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def _rows(url: str) -> set[tuple[str, str]]:
    """(key, scope) of every queries row this database role can read, through psycopg."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        return {(k, s) for k, s in connection.execute("SELECT key, scope FROM queries")}


def _objects(team: Team) -> list[str]:
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    bucket = team.store_url.removeprefix("s3://").split("/", 1)[0]
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


@pytest.fixture
def shared(
    team: Team, tmp_path: Path, accounts: EmulatorServer
) -> Iterator[tuple[Team, Member, Member]]:
    """A team catalog at head (row-level security on), with Alice's and Bob's roles and
    MAST accounts."""
    team = Team(team.catalog_url, team.store_url, team.endpoint, accounts.url)
    with Store.open(team.settings(tmp_path / "admin")):
        pass  # the admin creates the schema
    alice_scope = _scope_of(team, ALICE_TOKEN, tmp_path / "who-a")
    bob_scope = _scope_of(team, BOB_TOKEN, tmp_path / "who-b")
    schema = schema_of(team.catalog_url)
    with member_roles(schema, 2, [alice_scope, bob_scope]) as members:
        grant_tables(schema, members.names)
        alice = Member(members.names[0], ALICE_TOKEN, alice_scope)
        bob = Member(members.names[1], BOB_TOKEN, bob_scope)
        yield team, alice, bob


def test_two_members_share_their_logins_results_only_with_their_own_scope(
    shared: tuple[Team, Member, Member], tmp_path: Path, accounts: EmulatorServer
) -> None:
    team, alice, bob = shared
    output = _grant(team, tmp_path / "admin", alice.scope, alice.role)
    assert scope_role(alice.scope) in output and f"scopes/{scope_digest(alice.scope)}/" in output
    _grant(team, tmp_path / "admin", bob.scope, bob.role)

    anonymous = ObservationsClass()  # an anonymous result, published for everyone
    runtime.reset()
    _machine(team, tmp_path / "admin")
    public = anonymous.query_region(CONE, radius="0.3 deg")
    public_key = public.meta["mastcache"]["key"]

    mine = _logged_in(alice, team, tmp_path / "alice-laptop").query_region(CONE, radius="0.3 deg")
    assert mine.meta["mastcache"]["source"] == "network"
    alice_key = mine.meta["mastcache"]["key"]
    theirs = _logged_in(bob, team, tmp_path / "bob-laptop").query_region(CONE, radius="0.3 deg")
    bob_key = theirs.meta["mastcache"]["key"]
    assert len({public_key, alice_key, bob_key}) == 3

    # the objects sit under each scope's prefix; nothing of a login under tables/
    objects = _objects(team)
    assert any(f"scopes/{scope_digest(alice.scope)}/tables/service=" in o for o in objects)
    assert any(f"scopes/{scope_digest(bob.scope)}/tables/service=" in o for o in objects)
    assert not any(alice_key in o or bob_key in o for o in objects if "/scopes/" not in o)

    # the database enforces it: each role reads the anonymous rows and its scope's only
    admin_rows = _rows(team.catalog_url)
    assert {(alice_key, alice.scope), (bob_key, bob.scope)} <= admin_rows
    assert _rows(as_role(team.catalog_url, alice.role)) == {
        (public_key, "anonymous"), (alice_key, alice.scope)
    }  # fmt: skip
    assert _rows(as_role(team.catalog_url, bob.role)) == {
        (public_key, "anonymous"), (bob_key, bob.scope)
    }  # fmt: skip

    # ... and through mastcache.sql, even when Bob names Alice's scope
    runtime.reset()
    _machine(team, tmp_path / "bob-sql", role=bob.role)
    seen = mastcache.sql("SELECT key, scope FROM queries ORDER BY key", scope=alice.scope)
    assert {str(k) for k in seen["key"]} == {public_key}
    runtime.reset()
    _machine(team, tmp_path / "alice-sql", role=alice.role)
    seen = mastcache.sql("SELECT key FROM queries", scope=alice.scope)
    assert {str(k) for k in seen["key"]} == {public_key, alice_key}

    # a write into another scope is refused by the server
    with (
        psycopg.connect(psycopg_url(as_role(team.catalog_url, bob.role))) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
    ):
        connection.execute("UPDATE queries SET scope = %s WHERE key = %s", (alice.scope, bob_key))

    # Alice's other machine (same scope, her role) is served from the team, without MAST
    accounts.requests.clear()
    again = _logged_in(alice, team, tmp_path / "alice-cluster").query_region(CONE, radius="0.3 deg")
    assert again.meta["mastcache"]["source"] == "cache" and len(again) == len(mine)
    assert not accounts.requests.matching(INVOKE)


def test_a_login_result_stays_on_the_machine_without_the_opt_in_or_a_membership(
    shared: tuple[Team, Member, Member], tmp_path: Path, accounts: EmulatorServer,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    team, alice, _ = shared
    from mastcache.store import teamresults

    teamresults._noticed.clear()  # one notice per process: this test wants to see them
    with caplog.at_level(logging.WARNING):
        kept = _logged_in(alice, team, tmp_path / "a", share=False).query_region(
            CONE, radius="0.3 deg"
        )
    assert any("MASTCACHE_SHARE_SCOPED" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):  # opted in, but the admin granted nothing yet
        _logged_in(alice, team, tmp_path / "b").query_region("11.0 20.0", radius="0.3 deg")
    message = next(r.getMessage() for r in caplog.records if "not a member" in r.getMessage())
    assert scope_role(alice.scope) in message and "cache team grant" in message
    assert "\n" not in message
    assert _rows(team.catalog_url) == set() and _objects(team) == []
    client = _logged_in(alice, team, tmp_path / "a", share=False)
    again = client.query_region(CONE, radius="0.3 deg", mode="offline")
    assert len(again) == len(kept)  # still served on the machine that fetched it


def test_grant_and_revoke_mistakes_are_one_line(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str]:
        runtime.reset()  # settings from this environment
        code = main(["--cache-dir", str(tmp_path), "cache", "team", *args])
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err
        return code, err

    for name, value in team.environ(tmp_path).items():
        monkeypatch.setenv(name, value)
    code, err = run("grant", "alice", "somebody")
    assert code != 0 and "user: and 32 hex digits" in err
    code, err = run("grant", "user:" + "0" * 32, "no_such_role_x")
    assert code != 0 and "no_such_role_x" in err and "does not exist" in err
    monkeypatch.delenv("MASTCACHE_CATALOG_URL")
    code, err = run("revoke", "user:" + "0" * 32, "somebody")
    assert code != 0 and "PostgreSQL team catalog" in err


def test_push_shares_a_logins_results_only_when_opted_in_and_a_member(
    shared: tuple[Team, Member, Member], tmp_path: Path
) -> None:
    team, alice, bob = shared
    laptop = tmp_path / "alice-laptop"
    fetched = _logged_in(alice, team, laptop, share=False).query_region(CONE, radius="0.3 deg")
    key = fetched.meta["mastcache"]["key"]

    def push(share: str) -> str:
        runtime.reset()  # settings from this call's environment
        env = {**team.environ(laptop), "MASTCACHE_SHARE_SCOPED": share,
               "MASTCACHE_CATALOG_URL": as_role(team.catalog_url, alice.role)}  # fmt: skip
        result = CliRunner().invoke(cli, ["--cache-dir", str(laptop), "cache", "push"], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    assert "1 entries fetched under a login stayed here" in push("0")
    assert _rows(team.catalog_url) == set() and _objects(team) == []
    _grant(team, tmp_path / "admin", alice.scope, alice.role)
    output = push("1")
    assert "pushed 1 results" in output and "stayed here" not in output
    assert _rows(team.catalog_url) == {(key, alice.scope)}
    assert (
        [o for o in _objects(team) if key in o]
        == [o for o in _objects(team) if f"/scopes/{scope_digest(alice.scope)}/tables/" in o]
        != []
    )  # under the scope's prefix only
    assert _rows(as_role(team.catalog_url, bob.role)) == set()


def test_a_granted_member_pulls_the_scopes_results_and_a_revoked_one_no_longer_sees_them(
    shared: tuple[Team, Member, Member], tmp_path: Path
) -> None:
    team, alice, bob = shared
    _grant(team, tmp_path / "admin", alice.scope, alice.role, bob.role)
    mine = _logged_in(alice, team, tmp_path / "alice").query_region(CONE, radius="0.3 deg")
    key = mine.meta["mastcache"]["key"]

    def pull(into: Path) -> set[tuple[str, str]]:
        runtime.reset()
        env = {**team.environ(into), "MASTCACHE_CATALOG_URL": as_role(team.catalog_url, bob.role)}
        result = CliRunner().invoke(cli, ["--cache-dir", str(into), "cache", "pull"], env=env)
        assert result.exit_code == 0, result.output
        with Store.open(Settings.from_env({}, cache_dir=into)) as personal:
            rows = {(q.key, q.scope) for q in personal.list_queries()}
            for record in personal.list_queries():  # the bytes came along, verified
                assert len(personal.read_table(record)) == record.nrows
        return rows

    assert pull(tmp_path / "bob-1") == {(key, alice.scope)}
    runtime.reset()
    result = CliRunner().invoke(
        cli, ["cache", "team", "revoke", alice.scope, bob.role], env=team.environ(tmp_path)
    )
    assert result.exit_code == 0 and f"revoked {scope_role(alice.scope)}" in result.output
    assert pull(tmp_path / "bob-2") == set()


PRODUCT = "mast:HST/product/u9o40504m_c3m.fits"
DOWNLOAD = "/api/v0.1/Download/file"


def _files(url: str) -> set[tuple[str, str, str]]:
    """(uri, scope, local_path) of every files row this database role can read."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        rows = connection.execute("SELECT uri, scope, local_path FROM files")
        return {(u, s, p) for u, s, p in rows}


def test_a_logins_product_file_is_shared_under_its_scopes_prefix_only(
    shared: tuple[Team, Member, Member], tmp_path: Path, accounts: EmulatorServer
) -> None:
    team, alice, bob = shared
    _grant(team, tmp_path / "admin", alice.scope, alice.role)
    digest = scope_digest(alice.scope)

    laptop = _logged_in(alice, team, tmp_path / "alice-laptop")
    status, _, _ = laptop.download_file(PRODUCT, local_path=tmp_path / "out-laptop")
    assert status == "COMPLETE"
    fetched = (tmp_path / "out-laptop" / "u9o40504m_c3m.fits").read_bytes()
    (row,) = _files(team.catalog_url)
    assert row[:2] == (PRODUCT, alice.scope)
    assert row[2].startswith(f"scopes/{digest}/products/")
    assert [o for o in _objects(team) if "/products/" in o] == [
        o for o in _objects(team) if o.endswith(row[2])
    ]  # the bytes are in the bucket under the scope's prefix only

    # Alice's other machine takes it from the team store, not from MAST
    accounts.requests.clear()
    cluster = _logged_in(alice, team, tmp_path / "alice-cluster")
    status, _, _ = cluster.download_file(PRODUCT, local_path=tmp_path / "out-cluster")
    assert status == "COMPLETE"
    assert (tmp_path / "out-cluster" / "u9o40504m_c3m.fits").read_bytes() == fetched
    assert not accounts.requests.matching(DOWNLOAD)

    # Bob's role cannot see the row; anonymous files stay unscoped under products/
    assert _files(as_role(team.catalog_url, bob.role)) == set()
    runtime.reset()
    _machine(team, tmp_path / "admin")
    ObservationsClass().download_file(
        "mast:HST/product/u9o40504m_c0m.fits", local_path=tmp_path / "out-anon"
    )
    anonymous = {p for _, s, p in _files(team.catalog_url) if s == "anonymous"}
    assert [p.split("/")[0] for p in anonymous] == ["products"]
