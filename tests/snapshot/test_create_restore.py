"""create, restore and list over real caches (SQLite catalog + Parquet files in tmp_path)."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.table import MaskedColumn, Table

from mastcache import snapshot
from mastcache.errors import CorruptEntryError, SnapshotError
from mastcache.keys import query_key
from mastcache.settings import Settings
from mastcache.snapshot.manifest import Manifest
from mastcache.store import FileRecord, ProductRecord, Store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
CONE = "Mast.Caom.Cone"
FILTERED = "Mast.Caom.Filtered"


def _settings(path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=path)


def _table(seed: int, rows: int = 5) -> Table:
    rng = np.random.default_rng(seed)
    table = Table(meta={"comment": f"seed {seed}"})
    table["obsid"] = [str(1000 + seed * 10 + i) for i in range(rows)]
    table["s_ra"] = rng.uniform(0, 360, rows) * u.deg
    table["t_exptime"] = MaskedColumn(
        rng.uniform(1, 9, rows), mask=[i % 2 == 0 for i in range(rows)]
    )
    table["dataURI"] = [f"mast:HST/product/x{seed}_{i}.fits" for i in range(rows)]
    return table


def _put(
    store: Store, service: str, ra: float, seed: int, when: datetime, scope: str = "anonymous"
) -> str:
    params = {"ra": ra, "dec": 10.0, "radius": 0.1}
    key = query_key(service, params, scope=scope)
    store.put_query(
        key,
        service=service,
        kind="observations",
        params=params,
        scope=scope,
        table=_table(seed),
        fetched_at=when,
        expires_at=when + timedelta(days=1),
    )
    return key


@pytest.fixture
def source(tmp_path: Path) -> Settings:
    """A cache with three queries, a resolution, product rows and a downloaded file."""
    settings = _settings(tmp_path / "source")
    with Store.open(settings) as store:
        _put(store, CONE, 10.0, 1, T0)
        _put(store, CONE, 20.0, 2, T0 + timedelta(hours=1))
        _put(store, FILTERED, 30.0, 3, T0 + timedelta(hours=2))
        store.put_resolution(
            "M101", None, False, "anonymous", [{"ra": 210.8, "decl": 54.3}], T0, None
        )
        store.put_products(
            [
                ProductRecord(
                    "1010",
                    "mast:HST/product/x1_0.fits",
                    "x1_0.fits",
                    size=4,
                    fetched_at=T0,
                    row={"obsID": "1010", "size": 4},
                )
            ]
        )
        local = Path("products/ab/content")
        (settings.cache_dir / local).parent.mkdir(parents=True)
        (settings.cache_dir / local).write_bytes(b"FITS")
        sha = hashlib.sha256(b"FITS").hexdigest()
        store.put_file(FileRecord("mast:HST/product/x1_0.fits", sha, 4, local.as_posix()))
    return settings


def _queries(settings: Settings) -> dict[str, datetime]:
    with Store.open(settings) as store:
        return {q.key: q.fetched_at for q in store.list_queries()}


def test_the_same_snapshot_twice_is_byte_identical(source: Settings, tmp_path: Path) -> None:
    first = snapshot.create("fig", output_dir=tmp_path / "a", settings=source, with_files=True)
    second = snapshot.create("fig", output_dir=tmp_path / "b", settings=source, with_files=True)
    assert first.sha256 == second.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest()
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.created_at == T0 + timedelta(hours=2)
    with zipfile.ZipFile(first.path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2025, 3, 1, 14, 0, 0)}


def test_create_and_restore_everything(
    source: Settings, tmp_path: Path, assert_tables_equal: Callable[[Table, Table], None]
) -> None:
    info = snapshot.create("all", output_dir=tmp_path, settings=source, with_files=True)
    assert (info.queries, info.resolutions, info.products, info.files) == (3, 1, 1, 1)
    target = _settings(tmp_path / "target")
    report = snapshot.restore(info.path, settings=target)
    assert len(report.restored) == 3 and report.resolutions_restored == 1
    assert (report.products_restored, report.files_restored) == (1, 1)
    with Store.open(source) as a, Store.open(target) as b:
        for record in a.list_queries():
            copy = b.get_query(record.key)
            assert copy is not None and (copy.sha256, copy.fetched_at) == (
                record.sha256,
                record.fetched_at,
            )
            assert_tables_equal(b.read_table(copy), a.read_table(record))
        assert b.get_resolution("m101", None, False) == a.get_resolution("m101", None, False)
        assert b.get_products(["1010"]) == a.get_products(["1010"])
        restored = b.get_file("mast:HST/product/x1_0.fits")
        assert (
            restored is not None
            and (target.cache_dir / restored.local_path).read_bytes() == b"FITS"
        )
        assert [s.name for s in b.list_snapshots()] == ["all"]


def test_selection_by_key_service_and_time(source: Settings, tmp_path: Path) -> None:
    keys = sorted(_queries(source))
    by_prefix = snapshot.create("k", keys=[keys[0][:10]], output_dir=tmp_path, settings=source)
    assert (by_prefix.queries, by_prefix.resolutions) == (1, 0)
    by_service = snapshot.create("s", services=[FILTERED], output_dir=tmp_path, settings=source)
    assert by_service.queries == 1
    window = snapshot.create(
        "w",
        since=T0 + timedelta(minutes=30),
        until=T0 + timedelta(hours=1),
        output_dir=tmp_path,
        settings=source,
    )
    assert window.queries == 1 and window.created_at == T0 + timedelta(hours=1)
    with pytest.raises(SnapshotError, match="no cached query or resolution has key"):
        snapshot.create("x", keys=["f" * 64], output_dir=tmp_path, settings=source)
    with pytest.raises(SnapshotError, match="too short"):
        snapshot.create("x", keys=["ab"], output_dir=tmp_path, settings=source)


def test_proprietary_results_stay_out_unless_asked(source: Settings, tmp_path: Path) -> None:
    with Store.open(source) as store:
        _put(store, CONE, 10.0, 9, T0, scope="account:1234")
    public = snapshot.create("public", output_dir=tmp_path, settings=source)
    assert (public.queries, public.excluded_proprietary) == (3, 1)
    assert "1 proprietary" in public.summary()
    everything = snapshot.create(
        "all", output_dir=tmp_path, settings=source, include_proprietary=True
    )
    assert (everything.queries, everything.excluded_proprietary) == (4, 0)


def test_restore_keeps_newer_entries_unless_asked(source: Settings, tmp_path: Path) -> None:
    info = snapshot.create("old", output_dir=tmp_path, settings=source)
    target = _settings(tmp_path / "target")
    with Store.open(target) as store:
        newer = _put(store, CONE, 10.0, 7, T0 + timedelta(days=30))
        older = _put(store, CONE, 20.0, 8, T0 - timedelta(days=30))
    report = snapshot.restore(info.path, settings=target)
    assert report.kept_newer == [newer] and older in report.restored
    assert "kept 1" in report.summary()
    assert _queries(target)[newer] == T0 + timedelta(days=30)
    assert _queries(target)[older] == T0 + timedelta(hours=1)
    forced = snapshot.restore(info.path, settings=target, overwrite_newer=True)
    assert newer in forced.restored and _queries(target)[newer] == T0
    with Store.open(target) as store:
        record = store.get_query(newer)
        assert record is not None and store.read_table(record).meta["comment"] == "seed 1"
        assert len(list((target.cache_dir / "tables").glob("*/*.parquet"))) == 3


def test_list_shows_made_and_restored_snapshots_and_files(source: Settings, tmp_path: Path) -> None:
    info = snapshot.create("listed", output_dir=tmp_path / "out", settings=source)
    (tmp_path / "out" / "broken.mastsnap").write_bytes(b"junk")
    listings = snapshot.list_snapshots(tmp_path / "out", settings=source)
    assert [(s.origin, s.name) for s in listings] == [
        ("cache", "listed"),
        ("file", "broken"),
        ("file", "listed"),
    ]
    assert listings[0].sha256 == info.sha256 and listings[0].exists
    assert listings[1].problem and "not a readable snapshot" in listings[1].problem
    assert listings[2].queries == 3 and listings[2].created_at == info.created_at


def test_an_empty_cache_gives_an_empty_but_valid_snapshot(tmp_path: Path) -> None:
    info = snapshot.create(tmp_path / "nothing", settings=_settings(tmp_path / "empty"))
    assert info.path == tmp_path / "nothing.mastsnap" and info.queries == 0
    assert snapshot.verify(info.path).ok
    assert snapshot.restore(info.path, settings=_settings(tmp_path / "t")).restored == []


def test_a_damaged_cached_result_is_not_snapshotted(source: Settings, tmp_path: Path) -> None:
    with Store.open(source) as store:
        record = store.list_queries()[0]
    path = source.cache_dir / record.table_path
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptEntryError, match="mastcache cache verify"):
        snapshot.create("bad", output_dir=tmp_path / "out", settings=source)
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


def test_a_manifest_with_wrong_types_is_a_snapshot_error() -> None:
    with pytest.raises(SnapshotError, match="malformed"):
        Manifest.from_bytes(
            b'{"format": "mastsnap", "members": {"x": {"sha256": 1, "size": "big"}}}'
        )
    with pytest.raises(SnapshotError, match="malformed"):
        Manifest.from_bytes(b"[1, 2]")


def test_a_damaged_product_file_is_not_snapshotted(source: Settings, tmp_path: Path) -> None:
    (source.cache_dir / "products/ab/content").write_bytes(b"FITZ")
    with pytest.raises(CorruptEntryError, match="changed or is damaged"):
        snapshot.create("bad", output_dir=tmp_path, settings=source, with_files=True)
    assert list(tmp_path.glob("*.mastsnap")) == [] and list(tmp_path.glob(".tmp-*")) == []
    assert snapshot.create("ok", output_dir=tmp_path, settings=source).files == 0
