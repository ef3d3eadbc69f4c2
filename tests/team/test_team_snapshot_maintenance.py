"""Snapshots and ``cache verify|prune|clear`` on a team cache whose files are S3 objects."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import numpy as np
import pytest
from astropy.table import Table
from team.teamcache import Team

from mastcache import runtime, snapshot
from mastcache.maintenance import clear_cache, prune_cache, verify_cache
from mastcache.settings import Settings
from mastcache.store import Store

POSITION = "10.6847 41.2687"
DEAD = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def fill(settings: Settings, folder: Path) -> tuple[Table, Table]:
    """As one team machine: a cone query, its products, and one product file downloaded."""
    from mastcache import Observations

    runtime.configure(**{f: getattr(settings, f) for f in _FIELDS})
    try:
        observations = Observations.query_region(POSITION, radius="0.3 deg")
        products = Observations.get_product_list(observations[:1])
        manifest = Observations.download_products(products[:1], download_dir=str(folder))
    finally:
        runtime.reset()
    assert list(manifest["Status"]) == ["COMPLETE"]
    return observations, products[:1]


_FIELDS = ("cache_dir", "catalog_url", "store_url", "s3_endpoint_url", "mast_url", "mode")


def flip_byte(team: Team, bucket: str, relative: str) -> None:
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    key = f"shared/{relative}"
    data = bytearray(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    data[len(data) // 2] ^= 0x01
    s3.put_object(Bucket=bucket, Key=key, Body=bytes(data))


def same_rows(left: Table, right: Table) -> None:
    assert left.colnames == right.colnames and len(left) == len(right) > 0
    for name in left.colnames:
        assert np.array_equal(np.ma.getmaskarray(left[name]), np.ma.getmaskarray(right[name]))
        nan = left[name].dtype.kind == "f"
        assert np.array_equal(np.ma.filled(left[name]), np.ma.filled(right[name]), equal_nan=nan), (
            name
        )


def test_snapshot_of_a_team_cache_replays_offline_on_a_laptop(team: Team, tmp_path: Path) -> None:
    machine = team.settings(tmp_path / "machine", mode="cache-first")
    observations, products = fill(machine, tmp_path / "out")
    # results are in S3; the machine holds only verified copies of those objects (issue #23)
    with Store.open(machine) as store:
        for copy in (tmp_path / "machine").glob("tables/**/*.parquet"):
            relative = copy.relative_to(tmp_path / "machine").as_posix()
            assert copy.read_bytes() == store.objects.read_bytes(relative)
        assert {r.table_path for r in store.list_queries()} >= {
            c.relative_to(tmp_path / "machine").as_posix()
            for c in (tmp_path / "machine").glob("tables/**/*.parquet")
        }
    info = snapshot.create(
        "team", with_files=True, output_dir=tmp_path, settings=machine.new(mode="offline")
    )
    assert info.files == 1 and info.queries >= 2

    from mastcache import Observations

    laptop = Settings.from_env({}, cache_dir=tmp_path / "laptop", mast_url=DEAD)
    with snapshot.replay(info.path, settings=laptop):
        again = Observations.query_region(POSITION, radius="0.3 deg")
        manifest = Observations.download_products(products, download_dir=str(tmp_path / "l"))
    same_rows(observations, again)
    assert list(manifest["Status"]) == ["COMPLETE"]
    name = Path(str(manifest["Local Path"][0]))
    assert name.read_bytes() == next((tmp_path / "out").rglob(name.name)).read_bytes()


def test_a_snapshot_restores_into_another_s3_store(team: Team, tmp_path: Path, bucket: str) -> None:
    machine = team.settings(tmp_path / "machine", mode="cache-first")
    fill(machine, tmp_path / "out")
    info = snapshot.create("team", with_files=True, output_dir=tmp_path, settings=machine)
    other = f"team-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1").create_bucket(
        Bucket=other
    )
    target = Settings.from_env(
        {},
        cache_dir=tmp_path / "target",
        store_url=f"s3://{other}/restored",
        s3_endpoint_url=team.endpoint,
    )
    report = snapshot.restore(info.path, settings=target)
    assert len(report.restored) == info.queries and report.files_restored == 1
    with Store.open(machine) as source, Store.open(target) as restored:
        for record in source.list_queries():
            copy = restored.get_query(record.key)
            assert copy is not None and copy.table_path.startswith("tables/service=")
            assert restored.objects.exists(copy.table_path)
            same_rows(source.read_table(record), restored.read_table(copy))
        (file,) = [f for f in restored.objects.list_files("products")]
        assert file.path.startswith("products/")
    assert verify_cache(target) == []


def test_verify_finds_a_flipped_byte_in_s3_then_clear_empties_the_store(
    team: Team, tmp_path: Path, bucket: str
) -> None:
    machine = team.settings(tmp_path / "machine", mode="cache-first")
    fill(machine, tmp_path / "out")
    assert verify_cache(machine) == []
    with Store.open(machine) as store:
        query = store.list_queries()[0]
        with store.unit_of_work(read_only=True) as uow:
            (file,) = uow.files.list()
    flip_byte(team, bucket, query.table_path)
    flip_byte(team, bucket, file.local_path)
    problems = {(p.kind, p.identifier): p.problem for p in verify_cache(machine)}
    assert set(problems) == {("query", query.key), ("file", file.uri)}
    assert "sha256" in problems[("query", query.key)]
    with Store.open(machine) as store:
        marked = store.get_file(file.uri)
        assert marked is not None and marked.status == "corrupt"

    assert prune_cache(machine, max_bytes=0, dry_run=True).queries  # nothing removed yet
    report = clear_cache(machine)
    assert report.files == [file.uri] and query.key in report.queries
    with Store.open(machine) as store:
        assert store.list_queries() == []
        assert store.objects.list_files("tables") == []
        assert store.objects.list_files("products") == []
