"""The team cache's Parquet layout, read without mastcache (DuckDB, Spark) and through
``mastcache.sql``: all three see the same rows."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.dataset as ds
import pytest
from astropy.table import MaskedColumn, Table
from resources import missing, require_java
from team.teamcache import Team

import mastcache
from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.objectstore import open_object_store

SERVICES = ("Mast.Caom.Cone", "Mast.Caom.Filtered.Position")
ROWS = "SELECT obsid, target_name, s_ra FROM observations ORDER BY obsid"
FETCHED_AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def observations(first: int, count: int) -> Table:
    table = Table()
    table["obsid"] = np.arange(first, first + count, dtype=np.int64)
    table["target_name"] = np.array([f"T{i % 7}" for i in range(count)])
    table["s_ra"] = MaskedColumn(np.linspace(1.0, 2.0, count), mask=np.arange(count) % 5 == 0)
    table["s_ra"].unit = "deg"
    return table


def fill(settings: Settings) -> None:
    """Three results, two services, distinct obsids (so no row is deduplicated)."""
    with Store.open(settings) as store:
        for number, (service, first) in enumerate(
            [(SERVICES[0], 100), (SERVICES[0], 200), (SERVICES[1], 300)]
        ):
            store.put_query(
                _key(number),
                service=service,
                kind="observations",
                params={"n": number},
                scope="anonymous",
                table=observations(first, 40),
                fetched_at=FETCHED_AT,
                expires_at=None,
            )


def _key(number: int) -> str:
    return f"{number:x}" * 64


def expected_rows(settings: Settings) -> list[tuple[object, ...]]:
    result = mastcache.sql(ROWS, settings=settings).arrow()
    assert result.num_rows == 120
    return list(zip(*(result.column(i).to_pylist() for i in range(3)), strict=True))


def rows_of(relation: duckdb.DuckDBPyRelation) -> list[tuple[object, ...]]:
    return [tuple(row) for row in relation.fetchall()]


def test_duckdb_reads_the_s3_dataset_like_mastcache_sql(team: Team, tmp_path: Path) -> None:
    settings = team.settings(tmp_path / "machine")
    fill(settings)
    store = open_object_store(settings)
    dataset = ds.dataset(
        f"{store.base}/tables", filesystem=store.filesystem, format="parquet", partitioning="hive"
    )
    connection = duckdb.connect()
    connection.register("team_tables", dataset)
    found = connection.sql("SELECT obsid, target_name, s_ra FROM team_tables ORDER BY obsid")
    assert rows_of(found) == expected_rows(settings)
    services = connection.sql("SELECT DISTINCT service FROM team_tables ORDER BY 1").fetchall()
    assert [s for (s,) in services] == sorted(SERVICES)


@pytest.fixture
def shared_dir_team(team: Team, tmp_path: Path) -> Team:
    """The same team catalog, with the store on a shared directory (e.g. NFS)."""
    return Team(team.catalog_url, str(tmp_path / "shared"), team.endpoint, team.mast_url)


def test_spark_and_duckdb_read_the_dataset_like_mastcache_sql(
    shared_dir_team: Team, tmp_path: Path
) -> None:
    settings = shared_dir_team.settings(tmp_path / "machine")
    fill(settings)
    tables = tmp_path / "shared" / "tables"
    wanted = expected_rows(settings)
    by_duckdb = duckdb.sql(
        f"SELECT obsid, target_name, s_ra FROM read_parquet('{tables}/*/*.parquet', "
        "hive_partitioning = true) ORDER BY obsid"
    )
    assert rows_of(by_duckdb) == wanted
    assert spark_rows(tables) == wanted


def spark_rows(tables: Path) -> list[tuple[object, ...]]:
    require_java()
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        missing("pyspark", 'install the test extras: pip install ".[test]"')

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("mastcache-team-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    try:
        frame = spark.read.option("basePath", str(tables)).parquet(str(tables))
        services = [row[0] for row in frame.select("service").distinct().collect()]
        assert sorted(services) == sorted(SERVICES)
        ordered = frame.select("obsid", "target_name", "s_ra").orderBy("obsid").collect()
        return [tuple(row) for row in ordered]
    finally:
        spark.stop()
