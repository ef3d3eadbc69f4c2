"""A paged Portal fetch cut short resumes from its decoded page fragments (DESIGN.md 3):
the retry asks MAST only for the missing pages, the table is the same, and no raw page
is kept in http.sqlite. Real emulator over HTTP, real files."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from astropy.table import Table

from mastcache.emulator import EmulatorServer
from mastcache.errors import MastCacheError
from mastcache.gateways.portal import MastGateway
from mastcache.mast import portal
from mastcache.settings import Settings
from mastcache.store.fragments import PARTIAL_DIR
from mastcache.store.parquet import table_to_arrow
from tests.tablecompare import assert_tables_equal

M101 = {"ra": 210.80227, "dec": 54.34895, "radius": 0.2}
PAGESIZE = 400
SERVICE = "Mast.Caom.Cone"


@pytest.fixture(autouse=True)
def _five_pages(emulator: EmulatorServer) -> None:
    emulator.reconfigure(rows=2_000)  # 5 pages of 400; sequence_number has masked -999s


def _gateway(emulator: EmulatorServer, cache_dir: Path, **changes: Any) -> MastGateway:
    settings = Settings.from_env(
        {}, cache_dir=cache_dir, mast_url=emulator.url, pagesize=PAGESIZE, **changes
    )
    return MastGateway.from_settings(settings)


def _invokes(emulator: EmulatorServer) -> int:
    return len(emulator.requests.matching("/api/v0/invoke"))


def _reference(emulator: EmulatorServer, cache_dir: Path) -> Table:
    """astroquery's way: every raw page, then one vstack of per-page tables (mast/)."""
    gateway = _gateway(emulator, cache_dir / "reference")
    pages = gateway.portal_pages(SERVICE, M101)
    assert len(pages) > 4, "the cone must span several pages"
    return portal.to_table(pages, gateway.column_config(SERVICE))


def _assert_same(ours: Table, theirs: Table) -> None:
    assert_tables_equal(ours, theirs)
    for name in theirs.colnames:  # even under the mask: astroquery leaves its markers there
        mine, stock = np.ma.getdata(ours[name]), np.ma.getdata(theirs[name])
        assert np.array_equal(mine, stock, equal_nan=mine.dtype.kind == "f"), name


def _fragment_dirs(cache_dir: Path) -> list[Path]:
    partial = cache_dir / PARTIAL_DIR
    return sorted(partial.iterdir()) if partial.is_dir() else []


def _interrupted(emulator: EmulatorServer, cache_dir: Path, fault: str, good: int) -> None:
    """Fetch with pages one at a time until the fault hits the request after ``good``."""
    emulator.set_faults(f"/api/v0/invoke={fault}:after={good}")
    gateway = _gateway(emulator, cache_dir, max_parallel=1, max_retries=0)
    with pytest.raises(MastCacheError):
        gateway.portal_table(SERVICE, M101)
    emulator.set_faults(None)
    emulator.requests.clear()


def test_paged_table_equals_astroquery_vstack_of_pages(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    ours = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    _assert_same(ours, _reference(emulator, cache_dir))
    assert _fragment_dirs(cache_dir) == [], "fragments go once the table is built"


def test_stacked_arrow_is_what_the_store_would_convert(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    """The Arrow data kept from the pages is handed to the Parquet writer once, and equals
    a fresh conversion of the table (fields, metadata, values)."""
    table = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    handed = table_to_arrow(table)
    converted = table_to_arrow(table)
    assert any(column.num_chunks > 1 for column in handed.columns), "not the pages' data"
    assert all(column.num_chunks == 1 for column in converted.columns)
    assert handed.schema.equals(converted.schema, check_metadata=True)
    for name in converted.column_names:  # Arrow's equals takes NaN != NaN
        ours, theirs = handed[name].combine_chunks(), converted[name].combine_chunks()
        if pa.types.is_floating(ours.type):
            assert np.array_equal(ours.to_numpy(False), theirs.to_numpy(False), equal_nan=True)
        else:
            assert ours.equals(theirs), name


def test_stale_arrow_is_not_used_after_a_column_changed(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    table = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    table["obsid"].unit = "deg"
    table.remove_column("s_ra")
    stored = table_to_arrow(table)
    assert "s_ra" not in stored.column_names
    assert b'"unit": "deg"' in stored.schema.field("obsid").metadata[b"mastcache"]


@pytest.mark.parametrize("fault", ["500", "truncate", "invalid-json", "reset", "wrong-length"])
def test_retry_after_a_fault_on_page_k_fetches_only_the_missing_pages(
    emulator: EmulatorServer, cache_dir: Path, fault: str
) -> None:
    reference = _reference(emulator, cache_dir)
    pages = -(-len(reference) // PAGESIZE)
    emulator.requests.clear()
    _interrupted(emulator, cache_dir, fault, good=3)
    (kept,) = _fragment_dirs(cache_dir)
    assert sorted(p.name for p in kept.glob("*.arrow")) == ["1.arrow", "2.arrow", "3.arrow"]
    again = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    assert _invokes(emulator) == pages - 3
    _assert_same(again, reference)
    assert _fragment_dirs(cache_dir) == []


def test_http_cache_holds_no_raw_page(emulator: EmulatorServer, cache_dir: Path) -> None:
    _interrupted(emulator, cache_dir, "500", good=2)
    gateway = _gateway(emulator, cache_dir)
    gateway.portal_table(SERVICE, M101)
    gateway.transport.close()
    with sqlite3.connect(cache_dir / "http.sqlite") as http:
        stored = [bytes(row[0]) for row in http.execute("SELECT value FROM responses")]
    assert stored, "the columns config is cached"
    assert not [value for value in stored if b"paging" in value], "a Portal page was stored"


def test_damaged_fragment_is_fetched_again(emulator: EmulatorServer, cache_dir: Path) -> None:
    reference = _reference(emulator, cache_dir)
    pages = -(-len(reference) // PAGESIZE)
    emulator.requests.clear()
    _interrupted(emulator, cache_dir, "500", good=3)
    (kept,) = _fragment_dirs(cache_dir)
    damaged = kept / "2.arrow"
    damaged.write_bytes(damaged.read_bytes()[:100])
    again = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    assert _invokes(emulator) == pages - 2
    _assert_same(again, reference)


def test_refresh_ignores_kept_pages(emulator: EmulatorServer, cache_dir: Path) -> None:
    reference = _reference(emulator, cache_dir)
    pages = -(-len(reference) // PAGESIZE)
    _interrupted(emulator, cache_dir, "500", good=3)
    again = _gateway(emulator, cache_dir).portal_table(SERVICE, M101, force_refresh=True)
    assert _invokes(emulator) == pages
    _assert_same(again, reference)


def test_kept_pages_of_another_shape_are_not_mixed_in(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    """The sky grew meanwhile (more pages): page 1 says so, the kept pages are dropped."""
    _interrupted(emulator, cache_dir, "500", good=3)
    (kept,) = _fragment_dirs(cache_dir)
    (kept / "1.arrow").unlink()  # page 1 must be asked for, and tells the new page count
    (kept / "pages.json").write_text('{"pages": 99}')
    again = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    _assert_same(again, _reference(emulator, cache_dir))


@pytest.mark.parametrize("fault", ["wrong-length", "invalid-json", "truncate"])
def test_a_damaged_page_is_fetched_again_within_the_fetch(
    emulator: EmulatorServer, cache_dir: Path, fault: str
) -> None:
    """A COMPLETE page is decoded late, on the typing thread; a body cut short or invalid
    there is sent for again (Transport.json's retries) and the table is still exact."""
    reference = _reference(emulator, cache_dir)
    emulator.set_faults(f"/api/v0/invoke={fault}:after=2:count=1")
    ours = _gateway(emulator, cache_dir).portal_table(SERVICE, M101)
    assert [entry.fault for entry in emulator.requests].count(fault) == 1
    _assert_same(ours, reference)
