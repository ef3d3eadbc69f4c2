"""Text tables exactly as astropy prints them, and CSV exactly as pyarrow writes it,
without importing either.

``mastcache sql`` and ``cache stats`` print plain tables (numbers, booleans, text); astropy
costs ~0.3 s of such a command, pyarrow ~0.4 s. :func:`render` writes what
``Table.pformat(max_lines=-1, max_width=-1)`` writes for those columns: each column as wide
as its widest line (at least 3), the name centered, a dashed line, values right-justified,
``--`` for a missing value, tabs and newlines shown as ``\\t`` and ``\\n``, columns joined
by one space. :func:`render_csv` writes what ``pyarrow.csv.write_csv`` writes. Other column
kinds (times, decimals, float32, units...) keep astropy's and pyarrow's own writers
(cli/output.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "PLAIN_ARROW_TYPES",
    "arrow_float",
    "is_plain_sql",
    "render",
    "render_arrow",
    "render_csv",
    "render_rows",
]

#: Arrow types whose values print here exactly as astropy prints the column it makes.
PLAIN_ARROW_TYPES = frozenset(
    {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
     "double", "string", "large_string"}
)  # fmt: skip


def render(names: Sequence[str], columns: Sequence[Sequence[Any]]) -> str:
    """The table of ``columns`` (Python values; None is missing) under ``names``."""
    blocks = [_column(name, values) for name, values in zip(names, columns, strict=True)]
    return "".join(" ".join(parts) + "\n" for parts in zip(*blocks, strict=True))


def render_arrow(arrow: Any) -> str | None:
    """``arrow`` (a ``pyarrow.Table``) rendered, or None when a column is not plain."""
    if arrow.schema.metadata or not all(_is_plain(field) for field in arrow.schema):
        return None
    columns = [column.to_pylist() for column in arrow.columns]
    if any(_has_nul(values) for values in columns):
        return None  # numpy text drops trailing NULs: astropy prints those differently
    return render(arrow.column_names, columns)


#: DuckDB types whose Python values print as their Arrow counterparts in PLAIN_ARROW_TYPES
#: do, and lists of them (printed as JSON text, as cli/output.py flattens nested columns).
_PLAIN_SQL = re.compile(
    r"(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DOUBLE"
    r"|VARCHAR)(\[\])*"
)


def is_plain_sql(type_name: str) -> bool:
    """Whether a column of this DuckDB type prints here as it would through Arrow."""
    return _PLAIN_SQL.fullmatch(type_name) is not None


def render_rows(
    names: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]],
    dumps: Callable[[Any], str],
) -> str | None:  # fmt: skip
    """The table of DuckDB ``rows`` (types from :func:`is_plain_sql`), lists as ``dumps``
    text; None when a value is not printed as astropy would (text holding a NUL)."""
    columns = _columns(types, rows, dumps)
    if any(_has_nul(values) for values in columns):
        return None
    return render(names, columns)


def render_csv(
    names: Sequence[str], types: Sequence[str], rows: Sequence[Sequence[Any]],
    dumps: Callable[[Any], str],
) -> str:  # fmt: skip
    """``rows`` as ``pyarrow.csv.write_csv`` writes them: names and text quoted (quotes
    doubled), numbers and ``true``/``false`` bare, nothing for a missing value."""
    columns = _columns(types, rows, dumps)
    lines = [",".join(_quoted(name) for name in names)]
    lines.extend(",".join(_csv_cell(value) for value in row) for row in zip(*columns, strict=True))
    return "".join(line + "\n" for line in lines) if names else ""


def _columns(
    types: Sequence[str], rows: Sequence[Sequence[Any]], dumps: Callable[[Any], str]
) -> list[list[Any]]:
    columns = [list(values) for values in zip(*rows, strict=True)] if rows else [[] for _ in types]
    for index, type_ in enumerate(types):
        if type_.endswith("[]"):
            columns[index] = [None if v is None else dumps(v) for v in columns[index]]
    return columns


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return arrow_float(value)
    if isinstance(value, int):
        return str(value)
    return _quoted(str(value))


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def arrow_float(value: float) -> str:
    """``value`` as Arrow prints a double: the shortest digits that read back exactly, in
    plain notation for exponents -7 < e < 10 (no ``.0``), else ``d.ddde+X``."""
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # digits before the decimal point
    minus = "-" if sign else ""
    if text == "0":
        return f"{minus}0"
    if -6 < point <= 10:  # 1e-6 .. 9.99e9 print in plain notation
        if point <= 0:
            return f"{minus}0.{'0' * -point}{text}"
        if point >= len(text):
            return f"{minus}{text}{'0' * (point - len(text))}"
        return f"{minus}{text[:point]}.{text[point:]}"
    mantissa = text[0] + (f".{text[1:]}" if len(text) > 1 else "")
    power = point - 1
    return f"{minus}{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


def _is_plain(field: Any) -> bool:
    return str(field.type) in PLAIN_ARROW_TYPES and not field.metadata


def _has_nul(values: list[Any]) -> bool:
    return any(isinstance(v, str) and "\x00" in v for v in values)


def _column(name: str, values: Sequence[Any]) -> list[str]:
    cells = [_cell(value) for value in values]
    title = _visible(name)
    width = max(3, len(title), *(len(cell) for cell in cells))
    return [title.center(width), "-" * width, *(cell.rjust(width) for cell in cells)]


def _cell(value: Any) -> str:
    if value is None:
        return "--"
    if isinstance(value, bytes):
        return _visible(value.decode("utf-8", errors="replace"))
    return _visible(str(value))  # floats: Python's shortest repr, as numpy's float64 str


def _visible(text: str) -> str:
    return text.replace("\t", "\\t").replace("\n", "\\n")
