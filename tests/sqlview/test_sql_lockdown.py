"""Escape attempts against the SQL lockdown: every one fails with a clear SQLError, SELECTs
keep working, and nothing in the cache (or anywhere else) changes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from astropy.table import Table

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import CacheSQL, connect
from mastcache.sqlview.lock import LOCK_FILENAME
from mastcache.store import Store

KEY = "ab" * 32
CLEAR = ("Only read-only SELECT queries over the cache views", "reads only the cache views")

# {tmp}: a scratch folder outside the cache; {cache}: the cache dir; {parquet}: a cached file
ESCAPES = [
    "ATTACH '{tmp}/evil.duckdb' AS evil",
    "ATTACH '{cache}/catalog.sqlite' AS cat (TYPE sqlite)",
    "COPY observations TO '{tmp}/out.csv'",
    "COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet)",
    "EXPORT DATABASE '{tmp}/export'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('{cache}/catalog.sqlite')",
    "SELECT * FROM read_json_auto('{cache}/catalog.sqlite')",
    # the cached file itself is granted (read by DuckDB's Parquet reader): never writable
    "COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet, USE_TMP_FILE false)",
    "WITH x AS (COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet, USE_TMP_FILE false)) SELECT 1",
    "WITH x AS (COPY (SELECT 1 AS x) TO '{parquet}' (FORMAT parquet)) SELECT * FROM x",
    "ATTACH '{parquet}' AS granted",
    "SELECT * FROM read_parquet('{cache}/tables/*/*.parquet')",
    "SELECT * FROM read_parquet('{cache}/catalog.sqlite')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM glob('{cache}/*')",
    "SELECT * FROM read_csv('https://example.com/data.csv')",
    "SELECT * FROM 'http://127.0.0.1:9/data.parquet'",
    "SELECT * FROM read_parquet('s3://bucket/data.parquet')",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "RESET enable_external_access",
    "SET GLOBAL max_execution_time = 0",
    "PRAGMA enable_profiling",
    "CREATE TABLE stolen AS SELECT * FROM observations",
    "CREATE MACRO evil(x) AS x",
    "INSERT INTO observations SELECT * FROM observations",
    "UPDATE queries SET nrows = 0",
    "DELETE FROM queries",
    "DROP VIEW observations",
    "EXPLAIN ANALYZE COPY observations TO '{tmp}/explain.csv'",
    "EXPLAIN SELECT * FROM observations",
    "SELECT 1; COPY observations TO '{tmp}/multi.csv'",
    "CALL pragma_version()",
    "WITH x AS (COPY observations TO '{tmp}/cte.csv') SELECT 1",
    "SELECT * FROM query('COPY observations TO ''{tmp}/query.csv''')",
    "CHECKPOINT",
    "DETACH memory",
    "",
]


@pytest.fixture
def cache(tmp_path: Path) -> Settings:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    table = Table({"obsid": [1, 2, 3], "target_name": ["a", "b", "c"]})
    with Store.open(settings) as store:
        store.put_query(
            KEY,
            service="Mast.Caom.Cone",
            kind="observations",
            params={"ra": 1.0},
            scope="anonymous",
            table=table,
            fetched_at=datetime.now(timezone.utc),
            expires_at=None,
        )
    return settings


@pytest.fixture
def session(cache: Settings) -> Iterator[CacheSQL]:
    with connect(cache) as opened:
        yield opened


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` except the lock and SQLite's transient files."""
    skip = (LOCK_FILENAME, "-wal", "-shm", "-journal")
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p.name.endswith(s) or p.name.startswith(s) for s in skip)
    }


def cached_parquet(cache: Settings) -> Path:
    return next(cache.cache_dir.rglob("*.parquet"))


@pytest.mark.parametrize("attempt", ESCAPES)
def test_escape_fails_clearly_and_select_still_works(
    attempt: str, cache: Settings, session: CacheSQL, tmp_path: Path
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    query = attempt.format(tmp=scratch, cache=cache.cache_dir, parquet=cached_parquet(cache))
    # a first SELECT seals the session, granting it the cached file; then the attempt
    assert session.arrow("SELECT count(*) AS n FROM observations").to_pylist() == [{"n": 3}]
    before = fingerprint(tmp_path)
    with pytest.raises(SQLError) as caught:
        session.arrow(query)
    message = str(caught.value)
    assert any(part in message for part in CLEAR), message
    assert "observations" in message
    assert fingerprint(tmp_path) == before
    assert list(scratch.iterdir()) == []
    assert session.arrow("SELECT count(*) AS n FROM observations").to_pylist() == [{"n": 3}]


def test_all_escapes_in_one_session_leave_every_file_unchanged(
    cache: Settings, session: CacheSQL, tmp_path: Path
) -> None:
    before = fingerprint(cache.cache_dir)
    assert session.arrow("SELECT count(*) AS n FROM observations").to_pylist() == [{"n": 3}]
    for attempt in ESCAPES:
        query = attempt.format(tmp=tmp_path, cache=cache.cache_dir, parquet=cached_parquet(cache))
        with pytest.raises(SQLError):
            session.arrow(query)
    assert fingerprint(cache.cache_dir) == before
    settings = session.arrow(
        "SELECT current_setting('enable_external_access') AS external, "
        "current_setting('lock_configuration') AS locked"
    )
    assert settings.to_pylist() == [{"external": False, "locked": True}]


def test_a_granted_file_reads_only_what_its_view_shows(cache: Settings, session: CacheSQL) -> None:
    """The one path a session may name: the cached file under its own ``q_`` view (its
    rows, nothing else); the file stays byte for byte what the store wrote."""
    parquet = cached_parquet(cache)
    before = fingerprint(cache.cache_dir)
    by_view = session.arrow(f"SELECT * FROM q_{KEY[:8]} ORDER BY obsid")
    by_path = session.arrow(
        f"SELECT * FROM read_parquet('{parquet}', hive_partitioning = false) ORDER BY obsid"
    )
    assert by_path.to_pylist() == by_view.to_pylist()
    other = parquet.with_name("not-granted.parquet")
    other.write_bytes(parquet.read_bytes())
    with pytest.raises(SQLError, match="reads only the cache views"):
        session.arrow(f"SELECT * FROM read_parquet('{other}')")
    other.unlink()
    assert fingerprint(cache.cache_dir) == before


def test_python_variables_are_not_scanned(session: CacheSQL) -> None:
    secret_rows = pa.table({"password": ["hunter2"]})
    assert secret_rows.num_rows == 1
    with pytest.raises(SQLError, match="secret_rows"):
        session.arrow("SELECT * FROM secret_rows")


def test_the_catalog_is_untouched_by_sql(cache: Settings, session: CacheSQL) -> None:
    with pytest.raises(SQLError):
        session.arrow("DELETE FROM queries")
    with Store.open(cache) as store:
        assert [r.key for r in store.list_queries()] == [KEY]
