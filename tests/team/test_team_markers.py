"""Zero-byte folder markers (issue #23): pyarrow writes ``folder/`` when it deletes the last
object of a folder; `cache prune --team` sweeps them, never an object."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from astropy.table import Table
from click.testing import CliRunner
from team.teamcache import Team

from mastcache import runtime
from mastcache.cli import cli
from mastcache.store import Store
from mastcache.store.records import utcnow


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def _keys(team: Team) -> dict[str, int]:
    """Every key in the team's bucket and its size."""
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    bucket = team.store_url.removeprefix("s3://").split("/", 1)[0]
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: int(o["Size"]) for o in listed}


def _put(store: Store, key: str, service: str) -> None:
    store.put_query(
        key, service=service, kind="observations", params={}, scope="anonymous",
        table=Table({"obsid": [1, 2]}), fetched_at=utcnow(), expires_at=None,
    )  # fmt: skip


def test_prune_sweeps_the_folder_markers_pyarrow_leaves_and_keeps_every_object(
    team: Team, tmp_path: Path
) -> None:
    with Store.open(team.settings(tmp_path / "a")) as store:
        _put(store, "a" * 64, "Mast.Caom.Cone")
        _put(store, "b" * 64, "Mast.Caom.Filtered")
        _put(store, "c" * 64, "Mast.Catalogs.Tic.Cone")
        store.delete_query("a" * 64)  # the last object of its partition
        store.delete_query("b" * 64)
    markers = [k for k, size in _keys(team).items() if k.endswith("/") and size == 0]
    assert "shared/tables/service=Mast.Caom.Cone/" in markers  # what pyarrow left behind
    objects = {k for k in _keys(team) if not k.endswith("/")}

    result = CliRunner().invoke(
        cli, ["--cache-dir", str(tmp_path / "a"), "cache", "prune", "--team", "--expired"],
        env=team.environ(tmp_path / "a"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    after = _keys(team)
    assert {k for k in after if not k.endswith("/")} == objects  # no object touched
    left = [k for k in after if k.endswith("/")]
    # pyarrow cannot delete a marker without writing its parent's: one may stay for tables/
    assert set(left) <= {"shared/tables/"}, left
    with Store.open(team.settings(tmp_path / "b")) as store:
        assert len(store.read_table(store.get_query("c" * 64))) == 2  # type: ignore[arg-type]
