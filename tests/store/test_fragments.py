"""Page fragments on real files: kept pages load back exactly, stacking from Arrow equals
astroquery's vstack (via mast.tables.stack_pages), and old or torn leftovers are swept."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy.table import MaskedColumn

from mastcache.mast.tables import stack_pages
from mastcache.store.files import TEMP_PREFIX
from mastcache.store.fragments import (
    MAX_AGE,
    PARTIAL_DIR,
    PageFragments,
    arrow_page_columns,
    page_arrow,
    stack_arrow_pages,
    sweep_partial,
)
from mastcache.store.parquet import table_to_arrow
from tests.tablecompare import assert_tables_equal


def _page(names: list[str], ids: list[int], flags: list[bool]) -> list[MaskedColumn]:
    """A typed Portal page: strings masked where empty, ints masked at -999, bools."""
    text = np.array(names).astype(str)
    number = np.array(ids, dtype=np.int64)
    return [
        MaskedColumn(text, name="target", mask=text == ""),
        MaskedColumn(number, name="seq", mask=number == -999),
        MaskedColumn(np.array(flags, dtype=bool), name="flag", mask=np.zeros(len(flags), bool)),
    ]


PAGES = [
    _page(["M1", "", "NGC 1"], [5, -999, 7], [True, False, True]),
    _page(["a much longer name", "x"], [-999, 9], [False, False]),
    _page(["ÿ unicode ✓", ""], [1, 2], [True, True]),
]


def test_kept_pages_load_back_exactly(tmp_path: Path) -> None:
    fragments = PageFragments(tmp_path, "k" * 64)
    fragments.plan(3)
    for number, page in enumerate(PAGES, start=1):
        fragments.keep(number, page_arrow(page))
    total, kept = PageFragments(tmp_path, "k" * 64).load()
    assert total == 3 and sorted(kept) == [1, 2, 3]
    for number, page in enumerate(PAGES, start=1):
        back = arrow_page_columns(kept[number])
        for ours, theirs in zip(back, page, strict=True):
            assert ours.dtype == theirs.dtype and ours.name == theirs.name
            assert np.array_equal(np.ma.getmaskarray(ours), np.ma.getmaskarray(theirs))
    assert not list((tmp_path / PARTIAL_DIR).rglob(f"{TEMP_PREFIX}*"))


def test_a_new_plan_forgets_pages_of_another(tmp_path: Path) -> None:
    fragments = PageFragments(tmp_path, "k" * 64)
    fragments.plan(3)
    fragments.keep(1, page_arrow(PAGES[0]))
    fragments.plan(4)
    assert fragments.load() == (4, {})


def test_stacked_from_arrow_equals_stack_of_pages(tmp_path: Path) -> None:
    arrows = [page_arrow(page) for page in PAGES]
    ours = stack_arrow_pages(arrows)
    theirs = stack_pages(PAGES)
    assert ours is not None
    assert_tables_equal(ours, theirs)
    assert ours["target"].dtype == np.dtype("<U18")  # promoted as numpy's concatenate does
    assert list(np.ma.getdata(ours["seq"])) == [5, -999, 7, -999, 9, 1, 2]  # markers kept
    stored = table_to_arrow(ours)
    assert stored.schema.equals(table_to_arrow(theirs).schema, check_metadata=True)


def test_pages_of_other_layouts_are_left_to_the_caller() -> None:
    other = [PAGES[0][0], PAGES[0][1]]
    assert stack_arrow_pages([page_arrow(PAGES[0]), page_arrow(other)]) is None
    assert stack_arrow_pages([page_arrow(PAGES[0])]) is None


def test_torn_and_stale_fragments_are_dropped(tmp_path: Path) -> None:
    fragments = PageFragments(tmp_path, "k" * 64)
    fragments.plan(2)
    fragments.keep(1, page_arrow(PAGES[0]))
    fragments.keep(2, page_arrow(PAGES[1]))
    torn = fragments.directory / "2.arrow"
    torn.write_bytes(torn.read_bytes()[:50])
    assert sorted(fragments.load()[1]) == [1]
    assert not torn.exists()
    old = time.time() - MAX_AGE - 10
    os.utime(fragments.directory / "pages.json", (old, old))
    assert fragments.load() == (None, {})


def test_sweep_removes_old_folders_and_dead_temp_files(tmp_path: Path) -> None:
    partial = tmp_path / PARTIAL_DIR
    old, fresh = partial / "old", partial / "fresh"
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "1.arrow").write_bytes(b"x")
    dead = fresh / f"{TEMP_PREFIX}dead"
    dead.write_bytes(b"partial")
    stale = time.time() - MAX_AGE - 10
    os.utime(old, (stale, stale))
    os.utime(dead, (stale, stale))
    assert sweep_partial(partial) == 1
    assert not old.exists() and (fresh / "1.arrow").exists() and not dead.exists()


def test_a_read_only_cache_keeps_nothing() -> None:
    page = page_arrow(PAGES[0])
    top = Path(tempfile.mkdtemp(prefix="mc-readonly-"))  # /tmp: traversable by nobody
    cache = top / "cache"
    cache.mkdir()
    top.chmod(0o755)
    cache.chmod(0o555)

    def keep() -> bool:
        fragments = PageFragments(cache, "k" * 64)
        fragments.plan(2)
        fragments.keep(1, page)
        return not fragments.is_on and not (cache / PARTIAL_DIR).exists()

    try:
        if os.geteuid() != 0:
            assert keep()
            return
        # root writes into read-only folders: the check runs in a child that became nobody
        child = os.fork()
        if child == 0:  # pragma: no cover - the child exits before coverage could save
            try:
                os.setgid(65534)
                os.setuid(65534)
                os._exit(0 if keep() else 1)
            except BaseException:
                os._exit(2)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert not (cache / PARTIAL_DIR).exists()
    finally:
        cache.chmod(0o755)
        shutil.rmtree(top)


def test_a_failing_disk_turns_keeping_off(tmp_path: Path) -> None:
    blocker = tmp_path / PARTIAL_DIR
    blocker.write_text("a file where the folder should be")
    fragments = PageFragments(tmp_path, "k" * 64)
    fragments.plan(2)
    assert not fragments.is_on
    fragments.keep(1, page_arrow(PAGES[0]))  # no error: the fetch goes on without resume
    assert fragments.load() == (None, {})
