"""Resolutions and product manifests as deterministic Parquet members of a snapshot.

Nested values (SANTA entries, MAST's manifest rows) travel as canonical JSON text columns,
so the same records always give the same bytes and any Parquet reader can open them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mastcache.errors import SnapshotError
from mastcache.store.records import ProductRecord, ResolutionRecord, as_utc

__all__ = [
    "parquet_to_products",
    "parquet_to_resolutions",
    "products_to_parquet",
    "resolutions_to_parquet",
]

_TIME = pa.timestamp("us", tz="UTC")
RESOLUTION_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("resolver", pa.string()),
        ("resolve_all", pa.bool_()),
        ("scope", pa.string()),
        ("entries_json", pa.string()),
        ("fetched_at", _TIME),
        ("expires_at", _TIME),
    ]
)
PRODUCT_SCHEMA = pa.schema(
    [
        ("obsid", pa.string()),
        ("uri", pa.string()),
        ("filename", pa.string()),
        ("scope", pa.string()),
        ("size", pa.int64()),
        ("checksum", pa.string()),
        ("product_group", pa.string()),
        ("product_type", pa.string()),
        ("fetched_at", _TIME),
        ("row_json", pa.string()),
    ]
)


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _to_parquet(rows: list[dict[str, Any]], schema: pa.Schema) -> bytes:
    table = pa.Table.from_pylist(rows, schema=schema)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def _from_parquet(data: bytes, schema: pa.Schema, member: str) -> list[dict[str, Any]]:
    try:
        table = pq.read_table(pa.BufferReader(data))
        rows: list[dict[str, Any]] = table.select(schema.names).cast(schema).to_pylist()
    except (pa.ArrowException, KeyError, ValueError) as exc:
        raise SnapshotError(f"{member} is not the table a snapshot holds ({exc})") from exc
    return rows


def resolutions_to_parquet(records: Iterable[ResolutionRecord]) -> bytes:
    rows = [
        {
            "name": r.name,
            "resolver": r.resolver,
            "resolve_all": r.resolve_all,
            "scope": r.scope,
            "entries_json": _json(r.entries),
            "fetched_at": r.fetched_at,
            "expires_at": r.expires_at,
        }
        for r in records
    ]
    return _to_parquet(rows, RESOLUTION_SCHEMA)


def parquet_to_resolutions(data: bytes) -> list[ResolutionRecord]:
    rows = _from_parquet(data, RESOLUTION_SCHEMA, "resolutions.parquet")
    return [
        ResolutionRecord(
            name=row["name"],
            resolver=row["resolver"],
            resolve_all=bool(row["resolve_all"]),
            scope=row["scope"],
            entries=json.loads(row["entries_json"]),
            fetched_at=as_utc(row["fetched_at"]),
            expires_at=None if row["expires_at"] is None else as_utc(row["expires_at"]),
        )
        for row in rows
    ]


def products_to_parquet(records: Iterable[ProductRecord]) -> bytes:
    rows = [
        {
            "obsid": p.obsid,
            "uri": p.uri,
            "filename": p.filename,
            "scope": p.scope,
            "size": p.size,
            "checksum": p.checksum,
            "product_group": p.product_group,
            "product_type": p.product_type,
            "fetched_at": p.fetched_at,
            "row_json": _json(p.row),
        }
        for p in records
    ]
    return _to_parquet(rows, PRODUCT_SCHEMA)


def parquet_to_products(data: bytes) -> list[ProductRecord]:
    rows = _from_parquet(data, PRODUCT_SCHEMA, "products.parquet")
    return [
        ProductRecord(
            obsid=row["obsid"],
            uri=row["uri"],
            filename=row["filename"],
            scope=row["scope"],
            size=row["size"],
            checksum=row["checksum"],
            product_group=row["product_group"],
            product_type=row["product_type"],
            fetched_at=None if row["fetched_at"] is None else as_utc(row["fetched_at"]),
            row=json.loads(row["row_json"]),
        )
        for row in rows
    ]
