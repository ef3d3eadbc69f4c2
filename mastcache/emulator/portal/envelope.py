"""Encoding of Portal replies: the JSON envelope (status, msg, data, fields, paging) and the
extjs one, produced chunk by chunk so a large page streams (MAST_PROTOCOL.md section 1.2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Final

from mastcache.emulator.portal.json_rows import rows_text
from mastcache.emulator.portal.request import PortalRequest, paging_block
from mastcache.emulator.portal.results import ResultSet
from mastcache.emulator.reply import Reply, encode_json
from mastcache.emulator.sky.columns import Field

ROWS_PER_CHUNK: Final = 250


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
    names = [name for name, _ in result.fields]
    seen: set[str] = set()
    for batch in result.page_batches(request.page, request.pagesize, names):
        for name in names:
            if name not in seen and any(v is not None for v in batch.column(name)):
                seen.add(name)
    return tuple(f for f in result.fields if f[0] in seen)


def _paging(result: ResultSet, request: PortalRequest) -> dict[str, int]:
    rows = result.rows_in_page(request.page, request.pagesize)
    return paging_block(request.page, request.pagesize, rows, result.total)


def _json_chunks(
    result: ResultSet, fields: Sequence[Field], request: PortalRequest
) -> Iterator[bytes]:
    yield b'{"status":"COMPLETE","msg":"","data":['
    yield from _rows(result, fields, request, keyed=True)
    tail = {
        "fields": [{"name": n, "type": t} for n, t in fields],
        "paging": _paging(result, request),
    }
    yield b"]," + encode_json(tail)[1:]


def _extjs_chunks(
    result: ResultSet, fields: Sequence[Field], request: PortalRequest
) -> Iterator[bytes]:
    yield extjs_table_head(fields, _paging(result, request), columns=None)
    yield from _rows(result, fields, request, keyed=False)
    yield b"]}]}}"


def _rows(
    result: ResultSet, fields: Sequence[Field], request: PortalRequest, *, keyed: bool
) -> Iterator[bytes]:
    """The page's rows as comma-separated JSON, ROWS_PER_CHUNK rows (~250 KB) per chunk."""
    names = [name for name, _ in fields]
    first = True
    for batch in result.page_batches(request.page, request.pagesize, names):
        for start in range(0, batch.size, ROWS_PER_CHUNK):
            text = rows_text(batch.slice(start, start + ROWS_PER_CHUNK), names, keyed)
            yield (text if first else "," + text).encode("utf-8")
            first = False


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
