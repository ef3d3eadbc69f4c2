"""Search API `conditions` compiled into row predicates (MAST_PROTOCOL.md section 5).

A condition is `{column: value}`; the value is one term or a comma list of terms. A term is
a value (numbers compare numerically, text case-insensitively and trimmed, `*`/`%` are
wildcards), a range `a..b`, a comparison `>x`, `>=x`, `<x`, `<=x`, or any of those negated
with a leading `!`. Plain terms are ORed; negated terms must all hold. An empty value is no
constraint. Dates are ISO text and compare as dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from mastcache.errors import InvalidQueryError

Test = Callable[[Any], bool]
COMPARISON_RE: Final = re.compile(r"^(>=|<=|>|<|=)\s*(.+)$")
COMPARE: Final[dict[str, Callable[[Any, Any], bool]]] = {
    ">=": lambda a, b: bool(a >= b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    "<": lambda a, b: bool(a < b),
    "=": lambda a, b: bool(a == b),
}


@dataclass(frozen=True)
class Condition:
    """One compiled condition on one column."""

    column: str
    accepts: tuple[Test, ...]
    rejects: tuple[Test, ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether the row passes (null never passes a non-empty condition)."""
        value = row.get(self.column)
        if value is None:
            return not self.accepts and not self.rejects
        if any(test(value) for test in self.rejects):
            return False
        return not self.accepts or any(test(value) for test in self.accepts)


def compile_condition(column: str, kind: str, value: Any) -> Condition:
    """Compile `value` for a column of `info` type `kind` (VARCHAR, FLOAT, INTEGER, DATETIME)."""
    terms = value if isinstance(value, list) else str(_text(value)).split(",")
    accepts: list[Test] = []
    rejects: list[Test] = []
    for raw in terms:
        term = _text(raw).strip()
        if not term:
            continue
        negated = term.startswith("!")
        test = _term(column, kind, term[1:].strip() if negated else term)
        (rejects if negated else accepts).append(test)
    return Condition(column, tuple(accepts), tuple(rejects))


def _term(column: str, kind: str, term: str) -> Test:
    parse = _parser(column, kind)
    if ".." in term:
        low_text, _, high_text = term.partition("..")
        low = parse(low_text) if low_text.strip() else None
        high = parse(high_text) if high_text.strip() else None
        return lambda v: (low is None or parse(v) >= low) and (high is None or parse(v) <= high)
    match = COMPARISON_RE.match(term)
    if match is not None and kind != "VARCHAR":
        bound, compare = parse(match.group(2)), COMPARE[match.group(1)]
        return lambda v: compare(parse(v), bound)
    if kind == "VARCHAR":
        return _text_test(term)
    wanted = parse(term)
    if kind == "DATETIME" and len(term.strip()) <= 10:
        return lambda v: parse(v).date() == wanted.date()
    return lambda v: bool(parse(v) == wanted)


def _text_test(term: str) -> Test:
    lowered = term.lower()
    if "*" in lowered or "%" in lowered:
        regex = re.compile("".join(".*" if c in "*%" else re.escape(c) for c in lowered))
        return lambda v: regex.fullmatch(str(v).strip().lower()) is not None
    return lambda v: str(v).strip().lower() == lowered


def _parser(column: str, kind: str) -> Callable[[Any], Any]:
    if kind in {"FLOAT", "INTEGER"}:
        return lambda v: _number(column, v)
    if kind == "DATETIME":
        return lambda v: _date(column, v)
    return lambda v: str(v).strip().lower()


def _number(column: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(
            f"'{value}' is not a number; column '{column}' is numeric."
        ) from exc


def _date(column: str, value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", ""))
    except ValueError as exc:
        raise InvalidQueryError(
            f"'{value}' is not an ISO date (YYYY-MM-DD[THH:MM:SS]); column '{column}' is a date."
        ) from exc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
