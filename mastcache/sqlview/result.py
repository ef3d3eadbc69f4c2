"""The result of a SQL query: an astropy Table that also hands out Arrow and pandas."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
from astropy.table import Table

from mastcache.errors import ConfigurationError
from mastcache.store.parquet import arrow_to_table, table_to_arrow

if TYPE_CHECKING:  # pragma: no cover
    import pandas

__all__ = ["SQLResult", "to_result"]


class SQLResult(Table):  # type: ignore[misc]
    """An astropy Table with :meth:`arrow` (pyarrow) and :meth:`df` (pandas) views of it."""

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
