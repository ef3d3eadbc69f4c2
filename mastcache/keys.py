"""Canonical cache keys: the sha256 of canonical JSON with volatile fields removed.

Two requests that MAST answers identically get the same key; any difference MAST would see
gives a different key (DESIGN.md section 3). Normalisation rules, applied in this order:

1. Mappings: keys named in :data:`VOLATILE_FIELDS` (``cacheBreaker``, ``page``, ``pagesize``,
   ``timeout``, ``token``, ``mast_token``, ``clearcache``, ``removecache``) are dropped at any
   depth; the remaining keys are emitted sorted. Keys must be strings.
2. Numbers: ``bool`` stays a boolean (``True`` is not ``1``). Every other real number (int,
   float, numpy scalar, Decimal) that is integral becomes an int (``1 == 1.0``); others become
   the shortest float repr, so ``0.2``, ``0.20`` and ``2e-1`` agree. NaN and infinities are
   written as ``{"$float": "nan" | "inf" | "-inf"}``.
3. Strings are NFC-normalised and otherwise kept exactly (MAST compares strings literally,
   so ``"01234"`` and ``"1234"`` differ). Bytes are not accepted.
4. Sequences (list, tuple, numpy array) keep their order: ``columns`` and ``sort_by`` order
   changes the answer.
5. Service-specific rules where order is meaningless (:func:`normalize_params`):
   the comma-joined ``obsid`` of ``Mast.Caom.Products`` is sorted and de-duplicated; the
   ``filters`` of Portal ``Filtered`` services are an AND of ORs, so filter entries are sorted
   and each entry's ``values`` sorted and de-duplicated; a Portal ``position`` string
   ``"ra, dec, radius"`` has each number normalised as in rule 2.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np

from mastcache.errors import InvalidQueryError

__all__ = [
    "KEY_VERSION",
    "VOLATILE_FIELDS",
    "canonical_json",
    "canonical_value",
    "normalize_params",
    "query_key",
    "resolution_key",
]

#: Bumped whenever the normalisation rules change, so old and new keys never collide.
KEY_VERSION = 1

#: Fields that never change MAST's answer (or must never be stored), dropped at any depth.
VOLATILE_FIELDS: frozenset[str] = frozenset(
    {
        "cacheBreaker",
        "page",
        "pagesize",
        "timeout",
        "token",
        "mast_token",
        "clearcache",
        "removecache",
    }
)

_ParamRule = Callable[[Any], Any]


def _canonical_number(value: float | numbers.Real) -> Any:
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return {"$float": "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")}
    if isinstance(value, numbers.Integral):
        return int(value)
    return int(number) if number.is_integer() else number


def _canonical_mapping(value: Mapping[Any, Any], drop: frozenset[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidQueryError(
                f"cannot build a cache key: parameter name {key!r} is not a string; "
                "MAST parameter names are strings"
            )
        if key not in drop:
            result[unicodedata.normalize("NFC", key)] = canonical_value(item, drop)
    return result


def canonical_value(value: Any, drop: frozenset[str] = VOLATILE_FIELDS) -> Any:
    """``value`` as plain JSON data following the module's rules 1-4 (no service rules)."""
    if value is None or isinstance(value, bool | np.bool_):
        return None if value is None else bool(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, numbers.Real | Decimal):
        return _canonical_number(float(value) if isinstance(value, Decimal) else value)
    if isinstance(value, Mapping):
        return _canonical_mapping(value, drop)
    if isinstance(value, np.ndarray):
        return [canonical_value(item, drop) for item in value.tolist()]
    if isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        return [canonical_value(item, drop) for item in value]
    raise InvalidQueryError(
        f"cannot build a cache key from {type(value).__name__} value {value!r}: expected "
        "str, number, bool, None, or lists and dicts of those"
    )


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON (UTF-8 text kept as is) of already canonical data."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sorted_unique(items: Sequence[Any]) -> list[Any]:
    unique = {canonical_json(item): item for item in items}
    return [unique[text] for text in sorted(unique)]


def _obsid_set(value: Any) -> Any:
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, list):
        return value
    ids = sorted({str(part).strip() for part in parts} - {""})
    return ",".join(ids)


def _filter_set(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    entries = [
        {**entry, "values": _sorted_unique(entry["values"])}
        if isinstance(entry, dict) and isinstance(entry.get("values"), list)
        else entry
        for entry in value
    ]
    return [json.loads(text) for text in sorted({canonical_json(e) for e in entries})]


def _position_numbers(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        numbers_ = [float(part) for part in value.split(",")]
    except ValueError:
        return value
    if not all(math.isfinite(number) for number in numbers_):
        return value
    return ", ".join(repr(_canonical_number(number)) for number in numbers_)


def _rules_for(service: str) -> dict[str, _ParamRule]:
    rules: dict[str, _ParamRule] = {}
    if service == "Mast.Caom.Products":
        rules["obsid"] = _obsid_set
    if service.startswith("Mast.") and ".Filtered" in service:
        rules["filters"] = _filter_set
    if service.startswith("Mast."):
        rules["position"] = _position_numbers
    return rules


def normalize_params(service: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A new, canonical copy of ``params`` for ``service`` (the caller's dict is untouched)."""
    canonical = _canonical_mapping(params, VOLATILE_FIELDS)
    for name, rule in _rules_for(service).items():
        if name in canonical:
            canonical[name] = rule(canonical[name])
    return canonical


def _digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()


def query_key(
    service: str,
    params: Mapping[str, Any],
    *,
    result_format: str = "table",
    scope: str = "anonymous",
) -> str:
    """The 64-hex key of one logical query: service, params, result format, identity scope."""
    service = unicodedata.normalize("NFC", service.strip())
    return _digest(
        {
            "v": KEY_VERSION,
            "kind": "query",
            "service": service,
            "params": normalize_params(service, params),
            "format": result_format,
            "scope": scope,
        }
    )


def resolution_key(
    name: str, resolver: str | None, resolve_all: bool, scope: str = "anonymous"
) -> str:
    """The 64-hex key of one name resolution (SANTA matches names case-insensitively)."""
    return _digest(
        {
            "v": KEY_VERSION,
            "kind": "resolution",
            "name": unicodedata.normalize("NFC", name.strip()).lower(),
            "resolver": resolver.strip().upper() if resolver else None,
            "resolve_all": bool(resolve_all),
            "scope": scope,
        }
    )
