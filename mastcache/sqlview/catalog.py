"""The cache catalog as DuckDB tables: queries, resolutions, product manifests, files.

These are small (one row per record). Each is handed to DuckDB as columns of text (list
parameters, or NumPy object arrays for large tables; DuckDB reads both without pandas or
pyarrow) and typed by a ``CAST`` in one ``CREATE TABLE``: `mastcache sql` never imports
pyarrow (~0.4 s, for a command that otherwise takes 0.2 s), and 10,000 cached queries load
in about as long as Arrow arrays took (issue 19).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from mastcache.sqlview.contents import CacheContents, QueryRows
from mastcache.sqlview.views import ident, literal
from mastcache.store import catalogrows
from mastcache.store.catalogrows import Row

__all__ = ["TABLES", "CatalogTables", "create_table"]

_TIME = "TIMESTAMP WITH TIME ZONE"

#: One column to load: its SQL type and its values as text (None is NULL).
_Column = tuple[str, list[str | None]]

#: The "type" of a catalog time column: UTC text with or without an offset (the store
#: writes "YYYY-MM-DD HH:MM:SS.ffffff"), read as UTC whatever DuckDB's time zone.
_CATALOG_TIME = "catalog time"

#: The catalog tables, in the order listings show them.
TABLES = ("files", "product_manifests", "queries", "resolutions")

#: Up to this many rows a table is loaded from list parameters (~1 ms a table); above it,
#: from NumPy arrays (faster per row, but NumPy costs `mastcache sql` ~65 ms to import).
_LIST_ROWS = 1000


class CatalogTables:
    """The catalog tables of one connection, each created when a statement first names it
    (most statements name only result views: `mastcache sql` then loads none)."""

    def __init__(self, connection: Any, contents: CacheContents) -> None:
        self._connection = connection
        self._contents = contents
        self._made: set[str] = set()
        #: The ``product_manifests`` columns (the union view ``products`` needs them).
        self.manifest_columns = _manifest_names(contents.manifest_rows)

    def prepare(self, referenced: Iterable[str], every: bool = False) -> None:
        """Create the tables among ``referenced`` (all of them if ``every``)."""
        wanted = set(TABLES) if every else {name.lower() for name in referenced}
        for name in TABLES:
            if name in wanted:
                self.make(name)

    def make(self, name: str) -> None:
        """Create table ``name`` (once)."""
        if name in self._made:
            return
        contents = self._contents
        if name == "queries":
            rows = contents.queries
            # the same catalog read (sqlview/contents.py memoises it) loads the same columns
            loaded = rows.remember(
                "catalog columns", lambda: _Loaded(_queries_columns(rows, rows.view_names))
            )
            loaded.create(self._connection, name, _expired(contents.read_at))
        elif name == "resolutions":
            columns = _resolutions_columns(contents.resolutions)
            create_table(self._connection, name, columns, _expired(contents.read_at))
        elif name == "files":
            create_table(self._connection, name, _files_columns(contents.files))
        else:
            columns = _manifests_columns(contents.products, contents.manifest_rows)
            create_table(self._connection, name, columns)
        self._made.add(name)


def _expired(now: datetime) -> str:
    """The ``is_expired`` column: ``expires_at`` has passed at ``now`` (never, if NULL)."""
    at = literal(now.astimezone(timezone.utc).isoformat(sep=" "))
    return f"coalesce(CAST(expires_at AS {_TIME}) <= CAST({at} AS {_TIME}), false) AS is_expired"


def create_table(connection: Any, name: str, columns: Mapping[str, _Column], *extra: str) -> None:
    """``CREATE TABLE name`` from columns of text (``{column: (SQL type, values)}``), each
    cast to its type, then the ``extra`` columns (SQL expressions over the loaded ones)."""
    _Loaded(columns).create(connection, name, *extra)


class _Loaded:
    """Columns of text ready for DuckDB: list parameters copied into a table, or (above
    :data:`_LIST_ROWS` rows) NumPy object arrays that a view reads where they are."""

    def __init__(self, columns: Mapping[str, _Column]) -> None:
        self.types = {column: type_ for column, (type_, _) in columns.items()}
        values = [column for _, column in columns.values()]
        self.as_lists = not values or len(values[0]) <= _LIST_ROWS
        if self.as_lists:
            self.values: list[Any] = values
        else:
            import numpy as np

            self.values = [np.array(column, dtype=object) for column in values]

    def create(self, connection: Any, name: str, *extra: str) -> None:
        casts = ", ".join(
            [*(f"{_cast(ident(column), type_)} AS {ident(column)}"
               for column, type_ in self.types.items()), *extra]
        )  # fmt: skip
        if self.as_lists:
            unnested = ", ".join(
                f"unnest(${index}::VARCHAR[]) AS {ident(column)}"
                for index, column in enumerate(self.types, start=1)
            )
            connection.execute(
                f"CREATE TABLE {ident(name)} AS SELECT {casts} FROM (SELECT {unnested})",
                self.values,
            )
            return
        # registered, not copied: a view casts only the columns and rows a query reads
        loaded = f"__mc_loaded_{name}"
        connection.register(loaded, dict(zip(self.types, self.values, strict=True)))
        connection.execute(f"CREATE VIEW {ident(name)} AS SELECT {casts} FROM {loaded}")


def _cast(column: str, type_: str) -> str:
    if type_ == _CATALOG_TIME:
        return f"coalesce(try_cast({column} || '+00:00' AS {_TIME}), CAST({column} AS {_TIME}))"
    return f"CAST({column} AS {type_})"


def _queries_columns(rows: QueryRows, view_names: Mapping[str, str]) -> dict[str, _Column]:
    """One row per cached query, with the name of its ``q_`` view."""
    keys: list[str | None] = list(rows.keys)
    return {
        "key": ("VARCHAR", keys),
        "view": ("VARCHAR", [view_names.get(key or "") for key in keys]),
        "service": ("VARCHAR", list(rows.column("service"))),
        "kind": ("VARCHAR", list(rows.column("kind"))),
        "params": ("VARCHAR", list(rows.column("params_json"))),
        "scope": ("VARCHAR", list(rows.column("scope"))),
        "nrows": ("BIGINT", _texts(rows.column("nrows"))),
        "nbytes": ("BIGINT", _texts(rows.column("nbytes"))),
        "table_path": ("VARCHAR", list(rows.column("table_path"))),
        "sha256": ("VARCHAR", list(rows.column("sha256"))),
        "fetched_at": (_CATALOG_TIME, list(rows.column("fetched_at"))),
        "expires_at": (_CATALOG_TIME, list(rows.column("expires_at"))),
    }


def _resolutions_columns(rows: Sequence[Row]) -> dict[str, _Column]:
    """One row per resolver entry (a name can resolve to several), flattened from SANTA."""
    at = _RESOLUTION_AT
    flat = [(row, entry) for row in rows for entry in (json.loads(row[at["entries_json"]]) or [{}])]

    def held(column: str) -> list[Any]:
        return [row[at[column]] for row, _ in flat]

    def pick(field: str) -> list[Any]:
        return [entry.get(field) for _, entry in flat]

    return {
        "name": ("VARCHAR", held("name")),
        "resolver_option": ("VARCHAR", [value or None for value in held("resolver")]),
        "resolve_all": ("BOOLEAN", _texts(bool(value) for value in held("resolve_all"))),
        "scope": ("VARCHAR", held("scope")),
        "canonical_name": ("VARCHAR", _texts(pick("canonicalName"))),
        "ra": ("DOUBLE", _floats(pick("ra"))),
        "dec": ("DOUBLE", _floats(pick("decl"))),
        "resolver": ("VARCHAR", _texts(pick("resolver"))),
        "object_type": ("VARCHAR", _texts(pick("objectType"))),
        "search_radius": ("DOUBLE", _floats(pick("searchRadius"))),
        "entry": ("VARCHAR", [_json(e) if e else None for _, e in flat]),
        "fetched_at": (_CATALOG_TIME, held("fetched_at")),
        "expires_at": (_CATALOG_TIME, held("expires_at")),
    }


def _files_columns(rows: Sequence[Row]) -> dict[str, _Column]:
    """One row per downloaded product file."""

    def held(column: str) -> list[Any]:
        return [row[_FILE_AT[column]] for row in rows]

    return {
        "uri": ("VARCHAR", held("uri")),
        "sha256": ("VARCHAR", held("sha256")),
        "size": ("BIGINT", _texts(held("size"))),
        "local_path": ("VARCHAR", held("local_path")),
        "status": ("VARCHAR", held("status")),
        "downloaded_at": (_CATALOG_TIME, held("downloaded_at")),
        "verified_at": (_CATALOG_TIME, held("verified_at")),
    }


#: Where a catalog row (store/catalogrows.py) holds each of its columns.
_RESOLUTION_AT = {name: at for at, name in enumerate(catalogrows.RESOLUTION_COLUMNS)}
_FILE_AT = {name: at for at, name in enumerate(catalogrows.FILE_COLUMNS)}
_PRODUCT_AT = {name: at for at, name in enumerate(catalogrows.PRODUCT_COLUMNS)}

#: Manifest fields under the names MAST's product lists use, so both union by name: their
#: SQL type and where a product row holds them.
_MANIFEST_FIELDS: dict[str, tuple[str, int]] = {
    "obsID": ("VARCHAR", _PRODUCT_AT["obsid"]),
    "dataURI": ("VARCHAR", _PRODUCT_AT["uri"]),
    "productFilename": ("VARCHAR", _PRODUCT_AT["filename"]),
    "size": ("BIGINT", _PRODUCT_AT["size"]),
    "checksum": ("VARCHAR", _PRODUCT_AT["checksum"]),
    "productGroupDescription": ("VARCHAR", _PRODUCT_AT["product_group"]),
    "productType": ("VARCHAR", _PRODUCT_AT["product_type"]),
    "scope": ("VARCHAR", _PRODUCT_AT["scope"]),
    "fetched_at": (_CATALOG_TIME, _PRODUCT_AT["fetched_at"]),
}


def _manifests_columns(
    rows: Sequence[Row], manifests: Sequence[dict[str, Any]]
) -> dict[str, _Column]:
    """Product manifest rows: the catalog's fields, then the other fields of MAST's row
    (``manifests``: each row's decoded manifest row)."""
    columns: dict[str, _Column] = {
        name: (type_, _texts(row[at] for row in rows))
        for name, (type_, at) in _MANIFEST_FIELDS.items()
    }
    for name in _manifest_names(manifests)[len(columns) :]:
        columns[name] = _loose_column([manifest.get(name) for manifest in manifests])
    return columns


def _manifest_names(manifests: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The ``product_manifests`` columns: the catalog's fields, then the other fields of
    MAST's rows, sorted."""
    taken = {name.lower() for name in _MANIFEST_FIELDS}
    extra = sorted({k for manifest in manifests for k in manifest if k.lower() not in taken})
    return (*_MANIFEST_FIELDS, *extra)


def _loose_column(values: list[Any]) -> _Column:
    """A free-form field: booleans, integers or numbers when every value is one (as Arrow
    infers them), else text (JSON for nested values)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "BOOLEAN", _texts(values)
    integers = all(isinstance(v, int) and not isinstance(v, bool) for v in present)
    if present and integers and all(-(2**63) <= v < 2**63 for v in present):
        return "BIGINT", _texts(values)
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return "DOUBLE", _floats(values)
    return "VARCHAR", [
        None if v is None else _json(v) if isinstance(v, dict | list) else str(v) for v in values
    ]


def _texts(values: Iterable[Any]) -> list[str | None]:
    return [_text(v) for v in values]


def _text(value: Any) -> str | None:
    """``value`` as text a SQL ``CAST`` reads back exactly (floats by their shortest repr)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _floats(values: Iterable[Any]) -> list[str | None]:
    """Numbers as text; a value that is not a number (or is empty) is NULL."""
    out: list[str | None] = []
    for value in values:
        try:
            number = None if value is None or value == "" else float(value)
        except (TypeError, ValueError):
            number = None
        out.append(None if number is None else repr(number))
    return out


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
