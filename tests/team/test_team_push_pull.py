"""``mastcache cache push|pull``: personal cache -> team cache -> another personal cache."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from astropy.table import MaskedColumn, Table
from click.testing import CliRunner, Result
from team.teamcache import Team

from mastcache import runtime
from mastcache.cli import cli
from mastcache.settings import Settings
from mastcache.store import Store

KEY = "5eed" * 16
T1 = datetime(2026, 1, 1, tzinfo=timezone.utc)
T2 = T1 + timedelta(hours=1)


@pytest.fixture(autouse=True)
def fresh_runtime() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def rich_table(scale: float = 1.0) -> Table:
    table = Table(meta={"note": {"nested": [1, 2.5, None]}, "service": "Mast.Caom.Cone"})
    table["obsid"] = np.arange(30, dtype=np.int64)
    table["target_name"] = MaskedColumn([f"M{i}" for i in range(30)], mask=np.arange(30) % 4 == 0)
    table["t_exptime"] = MaskedColumn(np.linspace(1, 2, 30) * scale, mask=np.arange(30) % 3 == 0)
    table["t_exptime"].unit = "s"
    table["t_exptime"].description = "exposure time"
    table["t_exptime"].format = ".3f"
    return table


def assert_identical(a: Table, b: Table) -> None:
    assert a.colnames == b.colnames
    for name in a.colnames:
        left, right = a[name], b[name]
        assert (left.dtype, left.unit, left.description, left.format) == (
            right.dtype,
            right.unit,
            right.description,
            right.format,
        )
        assert np.array_equal(np.ma.getmaskarray(left), np.ma.getmaskarray(right))
        assert np.array_equal(
            np.ma.filled(left, 0), np.ma.filled(right, 0), equal_nan=left.dtype.kind == "f"
        )
    assert {k: v for k, v in a.meta.items() if k != "mastcache"} == {
        k: v for k, v in b.meta.items() if k != "mastcache"
    }


def local(path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=path)


def put(settings: Settings, table: Table, fetched_at: datetime, key: str = KEY) -> None:
    with Store.open(settings) as store:
        store.put_query(
            key,
            service="Mast.Caom.Cone",
            kind="observations",
            params={"ra": 1.0},
            scope="anonymous",
            table=table,
            fetched_at=fetched_at,
            expires_at=None,
        )
        store.put_resolution("m31", None, False, "anonymous", [{"ra": 10.68}], fetched_at, None)


def team_cli(team: Team, cache_dir: Path, command: str, *args: str) -> Result:
    arguments = ["--cache-dir", str(cache_dir), "cache", command, *args]
    arguments += ["--team-catalog", team.catalog_url, "--team-store", team.store_url]
    result = CliRunner().invoke(
        cli, arguments, env={"MASTCACHE_S3_ENDPOINT_URL": team.endpoint}, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def read(settings: Settings, key: str = KEY) -> Table:
    with Store.open(settings) as store:
        record = store.get_query(key)
        assert record is not None
        return store.read_table(record)


def test_push_then_pull_preserves_tables_exactly(team: Team, tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    put(local(alice), rich_table(), T1)
    pushed = team_cli(team, alice, "push")
    assert "pushed 1 results" in pushed.output and "1 resolutions" in pushed.output
    assert_identical(read(team.settings(tmp_path / "any")), rich_table())
    pulled = team_cli(team, bob, "pull")
    assert "pulled 1 results" in pulled.output
    assert_identical(read(local(bob)), rich_table())
    with Store.open(local(bob)) as store:
        assert store.get_resolution("m31", None, False) is not None
        assert (store.root / store.list_queries()[0].table_path).is_file()  # local now
    again = team_cli(team, bob, "pull")
    assert "pulled 0 results, kept 1" in again.output


def test_push_never_overwrites_a_newer_team_entry(team: Team, tmp_path: Path) -> None:
    put(team.settings(tmp_path / "desk"), rich_table(scale=2.0), T2)  # newer, on the team
    put(local(tmp_path / "alice"), rich_table(), T1)
    result = team_cli(team, tmp_path / "alice", "push")
    assert "pushed 0 results, kept 1" in result.output
    assert_identical(read(team.settings(tmp_path / "desk")), rich_table(scale=2.0))
    put(local(tmp_path / "alice"), rich_table(scale=3.0), T2 + timedelta(minutes=1))
    assert "pushed 1 results" in team_cli(team, tmp_path / "alice", "push").output
    assert_identical(read(team.settings(tmp_path / "desk")), rich_table(scale=3.0))
    with Store.open(team.settings(tmp_path / "desk")) as store:
        assert len(store.objects.list_files("tables")) == 1  # the replaced object is gone


def test_a_laptop_that_pulled_serves_offline(team: Team, tmp_path: Path) -> None:
    from mastcache import Observations

    runtime.configure(**_fields(team.settings(tmp_path / "desk")))
    online = Observations.query_region("10.6847 41.2687", radius="0.2 deg")
    runtime.reset()
    team_cli(team, tmp_path / "laptop", "pull")
    runtime.configure(cache_dir=tmp_path / "laptop", mode="offline", mast_url=team.mast_url)
    offline = Observations.query_region("10.6847 41.2687", radius="0.2 deg")
    assert offline.meta["mastcache"]["source"] == "cache" and len(offline) > 0
    assert_identical(offline, online)


def _fields(settings: Settings) -> dict[str, object]:
    names = ("cache_dir", "catalog_url", "store_url", "s3_endpoint_url", "mast_url")
    return {name: getattr(settings, name) for name in names}


def test_push_without_a_team_cache_says_what_to_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--cache-dir", str(tmp_path), "cache", "push"], env={})
    assert result.exit_code != 0
    assert "--team-catalog" in result.output + str(result.exception)
