"""Decoded pages of an unfinished paged fetch (DESIGN.md section 3), and their stacking.

Each typed page of a Portal query is kept as one Arrow IPC file under
``cache_dir/partial/<key>/`` as it arrives, next to ``pages.json`` (how many pages the query
has), so a fetch cut short resumes with the pages it already has and asks only for the
others. Raw JSON pages never go to the HTTP cache. The fetch clears its fragments once the
whole table is built. Fragments are an aid, never a source of truth: one that cannot be
read, or older than :data:`MAX_AGE` seconds, is dropped and its page fetched again.

:func:`stack_arrow_pages` joins the pages' Arrow data into the one Table astroquery's
``vstack`` would give, building each column once; the joined Arrow data is handed to the
Parquet writer (:func:`mastcache.store.parquet.remember_arrow`), so the result is not
converted a second time when it is stored.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
from astropy.table import MaskedColumn, Table

from mastcache.access import is_read_only_dir
from mastcache.store.files import TEMP_PREFIX, sweep_temp_files

# store.columns and store.parquet load with the first page (their Arrow scalars make
# pyarrow import pandas): a fetch that fails before any page arrives never pays for it.
FIELD_KEY = b"mastcache"  # store.columns.FIELD_KEY: a field's column description

__all__ = [
    "FRESH_AGE",
    "MAX_AGE",
    "PARTIAL_DIR",
    "PageFragments",
    "arrow_page_columns",
    "page_arrow",
    "stack_arrow_pages",
    "sweep_partial",
]

logger = logging.getLogger(__name__)

PARTIAL_DIR = "partial"
#: Fragments older than this (seconds) are not resumed from: MAST's data may have moved on.
MAX_AGE = 24 * 3600.0
#: How old a kept page may be for a fetch that must come from MAST now (``online``,
#: ``refresh``): a re-run after a Ctrl-C resumes, an attempt from an hour ago does not.
FRESH_AGE = 15 * 60.0
_PLAN = "pages.json"
_PLAIN_INFO = {"dtype", "masked"}


class PageFragments:
    """The kept pages of one paged query (``key``) under ``cache_dir/partial``.

    Writing is best effort: a read-only cache or a failing disk turns keeping off (with one
    log line), never the fetch itself.
    """

    def __init__(self, cache_dir: Path, key: str) -> None:
        self.directory = cache_dir / PARTIAL_DIR / key
        self.is_on = not is_read_only_dir(cache_dir)

    def load(self, max_age: float = MAX_AGE) -> tuple[int | None, dict[int, pa.Table]]:
        """(pages the query has, or None; {page number: Arrow page}) kept so far, leaving
        out pages kept more than ``max_age`` seconds ago (they are fetched again).
        Kept pages of any query older than :data:`MAX_AGE`, and temp files a killed
        writer left, are swept first."""
        if self.is_on:
            sweep_partial(self.directory.parent)
        total = self._total()
        if total is None:
            return None, {}
        oldest = time.time() - min(max_age, MAX_AGE)
        pages: dict[int, pa.Table] = {}
        for number in range(1, total + 1):
            page = self._read(self.directory / f"{number}.arrow", oldest)
            if page is not None:
                pages[number] = page
        return total, pages

    def plan(self, total: int) -> None:
        """Record that the query has ``total`` pages (kept pages of another plan go)."""
        if self._total() != total:
            self.clear()
        self._write(_PLAN, lambda out: out.write(json.dumps({"pages": total}).encode()))

    def keep(self, number: int, page: pa.Table) -> None:
        """Keep page ``number`` (atomically: temp file beside it, then rename)."""

        def write(out: Any) -> None:
            with ipc.new_file(out, page.schema) as writer:
                writer.write_table(page)

        self._write(f"{number}.arrow", write)

    def clear(self) -> None:
        """Forget every kept page of this query."""
        shutil.rmtree(self.directory, ignore_errors=True)

    def _total(self) -> int | None:
        path = self.directory / _PLAN
        try:
            if time.time() - path.stat().st_mtime > MAX_AGE:
                self.clear()
                return None
            total = json.loads(path.read_bytes())["pages"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return total if isinstance(total, int) and total > 0 else None

    def _read(self, path: Path, oldest: float) -> pa.Table | None:
        try:
            if path.stat().st_mtime < oldest:
                return None  # too old for this fetch; fetched again, and kept anew
        except OSError:
            return None
        try:
            with pa.memory_map(str(path)) as source:
                return ipc.open_file(source).read_all().combine_chunks()
        except (OSError, pa.ArrowInvalid) as exc:
            logger.info("dropping unreadable page fragment %s (%s)", path, exc)
            with contextlib.suppress(OSError):
                path.unlink()
            return None

    def _write(self, name: str, write: Any) -> None:
        if not self.is_on:
            return
        temp = self.directory / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(temp, "wb") as out:
                write(out)
            os.replace(temp, self.directory / name)
        except OSError as exc:
            self.is_on = False
            logger.warning(
                "cannot keep decoded pages in %s (%s): an interrupted fetch of this query "
                "will start again from page 1",
                self.directory,
                exc,
            )
            with contextlib.suppress(OSError):
                temp.unlink()


def sweep_partial(partial: Path, *, max_age: float = MAX_AGE) -> int:
    """Remove the kept pages of queries untouched for ``max_age`` seconds, and temp files
    older than a minute (a killed writer's); returns how many folders went."""
    if not partial.is_dir():
        return 0
    removed = 0
    now = time.time()
    for folder in partial.iterdir():
        with contextlib.suppress(OSError):
            if now - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
    sweep_temp_files(partial)
    return removed


# -- pages as Arrow ---------------------------------------------------------------------------


def page_arrow(columns: Sequence[Any]) -> pa.Table:
    """The typed columns of one page as Arrow, exactly (``store.columns`` metadata)."""
    from mastcache.store.columns import column_to_arrow

    fields, arrays = zip(*(column_to_arrow(col.name, col) for col in columns), strict=True)
    return pa.Table.from_arrays(list(arrays), schema=pa.schema(list(fields)))


def arrow_page_columns(page: pa.Table) -> list[Any]:
    """The typed columns that :func:`page_arrow` stored."""
    from mastcache.store.columns import arrow_to_column

    return [arrow_to_column(page.schema.field(i), page.column(i)) for i in range(page.num_columns)]


def stack_arrow_pages(pages: Sequence[pa.Table]) -> Table | None:
    """``mast.tables.stack_pages`` of the pages' columns, built from Arrow once: for pages of
    plain masked columns with one layout, each column is decoded once in its promoted dtype
    (numpy's ``concatenate`` promotion). None for anything else (the caller stacks
    :func:`arrow_page_columns` of each page)."""
    from mastcache.store.columns import plain_field
    from mastcache.store.parquet import remember_arrow

    if len(pages) < 2 or not _same_plain_layout(pages):
        return None
    fields, arrays, kinds = [], [], []
    for index, first in enumerate(pages[0].schema):
        parts, dtypes = [], []
        for page in pages:
            dtype = np.dtype(_info(page.schema.field(index))["dtype"])
            parts += page.column(index).chunks  # chunks, not ChunkedArrays: pyarrow would
            dtypes += [dtype] * page.column(index).num_chunks  # rebuild (and zero) values
        fields.append(plain_field(first.name, first.type, np.result_type(*dtypes)))
        arrays.append(pa.chunked_array(parts, type=first.type))
        kinds.append(dtypes)

    def column(index: int) -> MaskedColumn:
        data, mask = _column_parts(fields[index], arrays[index], kinds[index])
        return MaskedColumn(data, name=fields[index].name, mask=mask, copy=False)

    # Text columns spend their time in Arrow kernels and numpy casts that release the GIL:
    # two at a time take about a third less wall time for the 20 text columns of a 1M-row
    # cone, at the cost of one more column's padded bytes held at once.
    with ThreadPoolExecutor(_STACK_WORKERS, thread_name_prefix="mast-stack") as pool:
        columns = list(pool.map(column, range(len(fields))))
    table = Table(columns, copy=False)
    remember_arrow(table, pa.Table.from_arrays(arrays, schema=pa.schema(fields)))
    return table


#: Columns :func:`stack_arrow_pages` decodes at once.
_STACK_WORKERS = 2


def _column_parts(
    field: pa.Field, chunks: pa.ChunkedArray, dtypes: list[np.dtype[Any]]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(values, mask) of one stacked column. Numbers are read straight from the Arrow value
    buffers, so a masked cell keeps the null marker astroquery leaves there (-999)."""
    from mastcache.store.columns import buffer_values, null_mask

    mask = np.concatenate([null_mask(chunk) for chunk in chunks.chunks])
    if dtypes[0].kind in "iuf" and pa.types.is_primitive(field.type):
        values = [
            buffer_values(chunk, dtype) for chunk, dtype in zip(chunks.chunks, dtypes, strict=True)
        ]
        return np.concatenate(values).astype(np.dtype(_info(field)["dtype"]), copy=False), mask
    from mastcache.store.columns import decode_column

    decoded = decode_column(field, chunks)
    return decoded.data, mask


def _same_plain_layout(pages: Sequence[pa.Table]) -> bool:
    first = pages[0].schema
    if not all(_is_plain(first.field(i)) for i in range(len(first))):
        return False
    return all(_same_fields(first, page.schema) for page in pages[1:])


def _same_fields(first: pa.Schema, other: pa.Schema) -> bool:
    if first.names != other.names or first.types != other.types:
        return False
    return all(
        _is_plain(b) and np.dtype(_info(a)["dtype"]).kind == np.dtype(_info(b)["dtype"]).kind
        for a, b in zip(first, other, strict=True)
    )


def _is_plain(field: pa.Field) -> bool:
    info = _info(field)
    return set(info) == _PLAIN_INFO and info["masked"] is True


def _info(field: pa.Field) -> Mapping[str, Any]:
    raw = (field.metadata or {}).get(FIELD_KEY)
    return json.loads(raw) if raw else {}
