"""Exact ``astropy.table.Table`` <-> Arrow <-> Parquet, and atomic Parquet files.

Column details live in :mod:`.columns`; here the table level: column order, ``Table.meta``
and a small self-description of the query (key, service...) in the schema metadata under
``b"mastcache"``. Files are readable by any Parquet reader (DuckDB, Spark, pandas, polars),
and carry astropy's own header too (:mod:`.astropy_header`), so ``Table.read(path)`` works.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq
from astropy.table import Column, Table

from mastcache.errors import CorruptEntryError
from mastcache.store.astropy_header import astropy_metadata
from mastcache.store.columns import DecodedColumn, column_field, column_to_arrow, decode_column
from mastcache.store.files import write_atomic, write_atomic_named
from mastcache.store.metadata import dump_meta, load_meta

__all__ = [
    "FORMAT_VERSION",
    "SCHEMA_KEY",
    "DecodedTable",
    "arrow_to_table",
    "decode_arrow",
    "read_arrow",
    "read_decoded",
    "read_provenance",
    "read_table",
    "remember_arrow",
    "table_to_arrow",
    "write_table_atomic",
    "write_table_named",
]

SCHEMA_KEY = b"mastcache"
#: Tables with at least this many cells convert their columns on a thread pool.
PARALLEL_CELLS = 200_000
#: Decoded tables of at least this many bytes are copied on the thread pool.
PARALLEL_COPY_BYTES = 8_000_000
_EXECUTOR: ThreadPoolExecutor | None = None
_EXECUTOR_LOCK = threading.Lock()
_READY: dict[int, tuple[weakref.ref[Table], tuple[tuple[str, int], ...], pa.Table]] = {}
_READY_LOCK = threading.Lock()
FORMAT_VERSION = 1
COMPRESSION = "snappy"  # the hot path reads: ~1.5x faster to decode than zstd, files ~15% larger


def table_to_arrow(table: Table, provenance: Mapping[str, Any] | None = None) -> pa.Table:
    """Arrow table holding ``table`` exactly; ``provenance`` (JSON-able) describes the query.

    A table that was just built from Arrow data (:func:`remember_arrow`) and still has the
    same columns is not converted again: that data is used, once.
    """
    ready = _ready_arrow(table)
    if ready is not None:
        fields, arrays = list(ready.schema), list(ready.columns)
    else:
        fields, arrays = [], []
        for name in table.colnames:
            field, array = column_to_arrow(name, table.columns[name])
            fields.append(field)
            arrays.append(array)
    header: dict[str, Any] = {"format": FORMAT_VERSION, "masked": bool(table.masked)}
    if table.meta:
        header["meta"] = dump_meta(table.meta)
    if provenance:
        header["query"] = dict(provenance)
    metadata = {SCHEMA_KEY: json.dumps(header).encode(), **astropy_metadata(table)}
    schema = pa.schema(fields, metadata=metadata)
    return pa.Table.from_arrays(arrays, schema=schema)


def remember_arrow(table: Table, arrow: pa.Table) -> None:
    """Note that ``arrow`` holds ``table``'s columns exactly (the fields :func:`column_to_arrow`
    would give), so the next :func:`table_to_arrow` of it uses ``arrow`` instead of converting.
    Used once; forgotten with the table; ignored once the table's columns were replaced."""
    ident = id(table)

    def forget(_: object) -> None:
        with _READY_LOCK:
            _READY.pop(ident, None)

    entry = (weakref.ref(table, forget), _column_ids(table), arrow)
    with _READY_LOCK:
        _READY[ident] = entry


def _ready_arrow(table: Table) -> pa.Table | None:
    with _READY_LOCK:
        entry = _READY.pop(id(table), None)
    if entry is None:
        return None
    owner, columns, arrow = entry
    rows = len(table)
    if owner() is not table or columns != _column_ids(table) or arrow.num_rows != rows:
        return None
    return arrow if _fields_still_match(table, arrow.schema) else None


def _fields_still_match(table: Table, schema: pa.Schema) -> bool:
    """Each column is still a plain Column with the unit, format, meta... its field says."""
    for field, column in zip(schema, table.columns.values(), strict=True):
        if not isinstance(column, Column):
            return False
        if not column_field(field.name, column, field.type).equals(field, check_metadata=True):
            return False
    return True


def _column_ids(table: Table) -> tuple[tuple[str, int], ...]:
    return tuple((name, id(column)) for name, column in table.columns.items())


@dataclass(frozen=True)
class DecodedTable:
    """A stored table decoded to numpy: :meth:`build` makes astropy Tables from it cheaply,
    as often as needed (the hot cache keeps these and builds a copy per hit)."""

    columns: tuple[DecodedColumn, ...]
    masked: bool
    meta: Mapping[str, str] | None  # as stored (dump_meta): loaded afresh per build

    @cached_property
    def nbytes(self) -> int:
        """Bytes held by every column's values and mask."""
        return sum(column.nbytes for column in self.columns)

    def build(self, *, copy: bool) -> Table:
        """A new Table; ``copy=True`` gives it data, masks and meta of its own."""
        table = Table(masked=self.masked)
        parts = self.columns
        if copy and self.nbytes >= PARALLEL_COPY_BYTES:  # memory-bound: spread over cores
            parts, copy = tuple(_executor().map(DecodedColumn.copied, parts)), False
        columns = [column.build(copy=copy) for column in parts]
        if columns:
            _adopt_columns(table, columns)
        if self.meta is not None:
            table.meta = load_meta(self.meta)
        return table


def _adopt_columns(table: Table, columns: list[Any]) -> None:
    """Install freshly built ``columns`` in an empty ``table`` without astropy re-wrapping
    each one (``Table(columns, copy=False)`` builds every column a second time: ~2x slower).
    """
    adopt = getattr(table, "_init_from_cols", None)
    if adopt is None:  # an astropy without the private method: the public, slower path
        table.add_columns(columns, copy=False)
        return
    adopt(columns)


def arrow_to_table(arrow: pa.Table) -> Table:
    """The astropy Table that :func:`table_to_arrow` stored (any Arrow table works too)."""
    return decode_arrow(arrow).build(copy=False)


def decode_arrow(arrow: pa.Table) -> DecodedTable:
    """The decoded parts of the table in ``arrow`` (see :class:`DecodedTable`)."""
    header = _header(arrow.schema)
    columns = tuple(_convert_columns(arrow))
    return DecodedTable(columns, bool(header.get("masked", False)), header.get("meta"))


def _convert_columns(arrow: pa.Table) -> list[DecodedColumn]:
    """Every column, on several threads for big tables (numpy and Arrow release the GIL;
    building wide ``U`` arrays is memory-bound work that spreads well over cores)."""

    def convert(index: int) -> DecodedColumn:
        return decode_column(arrow.schema.field(index), arrow.column(index))

    indices = range(arrow.num_columns)
    if arrow.num_rows * arrow.num_columns < PARALLEL_CELLS or arrow.num_columns < 2:
        return [convert(index) for index in indices]
    return list(_executor().map(convert, indices))


def _executor() -> ThreadPoolExecutor:
    global _EXECUTOR
    with _EXECUTOR_LOCK:
        if _EXECUTOR is None:  # created on first use, never at import
            workers = max(1, min(8, pa.cpu_count()))
            _EXECUTOR = ThreadPoolExecutor(workers, thread_name_prefix="mastcache-parquet")
        return _EXECUTOR


def write_table_atomic(
    table: Table, path: Path, provenance: Mapping[str, Any] | None = None
) -> tuple[str, int]:
    """Write ``table`` to ``path`` atomically; returns ``(sha256, nbytes)`` of the file."""
    return write_atomic(path, _parquet_writer(table, provenance))


def write_table_named(
    table: Table,
    directory: Path,
    name_for: Callable[[str], str],
    provenance: Mapping[str, Any] | None = None,
) -> tuple[Path, str, int]:
    """Write ``table`` atomically as ``directory / name_for(sha256)``; returns the path too."""
    return write_atomic_named(directory, name_for, _parquet_writer(table, provenance))


def _parquet_writer(
    table: Table, provenance: Mapping[str, Any] | None
) -> Callable[[BinaryIO], None]:
    arrow = table_to_arrow(table, provenance)

    def write(handle: BinaryIO) -> None:
        pq.write_table(arrow, handle, compression=COMPRESSION)

    return write


def read_table(source: Path | pa.Buffer | bytes) -> Table:
    """The Table in a Parquet file or in-memory Parquet bytes."""
    return read_decoded(source).build(copy=False)


def read_decoded(source: Path | pa.Buffer | bytes) -> DecodedTable:
    """The decoded parts of the table in a Parquet file or in-memory Parquet bytes."""
    return decode_arrow(read_arrow(source))


def read_arrow(source: Path | pa.Buffer | bytes) -> pa.Table:
    """The Arrow table in a Parquet file or bytes, low-cardinality string columns as
    dictionaries (see :func:`_dictionary_columns`): decoding them densely would build each
    repeated value again. :func:`decode_arrow` turns it into columns."""
    if isinstance(source, (bytes, pa.Buffer)):
        source = pa.BufferReader(source)
    try:
        metadata = pq.read_metadata(source)
        dictionaries = _dictionary_columns(metadata)
        handle = pq.ParquetFile(
            source, metadata=metadata, read_dictionary=dictionaries, pre_buffer=True
        )
        return handle.read(use_threads=True)
    except (pa.ArrowInvalid, OSError) as exc:
        raise CorruptEntryError(
            f"cannot read Parquet data ({exc}): the cached file is damaged; "
            "run `mastcache cache verify` or fetch the query again"
        ) from exc


def _dictionary_columns(metadata: pq.FileMetaData) -> list[int]:
    """Leaf columns of strings/bytes whose dictionary page is at most a byte per value in
    every row group: few distinct values, so no fallback to plain pages and a cheap take."""
    groups = [metadata.row_group(index) for index in range(metadata.num_row_groups)]
    return [
        leaf
        for leaf in range(metadata.num_columns)
        if groups and all(_is_small_dictionary(group.column(leaf)) for group in groups)
    ]


def _is_small_dictionary(chunk: pq.ColumnChunkMetaData) -> bool:
    if chunk.physical_type != "BYTE_ARRAY" or not chunk.has_dictionary_page:
        return False
    page_bytes = int(chunk.data_page_offset) - int(chunk.dictionary_page_offset)
    return 0 < page_bytes <= int(chunk.num_values)


def read_provenance(path: Path) -> dict[str, Any]:
    """The query description stored in a Parquet file's schema (empty if none)."""
    query = _header(pq.read_schema(path)).get("query", {})
    return dict(query)


def _header(schema: pa.Schema) -> dict[str, Any]:
    raw = (schema.metadata or {}).get(SCHEMA_KEY)
    return json.loads(raw) if raw else {}
