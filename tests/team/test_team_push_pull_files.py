"""``cache push|pull`` of product files: verified, content-addressed, never overwriting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from team.teamcache import Team

from mastcache import runtime
from mastcache.cli import cli
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.errors import CorruptEntryError
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.transfer import transfer

FILE = "/api/v0.1/Download/file"
URI = "mast:HST/product/u9o40504m_c3m.fits"
NAME = "u9o40504m_c3m.fits"


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def download(cache_dir: Path, mast_url: str, folder: Path, mode: str = "cache-first") -> object:
    """One local (personal) cache downloading URI."""
    runtime.configure(cache_dir=cache_dir, mast_url=mast_url, mode=mode)
    try:
        return ObservationsClass().download_file(URI, local_path=folder)
    finally:
        runtime.reset()


def team_cli(team: Team, cache_dir: Path, command: str) -> Result:
    arguments = ["--cache-dir", str(cache_dir), "cache", command]
    arguments += ["--team-catalog", team.catalog_url, "--team-store", team.store_url]
    result = CliRunner().invoke(
        cli, arguments, env={"MASTCACHE_S3_ENDPOINT_URL": team.endpoint}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def team_store(team: Team, tmp_path: Path) -> Store:
    return Store.open(team.settings(tmp_path / "team-local"))


def test_push_then_pull_copies_product_files_for_offline_use(
    team: Team, emulator: EmulatorServer, tmp_path: Path
) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    assert download(alice, emulator.url, tmp_path / "a") == ("COMPLETE", None, None)
    assert "1 product files" in team_cli(team, alice, "push").output
    with team_store(team, tmp_path) as store:
        record = store.get_file(URI)
        assert record is not None and record.status == "complete"
        assert store.objects.read_bytes(record.local_path) == product_bytes(URI)
    assert "0 product files" in team_cli(team, alice, "push").output  # already there

    assert "1 product files" in team_cli(team, bob, "pull").output
    emulator.requests.clear()
    result = download(bob, "http://127.0.0.1:9", tmp_path / "b", mode="offline")
    assert result == ("COMPLETE", None, None)
    assert (tmp_path / "b" / NAME).read_bytes() == product_bytes(URI)
    assert emulator.requests.matching(FILE, "GET") == []
    assert "0 product files" in team_cli(team, bob, "pull").output


def test_push_keeps_newer_bytes_the_team_holds_for_a_uri(
    team: Team, emulator: EmulatorServer, tmp_path: Path
) -> None:
    alice = tmp_path / "alice"
    download(alice, emulator.url, tmp_path / "a")
    with Store.open(Settings.from_env({}, cache_dir=alice)) as mine:
        ours = mine.get_file(URI)
    assert ours is not None and ours.downloaded_at is not None
    newer = replace(ours, sha256="ab" * 32, downloaded_at=ours.downloaded_at + timedelta(1))
    with team_store(team, tmp_path) as store:
        store.put_file(newer)
    assert "0 product files" in team_cli(team, alice, "push").output
    with team_store(team, tmp_path) as store:
        assert store.get_file(URI) == newer
        assert not store.objects.exists(ours.local_path)  # nothing uploaded for a kept row


def test_a_damaged_personal_file_is_refused_not_pushed(
    team: Team, emulator: EmulatorServer, tmp_path: Path
) -> None:
    alice = tmp_path / "alice"
    download(alice, emulator.url, tmp_path / "a")
    personal = Settings.from_env({}, cache_dir=alice)
    with Store.open(personal) as mine:
        record = mine.get_file(URI)
        assert record is not None
        blob = alice / record.local_path
        os.chmod(blob, 0o644)
        data = bytearray(blob.read_bytes())
        data[100] ^= 1
        blob.write_bytes(bytes(data))
        with team_store(team, tmp_path) as store, pytest.raises(CorruptEntryError, match=URI):
            transfer(mine, store)
        with team_store(team, tmp_path) as store:
            assert store.get_file(URI) is None
            assert not store.objects.exists(record.local_path)
