"""How commands print tables: a readable table on a terminal, or csv/json/parquet.

Shared by every command that outputs a table, so formats behave the same everywhere.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

__all__ = ["FORMATS", "emit_table", "format_options"]

FORMATS = ("table", "csv", "json", "parquet")

F = TypeVar("F", bound=Callable[..., Any])


def format_options(func: F) -> F:
    """Add ``--format`` and ``--output`` to a command."""
    func = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        callback=_writable_output,
        help="Write to this file instead of standard output (required for parquet).",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )(func)
    return func


def _writable_output(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Refuse, before any work, an output file whose folder is missing or not writable."""
    if value is None or value == "-":
        return value
    import os

    folder = Path(value).parent
    if not folder.is_dir():
        raise click.BadParameter(f"{value!r}: the folder {str(folder)!r} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise click.BadParameter(f"{value!r}: the folder {str(folder)!r} cannot be written")
    return value


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _rows_as_json(table: Any) -> str:
    arrow = _to_arrow(table)
    return json.dumps(arrow.to_pylist(), default=_json_default, indent=None) + "\n"


def _to_arrow(table: Any) -> Any:
    import pyarrow as pa

    if isinstance(table, pa.Table):
        return table
    from mastcache.store.parquet import table_to_arrow

    return table_to_arrow(table)


def _to_csv(table: Any) -> str:
    import pyarrow.csv as pacsv

    sink = io.BytesIO()
    pacsv.write_csv(_flatten_nested(_to_arrow(table)), sink)
    return sink.getvalue().decode("utf-8")


def _flatten_nested(arrow: Any) -> Any:
    """Lists and structs become JSON text (``["a", "b"]``): CSV and text tables have no nesting."""
    import pyarrow as pa

    for index, field in enumerate(arrow.schema):
        if pa.types.is_nested(field.type) or pa.types.is_interval(field.type):
            cells = [
                None if v is None else json.dumps(v, default=_json_default)
                for v in arrow.column(index).to_pylist()
            ]
            arrow = arrow.set_column(index, field.name, pa.array(cells, type=pa.string()))
    return arrow


def _to_text(table: Any) -> str:
    from astropy.table import Table

    if not isinstance(table, Table):
        from mastcache.store.parquet import arrow_to_table

        table = arrow_to_table(_flatten_nested(table))
    lines = table.pformat(max_lines=-1, max_width=-1 if not sys.stdout.isatty() else None)
    return "\n".join(lines) + "\n"


def emit_table(table: Any, fmt: str = "table", output: str | None = None) -> None:
    """Write ``table`` (astropy or Arrow) in ``fmt`` to ``output`` or standard output."""
    if fmt == "parquet":
        if output is None:
            raise click.UsageError("--format parquet needs --output FILE")
        import pyarrow.parquet as pq

        pq.write_table(_to_arrow(table), output)
        return
    render = {"table": _to_text, "csv": _to_csv, "json": _rows_as_json}[fmt]
    text = render(table)
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
