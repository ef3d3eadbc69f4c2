"""Result sets of the CAOM Portal services: one stable ordering, read a page at a time.

A `ResultSet` knows its fields and row count and yields any slice lazily, so a page of a
million-row scaled query never holds more than one batch of rows in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from mastcache.emulator.sky_columns import Field
from mastcache.errors import InvalidQueryError

COUNT_COLUMN: Final = "COUNT_BIG(*)"
RowSlice = Callable[[int, int], Iterator[dict[str, Any]]]


@dataclass(frozen=True)
class ResultSet:
    """Fields, total row count and a slice reader (start, stop) over one fixed order."""

    fields: tuple[Field, ...]
    total: int
    read: RowSlice

    def page(self, page: int, pagesize: int) -> Iterator[dict[str, Any]]:
        """The rows of 1-based `page`."""
        start = (page - 1) * pagesize
        return self.read(start, min(start + pagesize, self.total))

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
    return ResultSet(tuple(by_lower[n.lower()] for n in wanted), result.total, result.read)


def counted(total: int) -> ResultSet:
    """MAST's COUNT_BIG(*) answer: one row, one string column `Column1`."""
    rows = [{"Column1": total}]
    return from_list((("Column1", "string"),), rows)


def project(row: Mapping[str, Any], fields: Sequence[Field]) -> dict[str, Any]:
    """The row restricted to (and ordered as) `fields`; absent values become null."""
    return {name: row.get(name) for name, _ in fields}
