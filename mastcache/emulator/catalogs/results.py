"""Portal result sets over a catalog field: rows picked by a cone or by filters, read lazily
page by page as `{column: value}` objects (MAST_PROTOCOL.md sections 1.2 and 1.5).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from mastcache.emulator.catalogs.field import Index, SourceField
from mastcache.emulator.catalogs.values import FloatArray, to_json_values
from mastcache.emulator.portal.filters import ColumnFilter, compile_filters
from mastcache.emulator.portal.results import ResultSet, RowBatch
from mastcache.emulator.sky.columns import Field
from mastcache.errors import InvalidQueryError

ROWS_PER_BATCH: Final = 5000


@dataclass(frozen=True)
class Selection:
    """Rows of a field, in answer order, with their distances (degrees) when a cone chose them."""

    field: SourceField
    index: Index
    distance_deg: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.index.size)

    def where(self, mask: np.ndarray[Any, np.dtype[np.bool_]]) -> Selection:
        """Only the rows where `mask` is true (order kept)."""
        distance = None if self.distance_deg is None else self.distance_deg[mask]
        return Selection(self.field, self.index[mask], distance)

    def limited(self, count: int | None) -> Selection:
        """At most `count` rows (the first ones)."""
        if count is None or count >= len(self):
            return self
        distance = None if self.distance_deg is None else self.distance_deg[:count]
        return Selection(self.field, self.index[:count], distance)


def filtered(selection: Selection, filters: Any) -> Selection:
    """Apply Portal `filters` (each must match) to the selection."""
    compiled = compile_filters(filters, selection.field.schema.types)
    mask = np.ones(len(selection), dtype=bool)
    for flt in compiled:
        mask &= _filter_mask(selection, flt)
    return selection.where(mask)


def _filter_mask(selection: Selection, flt: ColumnFilter) -> np.ndarray[Any, np.dtype[np.bool_]]:
    column = selection.field.columns.get(flt.column)
    if column is None:
        raise InvalidQueryError(f"Column '{flt.column}' cannot be filtered in this catalog.")
    values = to_json_values(column[selection.index])
    return np.fromiter((flt.matches({flt.column: v}) for v in values), bool, len(values))


def result_set(selection: Selection, fields: tuple[Field, ...]) -> ResultSet:
    """A Portal ResultSet of the selection's rows with `fields` (distance filled in); its
    column batches feed the Portal encoder directly."""
    names = [name for name, _ in fields]

    def batches(start: int, stop: int) -> Iterator[RowBatch]:
        for first in range(start, stop, ROWS_PER_BATCH):
            last = min(first + ROWS_PER_BATCH, stop)
            columns = {name: _values(selection, name, first, last) for name in names}
            yield RowBatch(last - first, columns)

    def read(start: int, stop: int) -> Iterator[dict[str, Any]]:
        for batch in batches(start, stop):
            yield from batch.rows()

    return ResultSet(fields, len(selection), read, batches)


def _values(selection: Selection, name: str, start: int, stop: int) -> list[Any]:
    distance = selection.field.schema.distance
    part = selection.index[start:stop]
    if distance is not None and name == distance[0] and selection.distance_deg is not None:
        scale = selection.field.schema.distance_scale
        return [float(d) for d in np.round(selection.distance_deg[start:stop] * scale, 8)]
    column = selection.field.columns.get(name)
    if column is None:
        return [None] * int(part.size)
    return to_json_values(column[part])


def number(params: Mapping[str, Any], name: str, low: float, high: float) -> float:
    """A required numeric parameter within [low, high]; InvalidQueryError (MAST's ERROR) else."""
    if name not in params:
        raise InvalidQueryError(f"Missing required parameter '{name}' (degrees).")
    try:
        value = float(params[name])
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"Parameter '{name}'={params[name]!r} is not a number.") from exc
    if not low <= value <= high:
        raise InvalidQueryError(f"Parameter '{name}'={value} is outside {low}..{high}.")
    return value


def cone_of(params: Mapping[str, Any]) -> tuple[float, float, float]:
    """`(ra, dec, radius)` in degrees from Portal cone params."""
    ra = number(params, "ra", -360.0, 720.0) % 360.0
    dec = number(params, "dec", -90.0, 90.0)
    radius = number(params, "radius", 0.0, 180.0)
    return ra, dec, radius


def optional_count(params: Mapping[str, Any], name: str) -> int | None:
    """A row-limit parameter (`nr`, `maxrecords`), None when absent."""
    if name not in params:
        return None
    return int(number(params, name, 0, 10_000_000))
