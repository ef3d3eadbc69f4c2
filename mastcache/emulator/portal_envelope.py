"""Encoding of Portal replies: the JSON envelope (status, msg, data, fields, paging) and the
extjs one, produced chunk by chunk so a large page streams (MAST_PROTOCOL.md section 1.2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from mastcache.emulator.portal_request import PortalRequest, paging_block
from mastcache.emulator.portal_results import ResultSet, project
from mastcache.emulator.reply import Reply, encode_json
from mastcache.emulator.sky_columns import Field

ROWS_PER_CHUNK: Final = 500


def error_reply(message: str) -> Reply:
    """MAST's answer to a bad request: HTTP 200 with status ERROR and the reason."""
    return Reply.json({"status": "ERROR", "msg": message, "data": [], "fields": []})


def executing_reply(percent: int) -> Reply:
    """The `EXECUTING` answer astroquery re-polls until `COMPLETE`."""
    return Reply.json(
        {"status": "EXECUTING", "msg": "", "percent complete": percent, "data": [], "fields": []}
    )


def result_reply(result: ResultSet, request: PortalRequest) -> Reply:
    """The page `request` asks for, in its format (json or extjs)."""
    fields = result.fields
    if request.remove_null_columns:
        fields = non_null_fields(result, request)
    if request.format == "extjs":
        return Reply.stream(_extjs_chunks(result, fields, request))
    return Reply.stream(_json_chunks(result, fields, request))


def non_null_fields(result: ResultSet, request: PortalRequest) -> tuple[Field, ...]:
    """Fields with at least one non-null value in the page (MAST's removenullcolumns)."""
    seen: set[str] = set()
    for row in result.page(request.page, request.pagesize):
        seen.update(name for name, value in row.items() if value is not None)
    return tuple(f for f in result.fields if f[0] in seen)


def _paging(result: ResultSet, request: PortalRequest) -> dict[str, int]:
    rows = result.rows_in_page(request.page, request.pagesize)
    return paging_block(request.page, request.pagesize, rows, result.total)


def _json_chunks(
    result: ResultSet, fields: Sequence[Field], request: PortalRequest
) -> Iterator[bytes]:
    yield b'{"status":"COMPLETE","msg":"","data":['
    rows = (project(row, fields) for row in result.page(request.page, request.pagesize))
    yield from _joined(rows)
    tail = {
        "fields": [{"name": n, "type": t} for n, t in fields],
        "paging": _paging(result, request),
    }
    yield b"]," + encode_json(tail)[1:]


def _extjs_chunks(
    result: ResultSet, fields: Sequence[Field], request: PortalRequest
) -> Iterator[bytes]:
    head = extjs_table_head(fields, _paging(result, request), columns=None)
    yield head
    names = [name for name, _ in fields]
    rows = ([row.get(n) for n in names] for row in result.page(request.page, request.pagesize))
    yield from _joined(rows)
    yield b"]}]}}"


def extjs_table_head(
    fields: Sequence[Field], paging: dict[str, int], columns: list[dict[str, Any]] | None
) -> bytes:
    """The extjs envelope up to the opening of `Rows` (missions.extjs shape)."""
    if columns is None:
        columns = [{"text": n, "dataIndex": n, "ExtendedProperties": {}} for n, _ in fields]
    table = {
        "name": "Table",
        "ExtendedProperties": {"Paging": paging},
        "Columns": columns,
        "Fields": [{"name": n, "type": t} for n, t in fields],
    }
    encoded = encode_json(table)[:-1]
    return (
        b'{"status":"COMPLETE","msg":"","data":{"name":"NewDataSet","Tables":['
        + encoded
        + (b',"Rows":[')
    )


def _joined(items: Iterator[Any]) -> Iterator[bytes]:
    """JSON values separated by commas, ROWS_PER_CHUNK per chunk."""
    batch: list[bytes] = []
    first = True
    for item in items:
        batch.append(encode_json(item))
        if len(batch) == ROWS_PER_CHUNK:
            yield (b"" if first else b",") + b",".join(batch)
            batch, first = [], False
    if batch:
        yield (b"" if first else b",") + b",".join(batch)
