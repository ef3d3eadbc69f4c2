"""SQL over the cache: real DuckDB over real Parquet written by the real Store."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyarrow as pa
import pytest
from astropy.table import Table

import mastcache
from mastcache.errors import MastCacheWarning, SQLError, StoreError
from mastcache.settings import Settings
from mastcache.sqlview import CacheLock, CacheSQL, SQLResult, connect, sql
from mastcache.sqlview.naming import query_view_names, table_view_name
from mastcache.store import FileRecord, ProductRecord, Store

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OLD_OBS, NEW_OBS, COUNT = "a1" * 32, "b2" * 32, "c3" * 32
PRODUCTS, OLD_PRODUCTS = "d4" * 32, "e5" * 32
TIC_CONE, TIC_ROWS, PANSTARRS, HST = "f6" * 32, "07" * 32, "18" * 32, "29" * 32


def put(store: Store, key: str, service: str, kind: str, table: Table, age_h: float) -> None:
    store.put_query(
        key,
        service=service,
        kind=kind,
        params={"service": service, "n": len(table)},
        scope="anonymous",
        table=table,
        fetched_at=NOW - timedelta(hours=age_h),
        expires_at=NOW + timedelta(hours=1.5 - age_h),
    )


def fill(store: Store, *, old_age: float = 3.0, new_age: float = 2.0) -> None:
    old = Table({"obsid": [1, 2, 3], "target_name": ["m1", "m2", "m3-old"]})
    old["t_exptime"] = [10.0, 20.0, 30.0]
    old["t_exptime"].unit = "s"
    new = Table({"obsid": [3, 4], "target_name": ["m3-new", "m4"], "proposal_id": ["p3", "p4"]})
    put(store, OLD_OBS, "Mast.Caom.Cone", "observations", old, old_age)
    put(store, NEW_OBS, "Mast.Caom.Filtered.Position", "observations", new, new_age)
    put(store, COUNT, "Mast.Caom.Filtered", "observations", Table({"COUNT_BIG(*)": [5]}), 1)
    products = {"obsID": ["3", "3", "4"], "dataURI": ["mast:a", "mast:b", "mast:c"]}
    products["productFilename"] = ["a.fits", "b.fits", "c.fits"]
    put(store, PRODUCTS, "Mast.Caom.Products", "products", Table(products), 1)
    older = {"obsID": ["3"], "dataURI": ["mast:a"], "productFilename": ["a-old.fits"]}
    put(store, OLD_PRODUCTS, "Mast.Caom.Products", "products", Table(older), 5)
    fill_tables(store)
    fill_catalog(store)


def fill_tables(store: Store) -> None:
    tic_cone = Table({"ID": [1, 2], "Tmag": [5.0, 6.0]})
    tic_rows = Table({"ID": [2, 5], "Tmag": [6.5, 7.0], "Teff": [5000.0, 6000.0]})
    put(store, TIC_CONE, "Mast.Catalogs.Tic.Cone", "catalogs", tic_cone, 4)
    put(store, TIC_ROWS, "Mast.Catalogs.Filtered.Tic.Rows", "catalogs", tic_rows, 1)
    ps = Table({"objID": [11, 12], "objName": ["a", "b"]})
    put(store, PANSTARRS, "panstarrs/dr2/mean", "catalogs", ps, 1)
    hst = Table({"sci_data_set_name": ["O1", "O2"], "sci_pep_id": [1, 2]})
    put(store, HST, "search/hst", "missions", hst, 1)


def fill_catalog(store: Store) -> None:
    entry = {"canonicalName": "MESSIER 001", "ra": 83.63, "decl": 22.01, "resolver": "SIMBAD"}
    store.put_resolution("M1", None, False, "anonymous", [entry], NOW, NOW + timedelta(days=30))
    store.put_file(FileRecord(uri="mast:a", sha256="0" * 64, size=10, local_path="products/x"))
    manifest = ProductRecord(obsid="4", uri="mast:m", filename="m.fits", size=7, fetched_at=NOW)
    store.put_products([manifest])


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path / "cache")


@pytest.fixture
def filled(settings: Settings) -> Settings:
    with Store.open(settings) as store:
        fill(store)
    return settings


@pytest.fixture
def session(filled: Settings) -> Iterator[CacheSQL]:
    with connect(filled) as opened:
        yield opened


def rows(session: CacheSQL, query: str) -> list[dict[str, object]]:
    result: list[dict[str, object]] = session.arrow(query).to_pylist()
    return result


def test_every_view_exists(session: CacheSQL) -> None:
    expected = {"observations", "products", "resolutions", "queries", "files"}
    expected |= {"catalog_tic", "catalog_panstarrs_dr2_mean", "mission_hst", "product_manifests"}
    expected |= {f"q_{key[:8]}" for key in (OLD_OBS, NEW_OBS, COUNT, TIC_CONE, HST)}
    assert expected <= set(session.views)
    assert ("source_queries", "VARCHAR[]") in session.views["observations"]


def test_observations_appear_once_newest_wins(session: CacheSQL) -> None:
    got = {r["obsid"]: r for r in rows(session, "SELECT * FROM observations")}
    assert sorted(got) == [1, 2, 3, 4]  # the COUNT_BIG(*) result is no observation
    assert got[3]["target_name"] == "m3-new"
    assert got[3]["source_queries"] == sorted([OLD_OBS, NEW_OBS])
    assert got[1]["source_queries"] == [OLD_OBS]
    assert got[1]["proposal_id"] is None and got[4]["t_exptime"] is None
    assert got[3]["t_exptime"] is None  # the newest result's row, not a merge


def test_newest_fetch_wins_whichever_query_it_is(settings: Settings) -> None:
    with Store.open(settings) as store:
        fill(store, old_age=1.0, new_age=6.0)  # now OLD_OBS is the fresher fetch
    result = sql(
        "SELECT target_name, t_exptime FROM observations WHERE obsid = 3", settings=settings
    )
    assert list(result["target_name"]) == ["m3-old"]
    assert list(result["t_exptime"]) == [30.0]


def test_q_view_is_one_query_as_cached(session: CacheSQL) -> None:
    assert rows(session, f"SELECT count(*) AS n FROM q_{OLD_OBS[:8]}") == [{"n": 3}]
    assert rows(session, f'SELECT "COUNT_BIG(*)" AS n FROM q_{COUNT[:8]}') == [{"n": 5}]


def test_queries_view_is_the_catalog(session: CacheSQL) -> None:
    got = rows(session, f"SELECT * FROM queries WHERE key = '{NEW_OBS}'")[0]
    assert got["service"] == "Mast.Caom.Filtered.Position"
    assert got["kind"] == "observations" and got["nrows"] == 2 and got["view"] == f"q_{NEW_OBS[:8]}"
    assert json.loads(str(got["params"]))["n"] == 2
    assert got["is_expired"] is True  # fetched 2 h ago with a 90 min lifetime
    fresh = rows(session, f"SELECT is_expired FROM queries WHERE key = '{TIC_ROWS}'")
    assert fresh == [{"is_expired": False}]


def test_catalog_views_deduplicate_on_the_table_id(session: CacheSQL) -> None:
    got = rows(session, "SELECT ID, Tmag, Teff, source_queries FROM catalog_tic ORDER BY ID")
    assert [r["ID"] for r in got] == [1, 2, 5]
    assert got[1]["Tmag"] == 6.5 and got[1]["source_queries"] == sorted([TIC_CONE, TIC_ROWS])
    assert rows(session, "SELECT count(*) AS n FROM mission_hst") == [{"n": 2}]
    assert rows(session, "SELECT max(objID) AS m FROM catalog_panstarrs_dr2_mean") == [{"m": 12}]


def test_products_deduplicate_on_obsid_and_uri(session: CacheSQL) -> None:
    got = rows(
        session, "SELECT productFilename, source_queries FROM products WHERE dataURI = 'mast:a'"
    )
    assert got == [
        {"productFilename": "a.fits", "source_queries": sorted([PRODUCTS, OLD_PRODUCTS])}
    ]


def test_products_include_the_manifests(session: CacheSQL) -> None:
    got = rows(
        session,
        "SELECT obsID, productFilename, source_queries FROM products WHERE dataURI = 'mast:m'",
    )
    assert got == [{"obsID": "4", "productFilename": "m.fits", "source_queries": ["manifest"]}]


def test_join_observations_with_products(session: CacheSQL) -> None:
    query = """
        SELECT o.obsid, o.target_name, count(*) AS n
        FROM observations o JOIN products p ON p.obsID = CAST(o.obsid AS VARCHAR)
        GROUP BY ALL ORDER BY o.obsid
    """
    assert rows(session, query) == [
        {"obsid": 3, "target_name": "m3-new", "n": 2},
        {"obsid": 4, "target_name": "m4", "n": 2},  # listed product + manifest row
    ]


def test_resolutions_and_files(session: CacheSQL) -> None:
    got = rows(
        session, "SELECT name, canonical_name, ra, dec, resolver, is_expired FROM resolutions"
    )
    assert got == [
        {
            "name": "m1",
            "canonical_name": "MESSIER 001",
            "ra": 83.63,
            "dec": 22.01,
            "resolver": "SIMBAD",
            "is_expired": False,
        }
    ]
    assert rows(session, "SELECT uri, size, status FROM files") == [
        {"uri": "mast:a", "size": 10, "status": "complete"}
    ]


def test_result_is_a_table_with_arrow_and_pandas(filled: Settings) -> None:
    result = mastcache.sql(
        "SELECT obsid, target_name FROM observations ORDER BY obsid", settings=filled
    )
    assert isinstance(result, SQLResult) and isinstance(result, Table)
    assert list(result["obsid"]) == [1, 2, 3, 4]
    arrow = result.arrow()
    assert isinstance(arrow, pa.Table) and arrow.column("target_name").to_pylist()[0] == "m1"
    frame = result.df()
    assert list(frame["obsid"]) == [1, 2, 3, 4]


def test_empty_cache_has_the_views(settings: Settings) -> None:
    with connect(settings) as session:
        assert rows(session, "SELECT count(*) AS n FROM observations") == [{"n": 0}]
        assert rows(session, "SELECT count(*) AS n FROM queries") == [{"n": 0}]
        assert {"products", "resolutions", "files"} <= set(session.views)


def test_runaway_query_is_stopped(filled: Settings) -> None:
    with pytest.raises(SQLError, match="stopped"):
        sql("SELECT count(*) FROM range(1000000000000)", settings=filled, timeout=0.3)


def test_missing_file_is_left_out_with_a_warning(filled: Settings) -> None:
    with Store.open(filled) as store:
        record = store.get_query(OLD_OBS)
    assert record is not None
    (filled.cache_dir / record.table_path).unlink()
    with pytest.warns(MastCacheWarning, match="cache verify"), connect(filled) as session:
        got = rows(session, "SELECT obsid FROM observations ORDER BY obsid")
    assert got == [{"obsid": 3}, {"obsid": 4}]


def test_a_live_session_holds_off_a_prune(filled: Settings) -> None:
    lock = CacheLock(filled.cache_dir)
    with (
        connect(filled),
        pytest.raises(StoreError, match="SQL session"),
        lock.exclusive(wait=0.2),
    ):
        pass
    with lock.exclusive(wait=0.2):
        pass


def test_sessions_share_the_lock_and_a_reader_elsewhere_holds_off_a_prune(
    filled: Settings,
) -> None:
    """A shared hold is SQLite's shared lock on the lock file (sqlview/lock.py), which
    filelock's exclusive holds wait for, from this process or another."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from mastcache.sqlview import CacheLock
        with CacheLock(Path({str(filled.cache_dir)!r})).shared():
            print("reading", flush=True)
            sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    lock = CacheLock(filled.cache_dir)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "reading"
        with connect(filled) as first, connect(filled, lock_wait=0.2) as second:
            assert rows(first, "SELECT count(*) AS n FROM queries") == rows(
                second, "SELECT count(*) AS n FROM queries"
            )
        with pytest.raises(StoreError, match="SQL session"), lock.exclusive(wait=0.2):
            pass
    finally:
        child.communicate("\n", timeout=30)
    with lock.exclusive(wait=5):
        pass


def test_a_running_prune_in_another_process_holds_off_sql(filled: Settings) -> None:
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from mastcache.sqlview import CacheLock
        with CacheLock(Path({str(filled.cache_dir)!r})).exclusive():
            print("locked", flush=True)
            sys.stdin.readline()
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError, match="prune"):
            connect(filled, lock_wait=0.2)
    finally:
        child.communicate("\n", timeout=30)
    assert sql("SELECT count(*) AS n FROM observations", settings=filled)["n"][0] == 4


@pytest.mark.parametrize(
    ("kind", "service", "view"),
    [
        ("catalogs", "Mast.Catalogs.Tic.Cone", "catalog_tic"),
        ("catalogs", "Mast.Catalogs.Filtered.Tic.Rows", "catalog_tic"),
        ("catalogs", "Mast.Catalogs.Filtered.Tic.Position.Rows", "catalog_tic"),
        ("catalogs", "panstarrs/dr2/mean", "catalog_panstarrs_dr2_mean"),
        ("catalogs", "Mast.Catalogs.GaiaDR3.Cone", "catalog_gaiadr3"),
        ("catalogs", "Mast.Hsc.Db.v3", "catalog_hsc_v3"),
        ("catalogs", "Mast.Catalogs.Filtered.DiskDetective.Position", "catalog_diskdetective"),
        ("missions", "search/hst", "mission_hst"),
        ("missions", "search/jwst/api/v0.1/search", "mission_jwst"),
        ("observations", "Mast.Caom.Cone", None),
    ],
)
def test_table_view_names(kind: str, service: str, view: str | None) -> None:
    assert table_view_name(kind, service) == view


def test_query_view_names_grow_past_shared_prefixes() -> None:
    names = query_view_names(["abcdef0123", "abcdef0199", "12345678ff"])
    assert names == {
        "abcdef0123": "q_abcdef012",
        "abcdef0199": "q_abcdef019",
        "12345678ff": "q_12345678",
    }


def test_sql_stays_the_function_after_the_machinery_is_imported(filled: Settings) -> None:
    import mastcache.sqlview.session

    assert mastcache.sql("SELECT 1 AS one", settings=filled)["one"][0] == 1


def test_a_file_removed_under_a_live_session_gives_a_clear_error(filled: Settings) -> None:
    with Store.open(filled) as store:
        record = store.get_query(OLD_OBS)
    assert record is not None
    with connect(filled) as session:
        (filled.cache_dir / record.table_path).unlink()
        with pytest.raises(SQLError, match="open a new session"):
            session.arrow("SELECT count(*) FROM observations")


def test_repeated_and_null_ids_are_kept(settings: Settings) -> None:
    from astropy.table import MaskedColumn

    with Store.open(settings) as store:
        fill(store)
        ids = MaskedColumn([2, 2, 0], mask=[False, False, True], name="ID")
        table = Table([ids, MaskedColumn([1.0, 2.0, 3.0], name="Tmag")])
        put(store, "38" * 32, "Mast.Catalogs.Tic.Cone", "catalogs", table, 0.5)
    got = sql("SELECT ID, Tmag, source_queries FROM catalog_tic ORDER BY Tmag", settings=settings)
    assert [None if v is None else int(v) for v in got["ID"].tolist()] == [2, 2, None, 1, 5]
    assert list(got["Tmag"]) == [1.0, 2.0, 3.0, 5.0, 7.0]
    assert list(got["source_queries"][2]) == ["38" * 32]
