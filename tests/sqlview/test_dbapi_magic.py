"""The DB-API face of the SQL session, and jupysql's %sql magic over it in a real IPython shell:
queries work, and every refusal of the locked-down session still holds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import dbapi
from mastcache.store import Store


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    table = Table({"obsid": [1, 2, 3], "obs_collection": ["HST", "HST", "TESS"]})
    with Store.open(settings) as store:
        store.put_query("ab" * 32, service="Mast.Caom.Cone", kind="observations", params={},
                        scope="anonymous", table=table,
                        fetched_at=datetime.now(timezone.utc), expires_at=None)  # fmt: skip
    return settings


@pytest.fixture
def connection(filled: Settings) -> Iterator[dbapi.Connection]:
    with dbapi.connect(filled) as opened:
        yield opened


def test_cursor_follows_dbapi(connection: dbapi.Connection) -> None:
    cursor = connection.cursor()
    cursor.execute("SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1 ORDER BY 1")
    assert [d[0] for d in cursor.description or []] == ["obs_collection", "n"]
    assert cursor.rowcount == 2
    assert cursor.fetchone() == ("HST", 2)
    assert cursor.fetchall() == [("TESS", 1)] and cursor.fetchone() is None
    connection.commit()
    connection.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "CREATE TABLE x AS SELECT 1",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
        "SELECT 1; SELECT 2",
    ],
)
def test_refusals_hold(connection: dbapi.Connection, statement: str) -> None:
    with pytest.raises(SQLError):
        connection.cursor().execute(statement)


def test_closed_connection_says_so(filled: Settings) -> None:
    connection = dbapi.connect(filled)
    connection.close()
    with pytest.raises(SQLError, match="closed"):
        connection.cursor().execute("SELECT 1")


def test_jupysql_magic_in_an_ipython_shell(
    filled: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLOOMBER_STATS_ENABLED", "false")  # jupysql's telemetry: no network
    interactiveshell = pytest.importorskip("IPython.core.interactiveshell")
    pytest.importorskip("sql.magic")
    shell = interactiveshell.InteractiveShell.instance()
    try:
        shell.run_line_magic("load_ext", "sql")
        shell.user_ns["cache"] = dbapi.connect(filled)
        shell.run_line_magic("sql", "cache")
        result = shell.run_cell_magic(
            "sql",
            "",
            "SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1 ORDER BY 1",
        )
        assert list(result.dict()["n"]) == [2, 1]
        refused = shell.run_cell("%sql CREATE TABLE stolen AS SELECT * FROM observations")
        assert isinstance(refused.error_in_exec, SQLError)
        escaped = shell.run_cell("%sql SELECT * FROM read_csv('/etc/passwd')")
        assert isinstance(escaped.error_in_exec, SQLError)
        again = shell.run_line_magic("sql", "SELECT count(*) AS n FROM observations")
        assert list(again.dict()["n"]) == [3]
    finally:
        shell.user_ns["cache"].close()
        interactiveshell.InteractiveShell.clear_instance()
