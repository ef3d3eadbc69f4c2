"""Comparison of incoming requests with the requests a recorded sample answers.

Requests are compared as data, not text: JSON decoded, forms parsed, numbers compared with
a small tolerance, `filters` in any order, `position` strings as three numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qs

TOLERANCE = 1e-7


def same(actual: Any, expected: Any) -> bool:
    """Whether two decoded JSON values are equal (numbers within TOLERANCE)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(actual, expected, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(
            same_param(k, actual[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    return bool(actual == expected)


def same_param(name: str, actual: Any, expected: Any) -> bool:
    """`same`, but `filters` compare as a set and `position` as numbers."""
    if name == "filters" and isinstance(actual, list) and isinstance(expected, list):
        return same(_sorted_filters(actual), _sorted_filters(expected))
    if name == "position" and isinstance(actual, str) and isinstance(expected, str):
        return same(numbers_of(actual), numbers_of(expected))
    return same(actual, expected)


def _sorted_filters(filters: list[Any]) -> list[Any]:
    return sorted(filters, key=lambda f: json.dumps(f, sort_keys=True))


def numbers_of(text: str) -> list[float] | str:
    """`"1.5, 2, 0.2"` as [1.5, 2.0, 0.2]; the text itself when it is not numeric."""
    try:
        return [float(part) for part in text.replace(",", " ").split()]
    except ValueError:
        return text


def portal_request(body: bytes) -> dict[str, Any] | None:
    """The JSON of a Portal `request=` form body, or None when it is not one."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    values = fields.get("request")
    if not values:
        return None
    try:
        decoded = json.loads(values[0])
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict) else None


def json_body(body: bytes) -> Any:
    """A JSON request body, or None when it is not JSON."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def form_fields(body: bytes) -> dict[str, list[str]]:
    """A form-encoded body as `parse_qs` would give it."""
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def same_fields(actual: Mapping[str, Sequence[str]], expected: Mapping[str, str]) -> bool:
    """Form or query fields equal to `expected` (single values; numbers within tolerance)."""
    if set(actual) != set(expected):
        return False
    for name, wanted in expected.items():
        values = actual[name]
        if len(values) != 1 or not same(_scalar(values[0]), _scalar(wanted)):
            return False
    return True


def _scalar(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        return text
