"""Result views are made when a statement names them (issue 19): same rows, names, columns.

A session over many cached results registers only the catalog tables when it opens; these
tests pin that every view a statement (or a listing) can reach is still there and holds what
an eager session held.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import catalog as catalog_module
from mastcache.sqlview import connect
from mastcache.sqlview import session as session_module
from mastcache.sqlview.naming import query_view_names
from mastcache.store import Store

NOW = datetime.now(timezone.utc).replace(microsecond=0)
COUNT = 40


def key(i: int) -> str:
    return f"{i:02x}" * 32


@pytest.fixture
def many(tmp_path: Path) -> Settings:
    """40 cached cones, each overlapping the next by one obsid (newer fetches win)."""
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    with Store.open(settings) as store:
        for i in range(COUNT):
            obsids = [10 * i + j for j in range(11)]  # the last is the next cone's first
            table = Table({"obsid": obsids, "target_name": [f"t{i}"] * 11})
            store.put_query(key(i), service="Mast.Caom.Cone", kind="observations",
                            params={"i": i}, scope="anonymous", table=table,
                            fetched_at=NOW - timedelta(minutes=i), expires_at=None)  # fmt: skip
        tic = Table({"ID": [1, 2], "Tmag": [5.0, 6.0]})
        store.put_query("ff" * 32, service="Mast.Catalogs.Tic.Cone", kind="catalogs",
                        params={}, scope="anonymous", table=tic, fetched_at=NOW,
                        expires_at=None)  # fmt: skip
    return settings


def test_the_union_over_many_results_keeps_the_newest_rows(many: Settings) -> None:
    with connect(many) as session:
        got = session.arrow(
            "SELECT obsid, target_name, source_queries FROM observations ORDER BY obsid"
        ).to_pylist()
    assert [row["obsid"] for row in got] == list(range(10 * (COUNT - 1) + 11))
    shared = next(row for row in got if row["obsid"] == 10)  # in cone 0 (newest) and cone 1
    assert shared["target_name"] == "t0"
    assert shared["source_queries"] == sorted([key(0), key(1)])


def test_a_q_view_named_alone_or_in_a_subquery(many: Settings) -> None:
    name = query_view_names([key(i) for i in range(COUNT)] + ["ff" * 32])[key(7)]
    with connect(many) as session:
        alone = session.arrow(f"SELECT count(*) AS n FROM {name.upper()}").to_pylist()
        nested = session.arrow(
            f"SELECT count(*) AS n FROM queries WHERE key IN (SELECT '{key(7)}' FROM {name})"
        ).to_pylist()
    assert alone == [{"n": 11}]
    assert nested == [{"n": 1}]


def test_listings_show_every_view(many: Settings) -> None:
    names = set(query_view_names([key(i) for i in range(COUNT)] + ["ff" * 32]).values())
    expected = names | {"observations", "products", "catalog_tic", "queries", "resolutions"}
    with connect(many) as session:
        listed = session.arrow(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).column("table_name")
        assert expected <= set(listed.to_pylist())
    with connect(many) as session:
        assert expected <= set(session.views)
        assert not [name for name in session.views if name.startswith("__mc_")]
        assert session.views["catalog_tic"][0] == ("ID", "BIGINT")
    with connect(many) as session:
        views = session.arrow("SELECT view_name FROM duckdb_views()").column("view_name")
        assert {"observations", "catalog_tic"} <= set(views.to_pylist())


def test_an_unknown_view_is_an_error_naming_the_views(many: Settings) -> None:
    with connect(many) as session, pytest.raises(SQLError, match="q_<key8> for each of the 41"):
        session.arrow("SELECT * FROM q_nothere")


def test_queries_lists_every_view_name(many: Settings) -> None:
    with connect(many) as session:
        got = session.arrow("SELECT key, view, is_expired FROM queries ORDER BY key").to_pylist()
    names = query_view_names([key(i) for i in range(COUNT)] + ["ff" * 32])
    assert [(row["key"], row["view"]) for row in got] == sorted(names.items())
    assert not any(row["is_expired"] for row in got)


def test_every_result_votes_for_the_id_column_of_its_view(tmp_path: Path) -> None:
    """Three results with source_id (one group of equal columns) outvote two with ID (two
    groups): the view deduplicates on source_id, and keeps the rows whose source_id is null."""
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    tables = [Table({"source_id": [1, 2]})] * 3
    tables += [Table({"ID": [7], "a": [1.0]}), Table({"ID": [7], "b": ["x"]})]
    with Store.open(settings) as store:
        for i, table in enumerate(tables):
            store.put_query(key(i), service="Mast.Catalogs.Foo.Cone", kind="catalogs",
                            params={"i": i}, scope="anonymous", table=table,
                            fetched_at=NOW - timedelta(minutes=i), expires_at=None)  # fmt: skip
    with connect(settings) as session:
        got = session.arrow(
            "SELECT source_id, ID, source_queries FROM catalog_foo ORDER BY source_id, ID"
        ).to_pylist()
    assert [(row["source_id"], row["ID"]) for row in got] == [(1, None), (2, None), (None, 7),
                                                              (None, 7)]  # fmt: skip
    assert got[0]["source_queries"] == sorted(key(i) for i in range(3))


def test_a_new_session_sees_every_commit_since_the_last(many: Settings) -> None:
    """Sessions reuse the last catalog read while nothing was committed (contents._Memo):
    writes of this process, and of another, are seen by the next session."""
    count = "SELECT count(*) AS n FROM queries"
    with connect(many) as session:
        assert session.arrow(count).to_pylist() == [{"n": COUNT + 1}]
    with Store.open(many) as store:
        store.put_query("ee" * 32, service="Mast.Caom.Cone", kind="observations", params={},
                        scope="anonymous", table=Table({"obsid": [99999]}), fetched_at=NOW,
                        expires_at=NOW - timedelta(seconds=1))  # fmt: skip
    with connect(many) as session:
        got = session.arrow(f"SELECT is_expired FROM queries WHERE key = '{'ee' * 32}'")
        assert got.to_pylist() == [{"is_expired": True}]
        assert session.arrow(count).to_pylist() == [{"n": COUNT + 2}]
    code = (
        "import sys\nfrom mastcache.settings import Settings\nfrom mastcache.store import Store\n"
        "with Store.open(Settings.from_env({}, cache_dir=sys.argv[1])) as store:\n"
        f"    store.delete_query('{key(3)}')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(many.cache_dir)], check=True)
    with connect(many) as session:
        assert session.arrow(count).to_pylist() == [{"n": COUNT + 1}]


def test_sessions_over_many_caches_keep_few_catalogs_open(tmp_path: Path) -> None:
    from mastcache.sqlview import contents

    caches = [Settings.from_env({}, cache_dir=tmp_path / f"c{i}") for i in range(6)]
    for i, settings in enumerate(caches):
        with Store.open(settings) as store:
            store.put_query(key(i), service="Mast.Caom.Cone", kind="observations", params={},
                            scope="anonymous", table=Table({"obsid": [i]}), fetched_at=NOW,
                            expires_at=None)  # fmt: skip
        with connect(settings) as session:
            assert session.arrow("SELECT count(*) AS n FROM queries").to_pylist() == [{"n": 1}]
    assert len(contents._MEMO._probes) <= contents.MEMO_CATALOGS
    with Store.open(caches[0]) as store:
        store.delete_query(key(0))
    with connect(caches[0]) as session:
        assert session.arrow("SELECT count(*) AS n FROM queries").to_pylist() == [{"n": 0}]


def _statements(session: Any) -> list[Any]:
    name = query_view_names([key(i) for i in range(COUNT)] + ["ff" * 32])[key(7)]
    return [
        session.arrow(f"SELECT * FROM {name} ORDER BY obsid").to_pylist(),
        session.arrow("SELECT obsid, source_queries FROM observations ORDER BY obsid").to_pylist(),
        session.arrow("SELECT * EXCLUDE (fetched_at) FROM queries ORDER BY key").to_pylist(),
        session.arrow("SELECT * FROM catalog_tic ORDER BY ID").to_pylist(),
        sorted(session.views),
    ]


def test_a_large_cache_grants_files_as_statements_need_them(
    many: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above GRANT_ALL_UP_TO results the first statement is granted only its own files, and
    a later one that needs others gets a new sealed connection; above _LIST_ROWS rows the
    catalog tables are views over NumPy arrays. The answers stay those of a small cache."""
    with connect(many) as session:
        expected = _statements(session)
    monkeypatch.setattr(session_module, "GRANT_ALL_UP_TO", 3)
    monkeypatch.setattr(catalog_module, "_LIST_ROWS", 3)
    with connect(many) as session:
        assert _statements(session) == expected
        granted = session._granted
        assert granted is not None and len(granted) == COUNT + 1
        assert session.arrow(
            "SELECT current_setting('enable_external_access') AS e, "
            "current_setting('lock_configuration') AS l"
        ).to_pylist() == [{"e": False, "l": True}]
