"""The result of a SQL query: an astropy Table that also hands out Arrow and pandas."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
from astropy.table import Table

from mastcache.errors import ConfigurationError
from mastcache.store.parquet import arrow_to_table, table_to_arrow

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["SQLResult", "to_result"]


class SQLResult(Table):  # type: ignore[misc]
    """An astropy Table with :meth:`arrow` (pyarrow) and :meth:`df` (pandas) views of it.

    In a notebook it shows as astropy's HTML table under a line saying where the rows came
    from (how many cached queries, when there is a ``source_queries`` column).
    """

    def _repr_html_(self) -> str:
        return f"<div><p>{escape(self.provenance())}</p>{super()._repr_html_()}</div>"

    def provenance(self) -> str:
        """One line: rows, columns and the cached queries the rows come from."""
        text = f"{len(self)} rows × {len(self.colnames)} columns from the mastcache cache"
        if "source_queries" in self.colnames and len(self):
            keys = {str(k) for cell in self["source_queries"] for k in _cell_items(cell)}
            text += f", out of {len(keys)} cached {'query' if len(keys) == 1 else 'queries'}"
        return text

    def arrow(self) -> pa.Table:
        """The rows as a ``pyarrow.Table`` (nulls as Arrow nulls, units in field metadata)."""
        return table_to_arrow(self)

    def df(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame (needs pandas: ``pip install pandas``)."""
        try:
            import pandas  # noqa: F401
        except ImportError as exc:
            raise ConfigurationError(
                "SQLResult.df() needs pandas, which is not installed: run `pip install pandas`, "
                "or use .arrow() for a pyarrow Table"
            ) from exc
        return self.arrow().to_pandas()


def _cell_items(cell: Any) -> list[Any]:
    """The keys in one ``source_queries`` cell (a list, an array, or masked)."""
    if cell is None or cell is np.ma.masked:
        return []
    return list(cell) if hasattr(cell, "__iter__") and not isinstance(cell, str) else [cell]


def to_result(arrow: pa.Table) -> SQLResult:
    """The :class:`SQLResult` holding DuckDB's Arrow answer."""
    table = arrow_to_table(_astropy_ready(arrow))
    return SQLResult(table, copy=False)


def _astropy_ready(arrow: pa.Table) -> pa.Table:
    """Arrow types astropy has no column for (intervals) become text; the rest stay."""
    for index, field in enumerate(arrow.schema):
        if pa.types.is_interval(field.type) or pa.types.is_dictionary(field.type):
            values = [None if v is None else str(v) for v in arrow.column(index).to_pylist()]
            arrow = arrow.set_column(index, field.name, pa.array(values, type=pa.string()))
    return arrow
