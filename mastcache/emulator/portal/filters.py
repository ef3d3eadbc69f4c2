"""Portal `filters` (MAST_PROTOCOL.md section 1.5) compiled into row predicates.

A filter matches a row when any of its values, `{min, max}` ranges or `freeText` patterns
(`%`/`*` wildcards, case-insensitive) matches; all filters must match. Multi-valued columns
(`separator`, e.g. `filters` "NUV;FUV") match when any part does. Null never matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from mastcache.emulator.sky.columns import NUMERIC_TYPES, SEPARATED_COLUMNS
from mastcache.errors import InvalidQueryError

MJD_EPOCH = datetime(1858, 11, 17, tzinfo=timezone.utc)
Range = tuple[float | None, float | None]


@dataclass(frozen=True)
class ColumnFilter:
    """One compiled filter on one column."""

    column: str
    numeric: bool
    separator: str | None
    values: frozenset[str]
    numbers: frozenset[float]
    ranges: tuple[Range, ...]
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        """Whether the row's value passes this filter."""
        value = row.get(self.column)
        if value is None:
            return False
        if not (self.values or self.numbers or self.ranges or self.patterns):
            return True
        if self.numeric:
            return self._matches_number(float(value)) or self._matches_text(_text(value))
        return self._matches_text(_text(value))

    def _matches_number(self, number: float) -> bool:
        if number in self.numbers:
            return True
        return any(
            (lo is None or number >= lo) and (hi is None or number <= hi) for lo, hi in self.ranges
        )

    def _matches_text(self, text: str) -> bool:
        parts = [text, *text.split(self.separator)] if self.separator else [text]
        lowered = [p.strip().lower() for p in parts]
        if self.values and any(p in self.values for p in lowered):
            return True
        return any(pattern.fullmatch(p) for pattern in self.patterns for p in lowered)


def compile_filters(filters: Any, column_types: Mapping[str, str]) -> list[ColumnFilter]:
    """Check and compile a `filters` list against the service's columns (name -> type)."""
    if filters is None:
        return []
    if not isinstance(filters, list):
        raise InvalidQueryError("'filters' must be a list of {paramName, values} objects.")
    by_lower = {name.lower(): name for name in column_types}
    return [_compile_one(entry, by_lower, column_types) for entry in filters]


def _compile_one(
    entry: Any, by_lower: Mapping[str, str], column_types: Mapping[str, str]
) -> ColumnFilter:
    if not isinstance(entry, dict) or "paramName" not in entry:
        raise InvalidQueryError(f"Filter {entry!r} needs 'paramName' and 'values'.")
    column = by_lower.get(str(entry["paramName"]).lower())
    if column is None:
        raise InvalidQueryError(f"Invalid filter column '{entry['paramName']}': no such column.")
    values = entry.get("values", [])
    if not isinstance(values, list):
        values = [values]
    numeric = column_types[column].lower() in NUMERIC_TYPES
    separator = entry.get("separator") or (";" if column in SEPARATED_COLUMNS else None)
    scalars = [v for v in values if not isinstance(v, dict)]
    return ColumnFilter(
        column=column,
        numeric=numeric,
        separator=separator,
        values=frozenset(_text(v).lower() for v in scalars),
        numbers=frozenset(_numbers(column, scalars)) if numeric else frozenset(),
        ranges=tuple(_range(column, v) for v in values if isinstance(v, dict)),
        patterns=_patterns(entry.get("freeText")),
    )


def _numbers(column: str, values: Sequence[Any]) -> list[float]:
    numbers = []
    for value in values:
        number = _as_number(column, value)
        if number is not None:
            numbers.append(number)
    return numbers


def _range(column: str, bounds: Mapping[str, Any]) -> Range:
    unknown = set(bounds) - {"min", "max"}
    if unknown:
        raise InvalidQueryError(f"Range on '{column}' has keys {sorted(unknown)}; use min/max.")
    return _as_number(column, bounds.get("min")), _as_number(column, bounds.get("max"))


def _as_number(column: str, value: Any) -> float | None:
    """A bound or value as a float; ISO dates become MJD (time columns are MJD)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return _iso_to_mjd(column, str(value))


def _iso_to_mjd(column: str, text: str) -> float:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidQueryError(
            f"Value {text!r} for '{column}' is neither a number nor an ISO date."
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - MJD_EPOCH).total_seconds() / 86400.0


def _patterns(free_text: Any) -> tuple[re.Pattern[str], ...]:
    if free_text is None or free_text == "":
        return ()
    text = str(free_text).strip().lower()
    regex = "".join(".*" if ch in "%*" else re.escape(ch) for ch in text)
    return (re.compile(regex, re.DOTALL),)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
