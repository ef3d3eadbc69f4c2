"""How commands print tables: a readable table on a terminal, or csv/json/parquet/fits/votable.

Shared by every command that outputs a table, so formats behave the same everywhere. Files
are written atomically (temp file, rename); binary formats need ``--output``. Parquet
exports carry astropy's header, so ``Table.read`` opens them; FITS and VOTable are written
by astropy's own writers.
"""

from __future__ import annotations

import functools
import io
import json
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

__all__ = [
    "FORMATS",
    "SUFFIX_FORMATS",
    "emit_rows",
    "emit_table",
    "emit_text",
    "format_options",
    "output_format",
]

FORMATS = ("table", "csv", "json", "parquet", "fits", "votable")
#: Formats that are files, never standard output.
BINARY_FORMATS = ("parquet", "fits", "votable")

F = TypeVar("F", bound=Callable[..., Any])


#: ``--output`` suffixes that choose the format when ``--format`` is not given.
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".fits": "fits",
    ".fit": "fits",
    ".fts": "fits",
    ".xml": "votable",
    ".vot": "votable",
    ".votable": "votable",
}


def output_format(fmt: str | None, output: str | None) -> str:
    """``--format`` as given, else the one ``--output``'s suffix names, else ``table``."""
    if fmt is not None:
        return fmt
    if output is None or output == "-":
        return "table"
    return SUFFIX_FORMATS.get(Path(output).suffix.lower(), "table")


def format_options(func: F) -> F:
    """Add ``--format`` and ``--output`` to a command; the command gets the format resolved
    by :func:`output_format` (``-o result.csv`` writes CSV)."""

    command = func

    @functools.wraps(command)
    def resolved(*args: Any, **kwargs: Any) -> Any:
        kwargs["fmt"] = output_format(kwargs.get("fmt"), kwargs.get("output"))
        return command(*args, **kwargs)

    func = cast(F, resolved)
    func = click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        callback=_writable_output,
        help="Write to this file instead of standard output (required for parquet, fits "
        "and votable).",
    )(func)
    func = click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default=None,
        help="Output format. Default: the one the --output file's suffix names (.csv, .json, "
        ".parquet, .fits, .xml/.vot), else table.",
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


def _is_arrow(table: Any) -> bool:
    pyarrow = sys.modules.get("pyarrow")  # an Arrow table means pyarrow is imported already
    return pyarrow is not None and isinstance(table, pyarrow.Table)


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
    if _is_arrow(table) and not sys.stdout.isatty():  # a terminal: astropy fits the width
        from mastcache.cli.texttable import render_arrow

        text = render_arrow(_flatten_nested(table))
        if text is not None:
            return text
    from astropy.table import Table

    if not isinstance(table, Table):
        from mastcache.store.parquet import arrow_to_table

        table = arrow_to_table(_flatten_nested(table))
    lines = table.pformat(max_lines=-1, max_width=-1 if not sys.stdout.isatty() else None)
    return "\n".join(lines) + "\n"


def emit_table(table: Any, fmt: str = "table", output: str | None = None) -> None:
    """Write ``table`` (astropy or Arrow) in ``fmt`` to ``output`` or standard output."""
    if fmt in BINARY_FORMATS:
        if output is None:
            raise click.UsageError(f"--format {fmt} needs --output FILE")
        writer = {"parquet": _parquet_writer, "fits": _fits_writer, "votable": _votable_writer}
        write_atomic_file(output, writer[fmt](table))
        return
    render = {"table": _to_text, "csv": _to_csv, "json": _rows_as_json}[fmt]
    emit_text(render(table), output)


def emit_rows(
    names: list[str],
    types: list[str],
    rows: Callable[[], list[tuple[Any, ...]]],
    arrow: Callable[[], Any],
    fmt: str = "table",
    output: str | None = None,
) -> None:
    """Write a SQL answer (column ``names``, DuckDB ``types``) in ``fmt``: as Python
    ``rows()`` when every column is plain and the text is the one Arrow and astropy would
    write (`mastcache sql` then imports neither), else through ``arrow()``."""
    from mastcache.cli import texttable

    native = fmt in ("csv", "json") or (fmt == "table" and not sys.stdout.isatty())
    if native and all(texttable.is_plain_sql(type_) for type_ in types):
        fetched = rows()
        dumps = _json_cell
        if fmt == "json":
            records = [dict(zip(names, row, strict=True)) for row in fetched]
            text: str | None = json.dumps(records, default=_json_default, indent=None) + "\n"
        elif fmt == "csv":
            text = texttable.render_csv(names, types, fetched, dumps)
        else:
            text = texttable.render_rows(names, types, fetched, dumps)
        if text is not None:
            emit_text(text, output)
            return
    emit_table(arrow(), fmt, output)


def _json_cell(value: Any) -> str:
    return json.dumps(value, default=_json_default)


def emit_text(text: str, output: str | None = None) -> None:
    """Write ``text`` to ``output`` (atomically) or standard output."""
    if output is None:
        click.echo(text, nl=False)
    else:
        encoded = text.encode("utf-8")
        write_atomic_file(output, lambda path: _write_bytes(path, encoded))


def write_atomic_file(output: str, write: Callable[[str], None]) -> None:
    """Run ``write(temp_path)`` beside ``output``, then rename; any failure is one line."""
    from mastcache.store.files import export_atomic

    export_atomic(output, write)


def _write_bytes(path: str, data: bytes) -> None:
    Path(path).write_bytes(data)


def _parquet_writer(table: Any) -> Callable[[str], None]:
    import pyarrow.parquet as pq

    arrow = _with_string_widths(_to_arrow(table))
    return lambda path: pq.write_table(arrow, path)


def _with_string_widths(arrow: Any) -> Any:
    """Arrow from SQL: add astropy's ``table::len::<name>`` so ``Table.read`` sizes strings
    without tripping on nulls (tables converted from astropy already carry its header)."""
    import pyarrow.compute as pc

    metadata = dict(arrow.schema.metadata or {})
    for field, column in zip(arrow.schema, arrow.columns, strict=True):
        key = f"table::len::{field.name}".encode()
        values = _string_leaves(column)
        if key in metadata or values is None:
            continue
        longest = pc.max(pc.utf8_length(values)).as_py() if len(values) else None
        metadata[key] = str(max(1, longest or 1)).encode()
    return arrow.replace_schema_metadata(metadata)


def _string_leaves(column: Any) -> Any:
    """The string values of a string (or list of strings) column, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def is_text(type_: Any) -> bool:
        return bool(pa.types.is_string(type_) or pa.types.is_large_string(type_))

    if is_text(column.type):
        return column
    if pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
        return pc.list_flatten(column) if is_text(column.type.value_type) else None
    return None


def _as_astropy(table: Any) -> Any:
    from astropy.table import Table

    if isinstance(table, Table):
        return table
    from mastcache.store.parquet import arrow_to_table

    return arrow_to_table(_flatten_nested(table))


def _fits_writer(table: Any) -> Callable[[str], None]:
    return _astropy_writer(_as_astropy(table), "fits")


def _votable_writer(table: Any) -> Callable[[str], None]:
    return _astropy_writer(_as_astropy(table), "votable")


def _astropy_writer(table: Any, fmt: str) -> Callable[[str], None]:
    from mastcache.errors import ConfigurationError

    def write(path: str) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # meta FITS cannot hold is left out, quietly
                table.write(path, format=fmt, overwrite=True)
        except (ValueError, TypeError, KeyError) as exc:
            raise ConfigurationError(
                f"cannot write this table as {fmt}: {str(exc).splitlines()[0] if str(exc) else exc}"
                "; try --format parquet or csv"
            ) from exc

    return write
