"""Auth fixtures: an in-memory keyring backend, an emulator that knows two accounts (Alice is
on an exclusive-access proposal, Bob on another one), and mastcache configured against it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from mastcache import runtime
from mastcache.auth.account import reset_active_scopes
from mastcache.emulator import EmulatorServer, Identity, start


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in a dict (one per test)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """keyring set to a fresh in-memory backend; MAST_API_TOKEN unset."""
    monkeypatch.delenv("MAST_API_TOKEN", raising=False)
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@dataclass(frozen=True)
class Proposal:
    """An exclusive-access proposal in the synthetic sky and a cone that holds some of it."""

    proposal_id: str
    obsids: tuple[str, ...]
    ra: float
    dec: float
    radius_deg: float


def find_proposal(seed: int = 20240101, radius_deg: float = 0.05) -> Proposal:
    """An HST/JWST proposal whose first observation's cone also holds public observations."""
    from mastcache.emulator.sky.observations import sky_for_seed

    sky = sky_for_seed(seed)
    by_proposal: dict[str, list[dict[str, object]]] = {}
    for index in sky.in_obsid_order():
        row = sky.row(index)
        if row["proposal_id"] and row["obs_collection"] in ("HST", "JWST"):
            by_proposal.setdefault(str(row["proposal_id"]), []).append(row)
    for pid, rows in sorted(by_proposal.items()):
        first = rows[0]
        ra, dec = float(first["s_ra"]), float(first["s_dec"])  # type: ignore[arg-type]
        inside = [sky.row(m.index) for m in sky.cone(ra, dec, radius_deg)]
        mine = [str(r["obsid"]) for r in inside if str(r["proposal_id"]) == pid]
        if mine and len(inside) - len(mine) >= 3:
            return Proposal(pid, tuple(mine), ra, dec, radius_deg)
    raise AssertionError("no suitable proposal in the synthetic sky")


@dataclass(frozen=True)
class Accounts:
    """The emulator, its accounts' tokens and Alice's proposal."""

    server: EmulatorServer
    alice: str
    bob: str
    proposal: Proposal


@pytest.fixture(scope="session")
def proposal() -> Proposal:
    return find_proposal()


def make_accounts(server: EmulatorServer, proposal: Proposal, alice: str, bob: str) -> Accounts:
    server.reconfigure(
        identities=(
            Identity(alice, "alice", "Alice Astronomer", "alice@example.org",
                     ("mast:exclusive_access", f"proposal:{proposal.proposal_id}")),
            Identity(bob, "bob", "Bob Builder", "bob@example.org",
                     ("mast:exclusive_access", "proposal:0000")),
        )
    )  # fmt: skip
    return Accounts(server, alice, bob, proposal)


NON_HEX = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"


def canary(length: int = 32) -> str:
    """A random token body with no hex digit in it: the leak test looks for every 8-character
    piece of the token, and a hex piece could turn up by chance inside a stored sha256."""
    return "".join(secrets.choice(NON_HEX) for _ in range(length))


@pytest.fixture
def accounts(proposal: Proposal) -> Iterator[Accounts]:
    """A fresh emulator knowing Alice and Bob (fresh random tokens each test)."""
    alice, bob = f"alice-{canary()}", f"bob-{canary()}"
    with start("127.0.0.1", 0) as server:
        yield make_accounts(server, proposal, alice, bob)


@pytest.fixture
def mast(accounts: Accounts, cache_dir: Path, memory_keyring: MemoryKeyring) -> Iterator[Accounts]:
    """mastcache configured against the accounts' emulator, logins forgotten afterwards."""
    runtime.configure(mast_url=accounts.server.url, cache_dir=cache_dir, mode="cache-first")
    yield accounts
    runtime.reset()
    reset_active_scopes()
