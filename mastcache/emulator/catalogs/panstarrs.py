"""Pan-STARRS through MAST's catalogs API (MAST_PROTOCOL.md section 6):
`POST /api/v0.1/panstarrs/<release>/<table>.json` (a JSON body, or GET with a query string)
and `GET /api/v0.1/panstarrs/<release>/<table>/metadata.json`.

A query is a cone (`ra`, `dec`, `radius` degrees) or the whole table, filtered by
`<column>[.<op>]` keys, sorted by `sort_by`, cut to `columns` and paged by `pagesize`/`page`.
The answer is `{"info": [...], "data": [[...], ...]}` with positional rows, streamed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from mastcache.emulator.catalogs.field import field_for, scaled_cone
from mastcache.emulator.catalogs.panstarrs_columns import TABLES, metadata, table_schema
from mastcache.emulator.catalogs.panstarrs_query import PanstarrsQuery, parse_query
from mastcache.emulator.catalogs.results import Selection
from mastcache.emulator.catalogs.values import to_json_values
from mastcache.emulator.reply import JSON_TYPE, Reply, encode_json
from mastcache.errors import InvalidQueryError

ROWS_PER_CHUNK: Final = 5000


class PanstarrsCatalog:
    """Pan-STARRS tables for one seed; `scale_rows` makes every cone return that many rows."""

    def __init__(self, seed: int, scale_rows: int | None) -> None:
        self.seed = seed
        self.scale_rows = scale_rows

    def metadata(self, release: str, table: str) -> Reply:
        """The table's column list."""
        try:
            return Reply.json(list(metadata(release, table)))
        except KeyError:
            return _unknown(release, table)

    def query(self, release: str, table: str, params: Mapping[str, Any]) -> Reply:
        """Rows of one table for a query (HTTP 400 with `detail` when it is bad)."""
        if release not in TABLES or table not in TABLES[release]:
            return _unknown(release, table)
        try:
            query = parse_query(params, metadata(release, table))
            selection = self._select(release, table, query)
        except InvalidQueryError as exc:
            return Reply.json({"detail": str(exc)}, status=400)
        return Reply.stream(_body(selection, query, metadata(release, table)), JSON_TYPE)

    def _select(self, release: str, table: str, query: PanstarrsQuery) -> Selection:
        schema = table_schema(release, table)
        if query.cone is not None and self.scale_rows is not None:
            field = scaled_cone(self.seed, schema, query.cone, self.scale_rows)
        else:
            field = field_for(self.seed, schema)
        if query.cone is None:
            selection = Selection(field, field.everything())
        else:
            hits = field.cone(*query.cone)
            selection = Selection(field, hits.index, hits.distance_deg)
        return query.apply(selection)


def _unknown(release: str, table: str) -> Reply:
    known = "; ".join(f"{r}: {', '.join(t)}" for r, t in TABLES.items())
    message = f"Unknown Pan-STARRS release/table '{release}/{table}'. Known: {known}."
    return Reply.json({"detail": message}, status=400)


def _body(
    selection: Selection, query: PanstarrsQuery, entries: tuple[dict[str, Any], ...]
) -> Iterator[bytes]:
    by_name = {e["column_name"]: e for e in entries}
    info = [_info(by_name[name]) for name in query.columns]
    yield b'{"info":' + encode_json(info) + b',"data":['
    rows = query.page_rows(len(selection))
    first = True
    for start in range(rows.start, rows.stop, ROWS_PER_CHUNK):
        stop = min(start + ROWS_PER_CHUNK, rows.stop)
        chunk = _rows(selection, query.columns, by_name, start, stop)
        text = json.dumps(chunk, separators=(",", ":"), allow_nan=False)[1:-1]
        yield (text if first else "," + text).encode("utf-8")
        first = False
    yield b"]}"


def _info(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": entry["column_name"], "type": entry["type"], "db_type": entry["db_type"],
        "description": entry["description"],
    }  # fmt: skip


def _rows(
    selection: Selection,
    names: tuple[str, ...],
    by_name: Mapping[str, Mapping[str, Any]],
    start: int,
    stop: int,
) -> list[tuple[Any, ...]]:
    """Rows start..stop of the selection (tuples encode as JSON arrays); BIGINT values are
    strings, like MAST's."""
    part = selection.index[start:stop]
    columns: dict[str, list[Any]] = {}
    for name in names:
        values = to_json_values(selection.field.columns[name][part])
        if by_name[name]["db_type"] == "BIGINT":
            values = [None if v is None else str(v) for v in values]
        columns[name] = values
    return list(zip(*columns.values(), strict=True))
