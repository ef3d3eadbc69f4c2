"""cache stats, verify, prune and clear over a real store in a temporary directory."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.errors import StoreError
from mastcache.maintenance import cache_stats, clear_cache, prune_cache, verify_cache
from mastcache.settings import Settings
from mastcache.sqlview.lock import CacheLock
from mastcache.store import FileRecord, ResolutionRecord, Store
from mastcache.store.records import utcnow


def observations(n: int, offset: int = 0) -> Table:
    return Table(
        {"obsid": [str(offset + i) for i in range(n)], "s_ra": [1.5 * i for i in range(n)]}
    )


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path / "cache")


def put(store: Store, key: str, *, age: timedelta, ttl: timedelta, rows: int = 5) -> None:
    fetched = utcnow() - age
    store.put_query(
        key, service="Mast.Caom.Cone", kind="observations", params={"k": key},
        scope="anonymous", table=observations(rows), fetched_at=fetched,
        expires_at=fetched + ttl,
    )  # fmt: skip


def put_file(store: Store, uri: str, content: bytes, age: timedelta) -> FileRecord:
    sha = hashlib.sha256(content).hexdigest()
    relative = f"products/{sha[:2]}/{sha}"
    path = store.root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return store.put_file(
        FileRecord(uri=uri, sha256=sha, size=len(content), local_path=relative,
                   downloaded_at=utcnow() - age)
    )  # fmt: skip


@pytest.fixture
def filled(settings: Settings) -> Settings:
    """Three results (one expired), two files, one expired and one fresh resolution."""
    with Store.open(settings) as store:
        put(store, "a" * 64, age=timedelta(days=3), ttl=timedelta(days=1))  # expired
        put(store, "b" * 64, age=timedelta(hours=2), ttl=timedelta(days=1), rows=7)
        put(store, "c" * 64, age=timedelta(minutes=1), ttl=timedelta(days=1), rows=9)
        put_file(store, "mast:HST/product/old.fits", b"o" * 4000, timedelta(days=2))
        put_file(store, "mast:HST/product/new.fits", b"n" * 3000, timedelta(minutes=5))
        for name, age in (("m1", timedelta(days=40)), ("m31", timedelta(days=1))):
            fetched = utcnow() - age
            with store.unit_of_work() as uow:
                uow.resolutions.put(ResolutionRecord(
                    name=name, resolver=None, resolve_all=False, scope="anonymous",
                    entries=[{"ra": 1.0}], fetched_at=fetched,
                    expires_at=fetched + timedelta(days=30),
                ))  # fmt: skip
    return settings


def test_stats_counts_entries_rows_bytes_and_files(filled: Settings) -> None:
    report = cache_stats(filled)
    (service,) = report.services
    assert (service.service, service.entries, service.rows) == ("Mast.Caom.Cone", 3, 21)
    with Store.open(filled) as store:
        assert service.bytes == sum(r.nbytes for r in store.list_queries())
    assert (report.files, report.file_bytes, report.resolutions) == (2, 7000, 2)


def test_verify_finds_a_changed_table_and_a_changed_file(filled: Settings) -> None:
    assert verify_cache(filled) == []
    with Store.open(filled) as store:
        table_path = store.root / store.get_query("b" * 64).table_path  # type: ignore[union-attr]
        file_path = store.root / store.get_file("mast:HST/product/new.fits").local_path  # type: ignore[union-attr]
    data = bytearray(table_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    table_path.write_bytes(bytes(data))
    file_path.write_bytes(b"x" * 3000)
    problems = {(p.kind, p.identifier): p.problem for p in verify_cache(filled)}
    assert set(problems) == {("query", "b" * 64), ("file", "mast:HST/product/new.fits")}
    assert problems[("query", "b" * 64)].startswith("sha256")
    assert "the file changed" in problems[("file", "mast:HST/product/new.fits")]


def test_prune_expired_removes_only_expired_entries(filled: Settings) -> None:
    dry = prune_cache(filled, expired=True, dry_run=True)
    assert (dry.queries, dry.resolutions) == (["a" * 64], 1)
    with Store.open(filled) as store:
        assert len(store.list_queries()) == 3
    report = prune_cache(filled, expired=True)
    assert report.queries == ["a" * 64]
    with Store.open(filled) as store:
        left = store.list_queries()
        assert sorted(r.key for r in left) == ["b" * 64, "c" * 64]
        assert all((store.root / r.table_path).exists() for r in left)  # no dangling row
        with store.unit_of_work(read_only=True) as uow:
            assert [r.name for r in uow.resolutions.list()] == ["m31"]
    tables = list((filled.cache_dir / "tables").rglob("*.parquet"))
    assert len(tables) == 2  # the pruned result's file is gone too


def test_prune_older_than(filled: Settings) -> None:
    report = prune_cache(filled, older_than=timedelta(hours=1))
    assert sorted(report.queries) == ["a" * 64, "b" * 64]


def test_prune_removes_abandoned_partial_downloads_only(filled: Settings) -> None:
    partial = filled.cache_dir / "products" / "partial"
    partial.mkdir(parents=True)
    old, fresh = partial / "old-download", partial / "fresh-download"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    assert prune_cache(filled, expired=True).partials == 1
    assert not old.exists() and fresh.exists()
    assert clear_cache(filled).partials == 1
    assert not fresh.exists()


def test_prune_and_clear_remove_the_kept_pages_of_interrupted_queries(filled: Settings) -> None:
    import pyarrow as pa

    from mastcache.store.fragments import PageFragments

    page = pa.table({"obsid": pa.array([1, 2], pa.int64())})
    old = PageFragments(filled.cache_dir, "d" * 64)
    fresh = PageFragments(filled.cache_dir, "e" * 64)
    for kept in (old, fresh):
        kept.plan(3)
        kept.keep(1, page)
    assert old.load()[1].keys() == {1} and fresh.load()[1].keys() == {1}
    two_days_ago = time.time() - 2 * 86400
    os.utime(old.directory, (two_days_ago, two_days_ago))
    assert prune_cache(filled, expired=True).partials == 1
    assert not old.directory.exists() and fresh.directory.exists()
    assert clear_cache(filled).partials == 1
    assert not fresh.directory.exists()


def test_prune_to_a_size_budget_evicts_oldest_first(filled: Settings) -> None:
    with Store.open(filled) as store:
        sizes = {r.key: r.nbytes for r in store.list_queries()}
    budget = sizes["c" * 64] + 7000  # the newest result plus every file
    report = prune_cache(filled, max_bytes=budget)
    assert sorted(report.queries) == ["a" * 64, "b" * 64]
    assert report.files == []
    tiny = prune_cache(filled, max_bytes=3500)  # now files must go too, oldest first
    assert tiny.queries == ["c" * 64]
    assert tiny.files == ["mast:HST/product/old.fits"]
    assert verify_cache(filled) == []


def test_clear_removes_everything_and_keeps_a_working_catalog(filled: Settings) -> None:
    report = clear_cache(filled)
    assert len(report.queries) == 3 and len(report.files) == 2
    stats = cache_stats(filled)
    assert (stats.services, stats.files, stats.resolutions) == ((), 0, 0)
    left = [p for p in (filled.cache_dir / "products").rglob("*") if p.is_file()]
    assert left == []
    assert list((filled.cache_dir / "tables").rglob("*.parquet")) == []


def test_prune_waits_for_live_sql_sessions(filled: Settings) -> None:
    with CacheLock(filled.cache_dir).shared(), pytest.raises(StoreError):
        prune_cache(filled, expired=True, wait=0.3)
    with Store.open(filled) as store:
        assert len(store.list_queries()) == 3  # nothing removed under a live reader


def test_cli_stats_verify_and_prune(filled: Settings) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mastcache", "--cache-dir", str(filled.cache_dir)]
        return subprocess.run([*command, *args], capture_output=True, text=True, timeout=120)

    stats = run("cache", "stats", "--format", "csv")
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.splitlines()[1].startswith('"Mast.Caom.Cone","observations",3,21')
    assert run("cache", "verify").returncode == 0
    assert "removed 1 results, 1 resolutions, 0 files" in run("cache", "prune", "--expired").stdout
    usage = run("cache", "prune")
    assert usage.returncode == 2 and "say what to prune" in usage.stderr
    with Store.open(filled) as store:
        path = store.root / store.list_queries()[0].table_path
    path.write_bytes(b"damaged")
    damaged = run("cache", "verify")
    assert damaged.returncode == 1 and "bytes instead of" in damaged.stdout
    cleared = run("cache", "clear", "--yes")
    assert cleared.returncode == 0 and "removed 2 results" in cleared.stdout
