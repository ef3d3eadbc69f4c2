"""Result sets of the CAOM Portal services: one stable ordering, read a page at a time.

A `ResultSet` knows its fields and row count and yields any slice lazily, so a page of a
million-row scaled query never holds more than one batch of rows in memory. Slices come row by
row (`read`) and, for the encoder, as column batches (`batches`, or rows regrouped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any, Final

from mastcache.emulator.sky.columns import Field
from mastcache.errors import InvalidQueryError

COUNT_COLUMN: Final = "COUNT_BIG(*)"
ROWS_PER_BATCH: Final = 500


@dataclass(frozen=True)
class RowBatch:
    """Consecutive rows as columns: name -> `size` values (a missing name is all null)."""

    size: int
    columns: Mapping[str, Sequence[Any]]

    def column(self, name: str) -> Sequence[Any]:
        """The values of `name`, null when the batch has no such column."""
        found = self.columns.get(name)
        return [None] * self.size if found is None else found

    def slice(self, start: int, stop: int) -> RowBatch:
        """Rows start..stop-1 of the batch (clipped to its size)."""
        stop = min(stop, self.size)
        columns = {name: values[start:stop] for name, values in self.columns.items()}
        return RowBatch(max(0, stop - start), columns)

    def rows(self) -> Iterator[dict[str, Any]]:
        """The batch row by row, as column -> value mappings."""
        names = list(self.columns)
        for values in zip(*self.columns.values(), strict=True):
            yield dict(zip(names, values, strict=True))

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]], names: Sequence[str]) -> RowBatch:
        """Row mappings regrouped into the columns `names`."""
        return cls(len(rows), {name: [row.get(name) for row in rows] for name in names})


RowSlice = Callable[[int, int], Iterator[dict[str, Any]]]
BatchSlice = Callable[[int, int], Iterator[RowBatch]]


@dataclass(frozen=True)
class ResultSet:
    """Fields, total row count and a slice reader (start, stop) over one fixed order;
    `batches`, when given, reads the same slice as column batches (the fast path)."""

    fields: tuple[Field, ...]
    total: int
    read: RowSlice
    batches: BatchSlice | None = None

    def page(self, page: int, pagesize: int) -> Iterator[dict[str, Any]]:
        """The rows of 1-based `page`."""
        start = (page - 1) * pagesize
        return self.read(start, min(start + pagesize, self.total))

    def page_batches(self, page: int, pagesize: int, names: Sequence[str]) -> Iterator[RowBatch]:
        """The rows of 1-based `page` as column batches holding (at least) `names`."""
        start = (page - 1) * pagesize
        stop = min(start + pagesize, self.total)
        if self.batches is not None:
            yield from self.batches(start, stop)
            return
        rows = self.read(start, stop)
        while chunk := list(islice(rows, ROWS_PER_BATCH)):
            yield RowBatch.from_rows(chunk, names)

    def rows_in_page(self, page: int, pagesize: int) -> int:
        """How many rows `page` holds."""
        start = (page - 1) * pagesize
        return max(0, min(pagesize, self.total - start))


def from_list(fields: Sequence[Field], rows: Sequence[dict[str, Any]]) -> ResultSet:
    """A result set over rows already in memory."""
    return ResultSet(tuple(fields), len(rows), lambda a, b: iter(rows[a:b]))


def select_columns(result: ResultSet, columns: Any) -> ResultSet:
    """Apply the `columns` parameter: `*`, a comma list, or COUNT_BIG(*)."""
    if columns is None or str(columns).strip() in {"", "*"}:
        return result
    text = str(columns).strip()
    if text.upper().replace(" ", "") == COUNT_COLUMN:
        return counted(result.total)
    wanted = [name.strip() for name in text.split(",") if name.strip()]
    by_lower = {name.lower(): (name, kind) for name, kind in result.fields}
    missing = [name for name in wanted if name.lower() not in by_lower]
    if missing:
        known = ", ".join(name for name, _ in result.fields)
        raise InvalidQueryError(f"Unknown column(s) {missing} in 'columns'; known: {known}.")
    fields = tuple(by_lower[n.lower()] for n in wanted)
    return ResultSet(fields, result.total, result.read, result.batches)


def counted(total: int) -> ResultSet:
    """MAST's COUNT_BIG(*) answer: one row, one string column `Column1`."""
    rows = [{"Column1": total}]
    return from_list((("Column1", "string"),), rows)


def project(row: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """The row restricted to (and ordered as) `fields`; absent values become null."""
    return {name: row.get(name) for name, _ in fields}
