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


def mastcache_start(
    mast: Any, cache_dir: Path, *args: str, token: str | None = None
) -> subprocess.Popen[str]:
    """A ``mastcache`` process (the null keyring; the token, if any, in $MAST_API_TOKEN)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAST", "PYTHON_KEYRING"))}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"  # never the real keyring
    if token is not None:
        env["MAST_API_TOKEN"] = token
    options = ["--cache-dir", str(cache_dir), "--mast-url", mast.server.url]
    command = [sys.executable, "-m", "mastcache", *options, *args]
    return subprocess.Popen(
        command, env=env, text=True, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def mastcache_run(
    mast: Any, cache_dir: Path, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    return finished(mastcache_start(mast, cache_dir, *args, token=token))


def cone_args(proposal: Any) -> list[str]:
    where, radius = f"{proposal.ra} {proposal.dec}", f"{proposal.radius_deg} deg"
    return ["query", "--region", where, "--radius", radius, "--columns", "obsid", "--format", "csv"]


def obsids(text: str) -> set[str]:
    return {row["obsid"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.slow  # six processes, each importing astropy (~40 s on a small machine)
def test_query_and_products_act_as_the_environment_token(mast: Any, cache_dir: Path) -> None:
    mine, cone, listed = set(mast.proposal.obsids), cone_args(mast.proposal), ["--format", "csv"]
    first = mast.proposal.obsids[0]
    started = [  # independent runs, in parallel (each process imports astropy)
        mastcache_start(mast, cache_dir, *cone, token=mast.alice),
        mastcache_start(mast, cache_dir, *cone, "--anonymous", token=mast.alice),
        mastcache_start(mast, cache_dir, *cone, token=mast.bob),
        mastcache_start(mast, cache_dir, "products", first, *listed, token=mast.alice),
        mastcache_start(mast, cache_dir, "products", first, *listed, token=mast.bob),
    ]
    alice, anonymous, bob, theirs, others = (finished(p) for p in started)
    assert alice.returncode == 0, alice.stderr
    assert mine <= obsids(alice.stdout) and obsids(anonymous.stdout)
    assert not mine & obsids(anonymous.stdout) and not mine & obsids(bob.stdout)
    assert theirs.returncode == 0 and "EXCLUSIVE_ACCESS" in theirs.stdout
    assert others.returncode == 0 and "EXCLUSIVE_ACCESS" not in others.stdout
    offline = mastcache_run(mast, cache_dir, "--mode", "offline", *cone, token=mast.alice)
    assert "runs anonymously" in offline.stderr
    assert obsids(offline.stdout) == obsids(anonymous.stdout)
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
