"""``mastcache auth login|logout|status`` against the emulator, with an in-memory keyring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from mastcache.auth.tokens import KEYRING_SERVICE, KEYRING_USERNAME
from mastcache.cli import cli
from mastcache.errors import AuthenticationError

ENTRY = (KEYRING_SERVICE, KEYRING_USERNAME)


def run(mast: Any, cache_dir: Path, *args: str, stdin: str | None = None) -> Result:
    options = ["--cache-dir", str(cache_dir), "--mast-url", mast.server.url]
    return CliRunner().invoke(cli, [*options, *args], input=stdin)


def test_login_from_stdin_store_status_and_logout(
    mast: Any, cache_dir: Path, memory_keyring: Any
) -> None:
    stored = run(mast, cache_dir, "auth", "login", "--token-stdin", "--store-token",
                 stdin=mast.alice + "\n")  # fmt: skip
    assert stored.exit_code == 0, stored.output
    assert "Logged in to MAST as Alice Astronomer (alice)" in stored.output
    assert "identity scope: user:" in stored.output and mast.alice not in stored.output
    assert memory_keyring.passwords[ENTRY] == mast.alice

    status = run(mast, cache_dir, "auth", "status")
    assert status.exit_code == 0 and "token from: keyring" in status.output
    assert "logged in as: Alice Astronomer" in status.output and mast.alice not in status.output

    replaced = run(mast, cache_dir, "auth", "login", "--token-stdin", "--reenter-token",
                   stdin=mast.bob)  # fmt: skip
    assert replaced.exit_code == 0 and memory_keyring.passwords[ENTRY] == mast.bob

    logout = run(mast, cache_dir, "auth", "logout")
    assert logout.exit_code == 0 and "Removed the MAST token" in logout.output
    assert ENTRY not in memory_keyring.passwords
    assert "not logged in" in run(mast, cache_dir, "auth", "status").output


def test_login_without_storing_says_the_token_was_not_kept(
    mast: Any, cache_dir: Path, memory_keyring: Any
) -> None:
    result = run(mast, cache_dir, "auth", "login", "--token-stdin", stdin=mast.bob)
    assert result.exit_code == 0 and "was not kept" in result.output
    assert not memory_keyring.passwords


def test_a_refused_token_is_an_error_without_the_token(
    mast: Any, cache_dir: Path, memory_keyring: Any
) -> None:
    result = run(mast, cache_dir, "auth", "login", "--token-stdin", stdin="bogus-token-98765")
    assert isinstance(result.exception, AuthenticationError)
    assert "bogus-token" not in str(result.exception) and not memory_keyring.passwords


def test_status_from_the_environment(
    mast: Any, cache_dir: Path, memory_keyring: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MAST_API_TOKEN", mast.bob)
    result = run(mast, cache_dir, "auth", "status")
    assert "token from: environment" in result.output and "Bob Builder" in result.output
    assert "MAST_API_TOKEN is still set" in run(mast, cache_dir, "auth", "logout").output
