"""``query``, ``resolve``, ``products`` and ``download`` act as the account whose token is in
$MAST_API_TOKEN or the keyring (``--anonymous`` opts out); never prompting, never printing
the token. Separate processes get the token from $MAST_API_TOKEN (the in-memory keyring
does not cross processes); the keyring path is exercised in-process."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mastcache.cli import cli


def mastcache_run(
    mast: Any, cache_dir: Path, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAST", "PYTHON_KEYRING"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the real keyring
    if token is not None:
        env["MAST_API_TOKEN"] = token
    options = ["--cache-dir", str(cache_dir), "--mast-url", mast.server.url]
    command = [sys.executable, "-m", "mastcache", *options, *args]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )


def cone_args(proposal: Any) -> list[str]:
    return ["query", "--region", f"{proposal.ra} {proposal.dec}",
            "--radius", f"{proposal.radius_deg} deg", "--columns", "obsid", "--format", "csv"]  # fmt: skip


def obsids(text: str) -> set[str]:
    return {row["obsid"] for row in csv.DictReader(io.StringIO(text))}


def test_query_and_products_act_as_the_environment_token(mast: Any, cache_dir: Path) -> None:
    mine = set(mast.proposal.obsids)
    alice = mastcache_run(mast, cache_dir, *cone_args(mast.proposal), token=mast.alice)
    assert alice.returncode == 0, alice.stderr
    anonymous = mastcache_run(mast, cache_dir, *cone_args(mast.proposal), "--anonymous",
                              token=mast.alice)  # fmt: skip
    bob = mastcache_run(mast, cache_dir, *cone_args(mast.proposal), token=mast.bob)
    assert mine <= obsids(alice.stdout) and obsids(anonymous.stdout)
    assert not mine & obsids(anonymous.stdout) and not mine & obsids(bob.stdout)
    offline = mastcache_run(mast, cache_dir, "--mode", "offline", *cone_args(mast.proposal),
                            token=mast.alice)  # fmt: skip
    assert "runs anonymously" in offline.stderr and not mine & obsids(offline.stdout)

    listed = [mast.proposal.obsids[0], "--format", "csv"]
    theirs = mastcache_run(mast, cache_dir, "products", *listed, token=mast.alice)
    others = mastcache_run(mast, cache_dir, "products", *listed, token=mast.bob)
    assert theirs.returncode == 0 and "EXCLUSIVE_ACCESS" in theirs.stdout
    assert "EXCLUSIVE_ACCESS" not in others.stdout
    for run in (alice, anonymous, bob, offline, theirs, others):
        assert mast.alice not in run.stdout + run.stderr
        assert mast.bob not in run.stdout + run.stderr


def test_an_expired_environment_token_fails_clearly(mast: Any, cache_dir: Path) -> None:
    mast.server.app.access.tokens.issue(mast.alice, age_s=61 * 86400.0)
    result = mastcache_run(mast, cache_dir, *cone_args(mast.proposal), token=mast.alice)
    assert result.returncode != 0 and "token" in result.stderr.lower()
    assert mast.alice not in result.stdout + result.stderr


@pytest.fixture
def runner_clients() -> Iterator[None]:
    """The CLI's in-process clients are module singletons: log them out afterwards."""
    yield
    from mastcache.client import Mast, Observations

    for client in (Observations, Mast):
        if client.scope != "anonymous":
            client.logout()


def test_keyring_token_then_logout_in_process(
    mast: Any, cache_dir: Path, memory_keyring: Any, runner_clients: None
) -> None:
    mine = set(mast.proposal.obsids)
    options = ["--cache-dir", str(cache_dir), "--mast-url", mast.server.url]

    def run(*args: str, stdin: str | None = None) -> str:
        result = CliRunner().invoke(cli, [*options, *args], input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    run("auth", "login", "--token-stdin", "--store-token", stdin=mast.alice)
    assert mine <= obsids(run(*cone_args(mast.proposal)))
    assert not mine & obsids(run(*cone_args(mast.proposal), "--anonymous"))
    assert mine <= obsids(run(*cone_args(mast.proposal)))
    run("resolve", "M101", "--anonymous")
    run("auth", "logout")
    assert not mine & obsids(run(*cone_args(mast.proposal)))
