"""Typed astropy Tables from MAST JSON, with astroquery 0.4.11's typing rules exactly.

Portal envelopes (``fields`` + object rows; MAST_PROTOCOL.md section 1.6) and Search API /
Pan-STARRS answers (``info`` + rows; section 5) have different null and type rules, so each
has its own builder. Cells are typed with whole-column numpy operations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

import numpy as np
from astropy.table import MaskedColumn, Table, vstack

from mastcache.errors import ProtocolError

__all__ = [
    "column_config_ignore_value",
    "column_values",
    "parse_type",
    "portal_column",
    "portal_page_columns",
    "portal_pages_table",
    "portal_table",
    "remove_null_columns",
    "require_keys",
    "search_table",
    "stack_pages",
    "wanted_fields",
]

Row = Mapping[str, Any]
_PORTAL_TYPES: dict[str, tuple[str, Any, Any]] = {
    "char": ("string", str, ""),
    "string": ("string", str, ""),
    "datetime": ("string", str, ""),
    "date": ("string", str, ""),
    "double": ("float", np.float64, np.nan),
    "float": ("float", np.float64, np.nan),
    "decimal": ("float", np.float64, np.nan),
    "int": ("integer", np.int64, -999),
    "short": ("integer", np.int64, -999),
    "long": ("integer", np.int64, -999),
    "number": ("integer", np.int64, -999),
    "boolean": ("boolean", bool, None),
    "binary": ("boolean", bool, None),
    "unsignedbyte": ("byte", np.ubyte, -999),
}


def parse_type(dbtype: str) -> tuple[str, Any, Any]:
    """(readable name, numpy type, null marker) of a MAST type string, as astroquery's.

    Unknown strings come back as ``(dbtype, dbtype, dbtype)``: numpy is asked to read them.
    """
    lowered = dbtype.lower()
    return _PORTAL_TYPES.get(lowered, (lowered, lowered, lowered))


# -- Portal ---------------------------------------------------------------------------------


def portal_pages_table(
    responses: Sequence[Mapping[str, Any]], column_config: Mapping[str, Any] | None = None
) -> Table:
    """One table from the page responses of a query, as astroquery's ``_parse_result``
    returns it (``vstack`` of one table per page), through :func:`portal_page_columns`
    and :func:`stack_pages`."""
    return stack_pages([portal_page_columns(response, column_config) for response in responses])


def portal_page_columns(
    response: Mapping[str, Any], column_config: Mapping[str, Any] | None = None
) -> list[MaskedColumn]:
    """The typed columns of one Portal page envelope (``fields`` + ``data``), the columns
    :func:`portal_table` puts in its table."""
    require_keys(response, ("fields", "data"), "Portal page")
    return _portal_columns(response["fields"], response["data"], column_config)


def stack_pages(pages: Sequence[Sequence[MaskedColumn]]) -> Table:
    """``astropy.table.vstack`` of the pages' tables (what astroquery returns), given the
    typed columns of each page.

    Pages with the same column names and dtype kinds are joined column by column: data and
    masks concatenated, the dtype promoted as vstack does, default fill values, no table
    ``masked`` flag. Anything else goes through vstack itself.
    """
    if len(pages) < 2 or not _same_layout(pages):
        return vstack([_page_table(columns) for columns in pages])
    return Table([_stacked_column(pages, index) for index in range(len(pages[0]))], copy=False)


def _same_layout(pages: Sequence[Sequence[MaskedColumn]]) -> bool:
    """All columns plain MaskedColumns (no unit, format, description, meta), the same
    names and dtype kinds on every page."""
    layouts = [[(col.name, col.dtype.kind) for col in page] for page in pages]
    plain = all(_is_plain(col) for page in pages for col in page)
    return plain and all(layout == layouts[0] for layout in layouts[1:])


def _is_plain(column: Any) -> bool:
    attrs = (column.unit, column.format, column.description)
    return type(column) is MaskedColumn and not column.meta and attrs == (None, None, None)


def _stacked_column(pages: Sequence[Sequence[MaskedColumn]], index: int) -> MaskedColumn:
    data = np.concatenate([np.ma.getdata(page[index]) for page in pages])
    mask = np.concatenate([np.ma.getmaskarray(page[index]) for page in pages])
    return MaskedColumn(data, name=pages[0][index].name, mask=mask, copy=False)


def portal_table(
    fields: Sequence[Mapping[str, Any]],
    rows: Sequence[Row],
    column_config: Mapping[str, Any] | None = None,
) -> Table:
    """Table of one Portal page: columns in ``fields`` order, ``_selected_`` dropped,
    a repeated name keeps its first column, nulls and masks as astroquery makes them."""
    return _page_table(_portal_columns(fields, rows, column_config))


def _page_table(columns: Sequence[MaskedColumn]) -> Table:
    # Added one by one, as astroquery does: astropy gives a later short string column a
    # truncated fill value ("N" for "N/A" in a <U1 column), and equal Tables need the same.
    table = Table(masked=True)
    for column in columns:
        table.add_column(column, copy=False)
    return table


def _portal_columns(
    fields: Sequence[Mapping[str, Any]],
    rows: Sequence[Row],
    column_config: Mapping[str, Any] | None,
) -> list[MaskedColumn]:
    wanted = wanted_fields(fields)
    values = column_values(rows, [name for name, _ in wanted])
    return [
        portal_column(name, mast_type, cells, column_config_ignore_value(column_config, name))
        for (name, mast_type), cells in zip(wanted, values, strict=True)
    ]


def wanted_fields(fields: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(name, type) in ``fields`` order, without ``_selected_`` and repeated names."""
    wanted: dict[str, str] = {}
    for field in fields:
        if field["name"] != "_selected_" and field["name"] not in wanted:
            wanted[field["name"]] = str(field["type"])
    return list(wanted.items())


def column_values(rows: Sequence[Row], names: list[str]) -> list[Sequence[Any]]:
    """The cells of each named column (None where a row lacks the key), one pass over rows."""
    if not names or not rows:
        return [() for _ in names]
    try:
        picked = list(map(itemgetter(*names), rows))
    except KeyError:  # some rows leave null cells out
        return [[row.get(name) for row in rows] for name in names]
    except TypeError as exc:
        raise ProtocolError(f"Portal rows must be JSON objects keyed by column ({exc})") from exc
    return [picked] if len(names) == 1 else list(zip(*picked, strict=True))


def column_config_ignore_value(column_config: Mapping[str, Any] | None, name: str) -> Any:
    if not column_config:
        return None
    props = column_config.get(name, {})
    return props.get("ignoreValue") if isinstance(props, Mapping) else None


def portal_column(name: str, mast_type: str, values: Sequence[Any], ignore: Any) -> MaskedColumn:
    """One typed column; a missing cell is a null, as astroquery's ``row.get(col, null)``."""
    _, atype, default_null = parse_type(mast_type)
    null = default_null if ignore is None else ignore
    if atype is np.float64 and ignore is None:
        return _float_column(name, values)
    cells = _object_array(values)
    if null is not None:
        cells[_equal(cells, None)] = null
    mask = (cells == null) if atype is str else _equal(cells, null)
    return MaskedColumn(_cast(cells, atype, name), name=name, mask=mask)


def _float_column(name: str, values: Sequence[Any]) -> MaskedColumn:
    """Floats with NaN nulls: NaN never equals the marker, so nothing is masked."""
    try:
        data = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        data = None
    if data is None or data.ndim != 1:  # cells that are lists: not numbers
        data = _cast(_object_array(values), np.float64, name)
    return MaskedColumn(data, name=name, mask=np.zeros(len(data), dtype=bool))


# -- Search API / Pan-STARRS ----------------------------------------------------------------


def search_table(obj: Mapping[str, Any], data_key: str = "results") -> Table:
    """Table of a MAST Search API (``data_key="results"``) or Pan-STARRS (``"data"``) answer.

    Rows may be positional arrays or objects; columns missing from object rows are skipped
    and keys not in ``info`` are dropped. Numeric nulls become -999 and are masked.
    """
    require_keys(obj, ("info", data_key), "Search API answer")
    info, rows = obj["info"], obj[data_key]
    if not info:
        raise ProtocolError(
            "the Search API answer has an empty 'info' list, expected one entry per column; "
            "the server is not speaking MAST's Search API"
        )
    type_key = "type" if info[0].get("type") else "db_type"
    table = Table(masked=True)
    for index, column in enumerate(info):
        name = column.get("column_name") or column.get("name")
        cells = _search_cells(rows, index, name)
        if cells is not None and name not in table.colnames:
            table.add_column(_search_column(name, str(column[type_key]).lower(), cells))
    return table


def _search_type(col_type: str) -> tuple[Any, Any]:
    if col_type in ("char", "string", "null", "datetime") or "varchar" in col_type:
        return str, ""
    if col_type in ("boolean", "binary"):
        return bool, None
    if col_type == "unsignedbyte":
        return np.ubyte, None
    if col_type in ("int", "short", "long", "number", "integer"):
        return np.int64, -999
    if col_type in ("double", "float", "decimal"):
        return np.float64, -999
    return col_type, None


def _search_cells(rows: Sequence[Any], index: int, name: str) -> np.ndarray | None:
    """Cells by position, else by name; ``None`` when object rows lack the column."""
    try:
        return _object_array([row[index] for row in rows])
    except KeyError:
        try:
            return _object_array([row[name] for row in rows])
        except KeyError:
            return None


def _search_column(name: str, col_type: str, cells: np.ndarray) -> MaskedColumn:
    atype, null = _search_type(col_type)
    if null is not None:
        cells[_equal(cells, None)] = null
    mask = (cells == null) if atype is str else _equal(cells, null)
    return MaskedColumn(_cast(cells, atype, name), name=name, mask=mask)


# -- null columns ---------------------------------------------------------------------------


def remove_null_columns(table: Table) -> Table:
    """A copy of ``table`` without the columns whose every cell is null (masked or NaN).

    MAST's ``removenullcolumns`` semantics. A table with no rows keeps all its columns.
    """
    if len(table) == 0:
        return table.copy()
    keep = [name for name in table.colnames if not _is_all_null(table[name])]
    return table[keep].copy() if keep != table.colnames else table.copy()


def _is_all_null(column: Any) -> bool:
    mask = np.ma.getmaskarray(column)
    data = np.asarray(column)
    if data.dtype.kind == "f":
        mask = mask | np.isnan(data)
    return bool(mask.all())


# -- shared ---------------------------------------------------------------------------------


def require_keys(obj: Mapping[str, Any], keys: tuple[str, ...], what: str) -> None:
    if not isinstance(obj, Mapping) or not all(key in obj for key in keys):
        present = sorted(obj) if isinstance(obj, Mapping) else type(obj).__name__
        raise ProtocolError(
            f"the {what} lacks {' and '.join(repr(k) for k in keys)} (got {present}); "
            "the server is not answering in MAST's table format"
        )


def _equal(cells: np.ndarray, value: Any) -> np.ndarray:
    """Element-wise ``==`` on object cells, as astroquery builds its masks."""
    result: np.ndarray = np.equal(cells, cast(Any, value))
    return result


def _object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-d object array even when cells are themselves lists."""
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    return cells


def _cast(cells: np.ndarray, atype: Any, name: str) -> np.ndarray:
    try:
        return cells.astype(atype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ProtocolError(
            f"column {name!r} cannot be read as {atype!r} ({exc}); MAST sent a type or a "
            "value its table format does not allow"
        ) from exc
