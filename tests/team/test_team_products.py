"""Product files in team mode: published to the object store (verified) before their catalog
row, and served from it to another machine with no download from MAST."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from team.teamcache import Team

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.store import Store

FILE = "/api/v0.1/Download/file"
URI = "mast:HST/product/u9o40504m_c3m.fits"
NAME = "u9o40504m_c3m.fits"
Machine = Callable[[Path, Path], tuple[str, str | None, str | None]]


@pytest.fixture
def team_here(pg_catalog: str, bucket: str, s3_endpoint: str, emulator: EmulatorServer) -> Team:
    """A team cache whose MAST is this test's own emulator (a clean request log)."""
    return Team(pg_catalog, f"s3://{bucket}/shared", s3_endpoint, emulator.url)


@pytest.fixture
def machine(team_here: Team) -> Iterator[Machine]:
    """``machine(cache_dir, folder)``: download URI as one machine of the team."""

    def download(cache_dir: Path, folder: Path) -> tuple[str, str | None, str | None]:
        runtime.configure(**_fields(team_here, cache_dir))
        try:
            result: tuple[str, str | None, str | None] = ObservationsClass().download_file(
                URI, local_path=folder
            )
            return result
        finally:
            runtime.reset()

    yield download


def _fields(team: Team, cache_dir: Path) -> dict[str, object]:
    return {
        "cache_dir": cache_dir,
        "catalog_url": team.catalog_url,
        "store_url": team.store_url,
        "s3_endpoint_url": team.endpoint,
        "mast_url": team.mast_url,
        "mode": "cache-first",
    }


def _blob_key(data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    return f"shared/products/{sha[:2]}/{sha}"


def test_a_product_is_published_then_served_to_another_machine_without_mast(
    team_here: Team, machine: Machine, emulator: EmulatorServer, tmp_path: Path, bucket: str
) -> None:
    expected = product_bytes(URI)
    assert machine(tmp_path / "a", tmp_path / "out-a") == ("COMPLETE", None, None)
    assert len(emulator.requests.matching(FILE, "GET")) == 1
    s3 = boto3.client("s3", endpoint_url=team_here.endpoint, region_name="us-east-1")
    stored = s3.get_object(Bucket=bucket, Key=_blob_key(expected))["Body"].read()
    assert stored == expected
    with Store.open(team_here.settings(tmp_path / "b")) as store:
        record = store.get_file(URI)
    assert record is not None and record.status == "complete"
    assert record.local_path == _blob_key(expected).removeprefix("shared/")

    emulator.requests.clear()
    assert machine(tmp_path / "b", tmp_path / "out-b") == ("COMPLETE", None, None)
    assert emulator.requests.matching(FILE, "GET") == []
    assert emulator.requests.matching(FILE, "HEAD") == []
    assert (tmp_path / "out-b" / NAME).read_bytes() == expected
    assert (tmp_path / "b" / record.local_path).read_bytes() == expected  # local copy kept


def test_a_damaged_object_is_not_served_but_fetched_again_and_repaired(
    team_here: Team, machine: Machine, emulator: EmulatorServer, tmp_path: Path, bucket: str
) -> None:
    expected = product_bytes(URI)
    assert machine(tmp_path / "a", tmp_path / "out-a") == ("COMPLETE", None, None)
    damaged = bytearray(expected)
    damaged[len(damaged) // 2] ^= 0xFF
    s3 = boto3.client("s3", endpoint_url=team_here.endpoint, region_name="us-east-1")
    s3.put_object(Bucket=bucket, Key=_blob_key(expected), Body=bytes(damaged))

    emulator.requests.clear()
    assert machine(tmp_path / "b", tmp_path / "out-b") == ("COMPLETE", None, None)
    assert len(emulator.requests.matching(FILE, "GET")) == 1  # from MAST, not the bad object
    assert (tmp_path / "out-b" / NAME).read_bytes() == expected
    repaired = s3.get_object(Bucket=bucket, Key=_blob_key(expected))["Body"].read()
    assert repaired == expected
    assert not [p for p in (tmp_path / "b" / "products").rglob(".tmp-*")]


def test_local_mode_keeps_product_files_in_the_cache_directory_only(
    cache_dir: Path, emulator: EmulatorServer, tmp_path: Path
) -> None:
    runtime.configure(cache_dir=cache_dir, mast_url=emulator.url, mode="cache-first")
    try:
        result = ObservationsClass().download_file(URI, local_path=tmp_path / "out")
    finally:
        runtime.reset()
    assert result == ("COMPLETE", None, None)
    with Store.open(runtime.current_settings().new(cache_dir=cache_dir)) as store:
        record = store.get_file(URI)
        assert record is not None and not store.shares_files
    assert (cache_dir / record.local_path).read_bytes() == product_bytes(URI)
