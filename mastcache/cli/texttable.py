"""Text tables exactly as astropy prints them, without importing astropy.

``mastcache sql`` and ``cache stats`` print plain tables (numbers, booleans, text); astropy
costs ~0.3 s of such a command. :func:`render` writes what ``Table.pformat(max_lines=-1,
max_width=-1)`` writes for those columns: each column as wide as its widest line (at least
3), the name centered, a dashed line, values right-justified, ``--`` for a missing value,
tabs and newlines shown as ``\\t`` and ``\\n``, columns joined by one space. Other column
kinds (times, decimals, float32, units...) keep astropy's own printing (cli/output.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["PLAIN_ARROW_TYPES", "render", "render_arrow"]

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
