"""``cache stats`` read with plain SQL agrees with the repositories; its text table is
astropy's, printed without astropy."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.settings import Settings
from mastcache.stats import _repository_counts, _sqlite_counts, cache_stats
from mastcache.store import FileRecord, Store
from mastcache.store.records import utcnow

SERVICES = [("Mast.Caom.Cone", "observations"), ("Mast.Catalogs.Tic.Cone", "catalogs"),
            ("Mast.Caom.Products", "products"), ("Mast.Caom.Cone", "counts")]  # fmt: skip


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    now = utcnow()
    with Store.open(settings) as store:
        for i in range(9):
            service, kind = SERVICES[i % len(SERVICES)]
            key = f"{i:x}" * 64
            store.put_query(key, service=service, kind=kind, params={"i": i},
                            scope="anonymous" if i % 3 else "user:x",
                            table=Table({"obsid": list(range(i + 1))}), fetched_at=now,
                            expires_at=now + timedelta(days=1))  # fmt: skip
            for _ in range(i % 4):
                store.record_hit(key)
            if i % 2:
                store.record_miss(key)
        store.record_hit("f" * 64)  # counted for a key with no cached result: not listed
        store.put_file(FileRecord(uri="mast:x", sha256="0" * 64, size=1234, local_path="p/x"))
    return settings


def test_plain_sql_counts_equal_the_repositories(filled: Settings) -> None:
    with Store.open(filled) as store:
        by_repositories = _repository_counts(store)
    assert _sqlite_counts(filled.cache_dir / "catalog.sqlite", read_only=False) == by_repositories
    report = cache_stats(filled)
    assert report.services == by_repositories.services
    assert sum(s.entries for s in report.services) == 9
    assert sum(s.hits for s in report.services) == sum(i % 4 for i in range(9))
    assert (report.files, report.file_bytes) == (1, 1234)


def test_cli_stats_text_is_astropys_table(filled: Settings) -> None:
    report = cache_stats(filled)  # writes this process's hit counts first
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(filled.cache_dir)]
    out = subprocess.run([*command, "cache", "stats"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    rows = [(s.service, s.kind, s.entries, s.rows, s.bytes, s.hits, s.misses)
            for s in report.services]  # fmt: skip
    names = ("service", "kind", "entries", "rows", "bytes", "hits", "misses")
    table = Table(rows=rows, names=names, dtype=(str, str, int, int, int, int, int))
    expected = "\n".join(table.pformat(max_lines=-1, max_width=-1)) + "\n"
    assert out.startswith(expected)
    assert "1 files (1.2 kB)" in out


def test_cli_stats_of_an_empty_cache(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(tmp_path / "empty")]
    out = subprocess.run([*command, "cache", "stats"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    names = ("service", "kind", "entries", "rows", "bytes", "hits", "misses")
    empty = Table(names=names, dtype=(str, str, int, int, int, int, int))
    assert out.startswith("\n".join(empty.pformat(max_lines=-1, max_width=-1)) + "\n\n0 resol")
