"""Cutouts in team mode: the zip machine A fetched is published to the object store (verified)
before its catalog row, so machine B is served it with no request to MAST, online and offline,
and a third machine that never saw it locally is served it offline too."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from astropy.coordinates import SkyCoord
from team.teamcache import Team

from mastcache import runtime
from mastcache.client import TesscutClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError
from mastcache.store import Store

TARGET = SkyCoord(349.62609, -47.12424, unit="deg")


@pytest.fixture
def team_here(pg_catalog: str, bucket: str, s3_endpoint: str, emulator: EmulatorServer) -> Team:
    """A team cache whose MAST is this test's own emulator (a clean request log)."""
    return Team(pg_catalog, f"s3://{bucket}/shared", s3_endpoint, emulator.url)


@pytest.fixture(autouse=True)
def _reset_runtime() -> Iterator[None]:
    yield
    runtime.reset()


def _machine(team: Team, cache_dir: Path, mode: str = "cache-first") -> None:
    """Act as one machine of the team: its own cache dir, the shared catalog and store."""
    runtime.configure(
        cache_dir=cache_dir,
        catalog_url=team.catalog_url,
        store_url=team.store_url,
        s3_endpoint_url=team.endpoint,
        mast_url=team.mast_url,
        mode=mode,
    )


def _zip(tmp_path: Path, folder: str) -> bytes:
    manifest = TesscutClass().download_cutouts(
        coordinates=TARGET, size=4, sector=1, path=tmp_path / folder, inflate=False
    )
    return Path(manifest["Local Path"][0]).read_bytes()


def test_a_cutout_fetched_on_one_machine_is_served_on_another_without_mast(
    team_here: Team, emulator: EmulatorServer, tmp_path: Path, bucket: str
) -> None:
    _machine(team_here, tmp_path / "a")
    fetched = _zip(tmp_path, "out-a")
    assert len(emulator.requests.matching("/tesscut/api/v0.1/astrocut")) == 1
    (saved,) = (tmp_path / "out-a").iterdir()
    with zipfile.ZipFile(saved) as members:
        assert members.namelist() and all(n.endswith(".fits") for n in members.namelist())

    sha = hashlib.sha256(fetched).hexdigest()
    s3 = boto3.client("s3", endpoint_url=team_here.endpoint, region_name="us-east-1")
    key = f"shared/products/{sha[:2]}/{sha}"
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == fetched
    with (
        Store.open(team_here.settings(tmp_path / "b")) as store,
        store.unit_of_work(read_only=True) as uow,
    ):
        records = [r for r in uow.files.list() if r.uri.startswith("mastcache:cutouts/")]
    assert [r.sha256 for r in records] == [sha] and records[0].scope == "anonymous"

    emulator.requests.clear()
    _machine(team_here, tmp_path / "b")
    assert _zip(tmp_path, "out-b") == fetched
    hdulists = TesscutClass().get_cutouts(coordinates=TARGET, size=4, sector=1)
    assert len(hdulists) == 1 and hdulists[0][1].data is not None
    assert len(emulator.requests) == 0

    _machine(team_here, tmp_path / "c", mode="offline")
    assert _zip(tmp_path, "out-c") == fetched
    with pytest.raises(CacheMissError, match="offline mode"):
        TesscutClass().get_cutouts(coordinates=TARGET, size=6, sector=1)
    assert len(emulator.requests) == 0


def test_a_damaged_cutout_object_is_fetched_again_and_republished(
    team_here: Team, emulator: EmulatorServer, tmp_path: Path, bucket: str
) -> None:
    _machine(team_here, tmp_path / "a")
    fetched = _zip(tmp_path, "out-a")
    sha = hashlib.sha256(fetched).hexdigest()
    s3 = boto3.client("s3", endpoint_url=team_here.endpoint, region_name="us-east-1")
    key = f"shared/products/{sha[:2]}/{sha}"
    s3.put_object(Bucket=bucket, Key=key, Body=b"X" * len(fetched))  # same size, other bytes

    emulator.requests.clear()
    _machine(team_here, tmp_path / "b")
    assert _zip(tmp_path, "out-b") == fetched  # never the damaged bytes
    assert len(emulator.requests.matching("/tesscut/api/v0.1/astrocut")) == 1
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == fetched
