"""Arrow tables of the cache catalog: queries, resolutions, product manifests, files.

These are small (one row per record), so they are built in memory from the store's frozen
records and handed to DuckDB as Arrow objects, like the Parquet results.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from mastcache.sqlview.contents import QueryRows, parse_utc
from mastcache.store.records import FileRecord, ProductRecord, ResolutionRecord

__all__ = ["files_table", "manifests_table", "queries_table", "resolutions_table"]

_TIME = pa.timestamp("us", tz="UTC")


def queries_table(rows: QueryRows, view_names: Mapping[str, str], now: datetime) -> pa.Table:
    """One row per cached query, with the name of its ``q_`` view (built column by column:
    10,000 cached queries take milliseconds)."""
    fetched_at = _times(rows.column("fetched_at"))
    expires_at = _times(rows.column("expires_at"))
    expired = pa.array([t is not None and now >= t for t in rows.expires])
    table = _table(
        {
            "key": (pa.string(), rows.keys),
            "view": (pa.string(), [view_names.get(key) for key in rows.keys]),
            **{name: (pa.string(), rows.column(source)) for name, source in _QUERY_TEXT},
            "nrows": (pa.int64(), rows.column("nrows")),
            "nbytes": (pa.int64(), rows.column("nbytes")),
            "table_path": (pa.string(), rows.column("table_path")),
            "sha256": (pa.string(), rows.column("sha256")),
        }
    )
    return (
        table.append_column("fetched_at", fetched_at)
        .append_column("expires_at", expires_at)
        .append_column("is_expired", expired)
    )


#: Text columns of ``queries`` after ``view``: (name, catalog column).
_QUERY_TEXT = (("service", "service"), ("kind", "kind"), ("params", "params_json"),
               ("scope", "scope"))  # fmt: skip


def _times(texts: Sequence[str | None]) -> pa.Array:
    """The catalog's UTC text times as Arrow timestamps (Arrow parses; Python if it cannot)."""
    try:
        return pa.array(texts, type=pa.string()).cast(pa.timestamp("us")).cast(_TIME)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if t is None else parse_utc(t) for t in texts], type=_TIME)


def resolutions_table(records: Sequence[ResolutionRecord], now: datetime) -> pa.Table:
    """One row per resolver entry (a name can resolve to several), flattened from SANTA."""
    rows = [(r, entry) for r in records for entry in (r.entries or [{}])]

    def pick(field: str) -> list[Any]:
        return [entry.get(field) for _, entry in rows]

    return _table(
        {
            "name": (pa.string(), [r.name for r, _ in rows]),
            "resolver_option": (pa.string(), [r.resolver for r, _ in rows]),
            "resolve_all": (pa.bool_(), [r.resolve_all for r, _ in rows]),
            "scope": (pa.string(), [r.scope for r, _ in rows]),
            "canonical_name": (pa.string(), _strings(pick("canonicalName"))),
            "ra": (pa.float64(), _floats(pick("ra"))),
            "dec": (pa.float64(), _floats(pick("decl"))),
            "resolver": (pa.string(), _strings(pick("resolver"))),
            "object_type": (pa.string(), _strings(pick("objectType"))),
            "search_radius": (pa.float64(), _floats(pick("searchRadius"))),
            "entry": (pa.string(), [_json(e) if e else None for _, e in rows]),
            "fetched_at": (_TIME, [r.fetched_at for r, _ in rows]),
            "expires_at": (_TIME, [r.expires_at for r, _ in rows]),
            "is_expired": (pa.bool_(), [r.is_expired(now) for r, _ in rows]),
        }
    )


def files_table(records: Sequence[FileRecord]) -> pa.Table:
    """One row per downloaded product file."""
    return _table(
        {
            "uri": (pa.string(), [r.uri for r in records]),
            "sha256": (pa.string(), [r.sha256 for r in records]),
            "size": (pa.int64(), [r.size for r in records]),
            "local_path": (pa.string(), [r.local_path for r in records]),
            "status": (pa.string(), [r.status for r in records]),
            "downloaded_at": (_TIME, [r.downloaded_at for r in records]),
            "verified_at": (_TIME, [r.verified_at for r in records]),
        }
    )


#: Manifest fields under the names MAST's product lists use, so both union by name.
_MANIFEST_FIELDS: dict[str, tuple[pa.DataType, Callable[[ProductRecord], Any]]] = {
    "obsID": (pa.string(), lambda r: r.obsid),
    "dataURI": (pa.string(), lambda r: r.uri),
    "productFilename": (pa.string(), lambda r: r.filename),
    "size": (pa.int64(), lambda r: r.size),
    "checksum": (pa.string(), lambda r: r.checksum),
    "productGroupDescription": (pa.string(), lambda r: r.product_group),
    "productType": (pa.string(), lambda r: r.product_type),
    "scope": (pa.string(), lambda r: r.scope),
    "fetched_at": (_TIME, lambda r: r.fetched_at),
}


def manifests_table(records: Sequence[ProductRecord]) -> pa.Table:
    """Product manifest rows: the record's fields, then the other fields of MAST's row."""
    columns = {
        name: (type_, [get(r) for r in records]) for name, (type_, get) in _MANIFEST_FIELDS.items()
    }
    taken = {name.lower() for name in columns}
    extra = sorted({k for r in records for k in r.row if k.lower() not in taken})
    arrays = {name: _loose_array([r.row.get(name) for r in records]) for name in extra}
    table = _table(columns)
    for name, array in arrays.items():
        table = table.append_column(name, array)
    return table


def _table(columns: Mapping[str, tuple[pa.DataType, Sequence[Any]]]) -> pa.Table:
    arrays = [pa.array(values, type=type_) for type_, values in columns.values()]
    return pa.Table.from_arrays(arrays, names=list(columns))


def _loose_array(values: list[Any]) -> pa.Array:
    """Values of one free-form field: typed when Arrow agrees, else text (JSON for nests)."""
    plain = [_json(v) if isinstance(v, (dict, list)) else v for v in values]
    try:
        array = pa.array(plain)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(_strings(plain), type=pa.string())
    return array.cast(pa.string()) if pa.types.is_null(array.type) else array


def _strings(values: Iterable[Any]) -> list[str | None]:
    return [None if v is None else str(v) for v in values]


def _floats(values: Iterable[Any]) -> list[float | None]:
    out: list[float | None] = []
    for value in values:
        try:
            out.append(None if value is None or value == "" else float(value))
        except (TypeError, ValueError):
            out.append(None)
    return out


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
