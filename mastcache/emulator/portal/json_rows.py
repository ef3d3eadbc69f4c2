"""JSON text of Portal rows, a column batch at a time.

Each column is encoded with one C-level map (strings, ints, floats) and rows are assembled
from a per-field template, so a row costs a string format instead of a `json.dumps` call.
The text is byte-identical to `json.dumps(row, separators=(",", ":"))` of the row object
(or list, for extjs) that the Portal used to encode row by row.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, Final

from mastcache.emulator.portal.results import RowBatch
from mastcache.emulator.reply import encode_json


def rows_text(batch: RowBatch, names: Sequence[str], keyed: bool) -> str:
    """The batch's rows, comma-separated: objects keyed by `names` (json format) or lists
    in `names` order (extjs format)."""
    if keyed:
        names = list(dict.fromkeys(names))  # a dict keeps one value per repeated name
    template = row_template(names, keyed)
    if not names:
        return ",".join([template] * batch.size)
    columns = [encode_column(batch.column(name)) for name in names]
    return ",".join([template % row for row in zip(*columns, strict=True)])


def row_template(names: Sequence[str], keyed: bool) -> str:
    """A %-template of one row with a `%s` per column (keys pre-encoded when `keyed`)."""
    if not keyed:
        return "[" + ",".join(["%s"] * len(names)) + "]"
    keys = (encode_basestring_ascii(name).replace("%", "%%") for name in names)
    return "{" + ",".join(f"{key}:%s" for key in keys) + "}"


def encode_column(values: Sequence[Any]) -> list[str]:
    """The JSON text of every value, as `json.dumps` writes it."""
    kinds = set(map(type, values))
    nullable = NONE in kinds and len(kinds) == 2
    if nullable:
        kinds.discard(NONE)
    if len(kinds) != 1:
        return list(map(encode_value, values))
    kind = kinds.pop()
    if kind is float and not all(math.isfinite(v) for v in values if v is not None):
        return list(map(encode_value, values))  # raises as json.dumps does
    encode = FAST.get(kind)
    if encode is None:
        return list(map(encode_value, values))
    if nullable:
        return ["null" if v is None else encode(v) for v in values]
    return list(map(encode, values))


def _boolean(value: bool) -> str:
    return "true" if value else "false"


NONE: Final = type(None)
FAST: Final[dict[type, Callable[[Any], str]]] = {
    str: encode_basestring_ascii,
    int: int.__repr__,
    float: float.__repr__,
    bool: _boolean,
    NONE: lambda value: "null",
}


def encode_value(value: Any) -> str:
    """The JSON text of one value (`json.dumps` rules: bool before int, no NaN)."""
    encode = FAST.get(type(value))
    if encode is not None and (type(value) is not float or math.isfinite(value)):
        return encode(value)
    return encode_json(value).decode("utf-8")
