"""Parquet behaviour the sampled mutation run found unguarded (docs/testing.md): content-named
files with their provenance, in-memory Parquet bytes, and copies of big decoded tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from astropy.table import MaskedColumn, Table
from tablecompare import assert_tables_equal

from mastcache.store.files import sha256_file
from mastcache.store.parquet import (
    PARALLEL_COPY_BYTES,
    decode_arrow,
    read_provenance,
    read_table,
    table_to_arrow,
    write_table_atomic,
    write_table_named,
)


def sample() -> Table:
    table = Table(masked=True)
    table["obs_id"] = ["a", "bb", "ccc"]
    table["s_ra"] = MaskedColumn([1.0, 2.0, 3.0], mask=[0, 1, 0], unit="deg")
    table.meta["note"] = "kept"
    return table


def test_a_content_named_file_holds_the_table_and_its_provenance(tmp_path: Path) -> None:
    provenance = {"key": "k" * 64, "service": "Mast.Caom.Cone"}
    path, digest, size = write_table_named(
        sample(), tmp_path / "tables", lambda sha: f"{sha[:16]}.parquet", provenance
    )
    assert path == tmp_path / "tables" / f"{digest[:16]}.parquet"
    assert sha256_file(path) == digest and path.stat().st_size == size
    assert read_provenance(path) == provenance
    assert_tables_equal(read_table(path), sample())


def test_a_file_without_provenance_describes_no_query(tmp_path: Path) -> None:
    write_table_atomic(sample(), tmp_path / "plain.parquet")
    assert read_provenance(tmp_path / "plain.parquet") == {}


def test_in_memory_parquet_bytes_read_like_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.parquet"
    write_table_atomic(sample(), path)
    data = path.read_bytes()
    assert_tables_equal(read_table(data), sample())
    assert_tables_equal(read_table(pa.py_buffer(data)), sample())


def test_a_copy_of_a_big_decoded_table_is_exact_and_independent() -> None:
    rows = PARALLEL_COPY_BYTES // 16 + 1  # two float64 columns: just over the threshold
    table = Table({"a": np.arange(rows, dtype=float), "b": -np.arange(rows, dtype=float)})
    decoded = decode_arrow(table_to_arrow(table))
    assert decoded.nbytes >= PARALLEL_COPY_BYTES
    first, second = decoded.build(copy=True), decoded.build(copy=True)
    first["a"][0] = 99.0
    assert second["a"][0] == 0.0 and second["b"][rows - 1] == -(rows - 1)
    assert_tables_equal(second, table)


def test_every_file_declares_its_layout_version_for_other_readers(tmp_path: Path) -> None:
    """Spark, DuckDB or a later mastcache read the layout version from the schema metadata."""
    import json

    import pyarrow.parquet as pq

    from mastcache.store.parquet import FORMAT_VERSION, SCHEMA_KEY

    write_table_atomic(sample(), tmp_path / "t.parquet")
    header = json.loads(pq.read_schema(tmp_path / "t.parquet").metadata[SCHEMA_KEY])
    assert header["format"] == FORMAT_VERSION == 1 and header["masked"] is True
