"""A decoded Search API search body (MAST_PROTOCOL.md section 5), checked field by field:
targets, radius, limit/offset, select_cols, conditions, sort_by/sort_desc.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mastcache.emulator.missions.columns import POSITION_COLUMNS, MissionColumns
from mastcache.emulator.missions.conditions import Condition, compile_condition
from mastcache.errors import InvalidQueryError

RADIUS_UNITS: Final[dict[str, float]] = {
    "arcseconds": 1.0 / 3600.0, "arcsec": 1.0 / 3600.0, "arcminutes": 1.0 / 60.0,
    "arcmin": 1.0 / 60.0, "degrees": 1.0, "deg": 1.0,
}  # fmt: skip
DEFAULT_LIMIT: Final = 5000
MAX_LIMIT: Final = 500_000
HST_DEFAULT_CONDITIONS: Final = (
    {"sci_obs_type": ""}, {"sci_aec": "S"},
    {"sci_instrume": "STIS,ACS,WFC3,COS,FGS,FOC,FOS,HRS,HSP,NICMOS,WFPC,WFPC2"},
)  # fmt: skip
KNOWN_KEYS: Final = frozenset({
    "target", "radius", "radius_units", "limit", "offset", "select_cols", "conditions",
    "sort_by", "sort_desc", "skip_count", "search_key", "user_fields",
})  # fmt: skip


@dataclass(frozen=True)
class Target:
    """One search position: its text as sent (`search_pos`) and degrees."""

    text: str
    ra: float
    dec: float


@dataclass(frozen=True)
class SearchRequest:
    """What a search asks for, validated against the mission's columns."""

    targets: tuple[Target, ...]
    radius_deg: float
    limit: int
    offset: int
    select: tuple[str, ...]
    conditions: tuple[Condition, ...]
    sort_by: tuple[str, ...]
    sort_desc: tuple[bool, ...]
    echo: dict[str, Any]


def parse_search(body: Any, columns: MissionColumns) -> SearchRequest:
    """Validate a search body; InvalidQueryError (HTTP 400) for anything MAST would refuse."""
    if not isinstance(body, dict):
        raise InvalidQueryError("The search body must be a JSON object.")
    unknown = set(body) - KNOWN_KEYS
    if unknown:
        raise InvalidQueryError(f"Unknown search parameter(s) {sorted(unknown)}.")
    targets = tuple(_target(t) for t in _list(body.get("target")))
    radius = _radius(body) if targets else 0.0
    select = _select(body.get("select_cols"), columns)
    raw_conditions = _conditions(body.get("conditions"), columns)
    sort_by, sort_desc = _sorting(body, columns, bool(targets))
    echo = _echo(body, select, raw_conditions, sort_by, sort_desc)
    compiled = tuple(compile_condition(k, columns.info_type(k), v) for k, v in raw_conditions)
    limit = _count(body, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = _count(body, "offset", 0, None)
    return SearchRequest(targets, radius, limit, offset, select, compiled, sort_by, sort_desc, echo)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _target(value: Any) -> Target:
    text = str(value).strip()
    parts = [p for p in re.split(r"[,\s]+", text) if p]
    if len(parts) == 2:
        try:
            ra, dec = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            if -90.0 <= dec <= 90.0:
                return Target(text, ra % 360.0, dec)
    return _named_target(text)


def _named_target(text: str) -> Target:
    from mastcache.emulator.sky.objects import find  # lazy: the named objects

    found = find(text)
    if found is None:
        raise InvalidQueryError(f"Could not resolve target '{text}' to a position.")
    return Target(text, found.ra, found.dec)


def _radius(body: Mapping[str, Any]) -> float:
    units = str(body.get("radius_units", "arcminutes")).lower()
    if units not in RADIUS_UNITS:
        raise InvalidQueryError(f"radius_units '{units}' must be one of {sorted(RADIUS_UNITS)}.")
    try:
        radius = float(body.get("radius", 3.0))
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"radius {body.get('radius')!r} is not a number.") from exc
    degrees = radius * RADIUS_UNITS[units]
    if not 0.0 <= degrees <= 180.0:
        raise InvalidQueryError(f"radius {radius} {units} is outside 0..180 degrees.")
    return degrees


def _select(value: Any, columns: MissionColumns) -> tuple[str, ...]:
    if value is None or value == []:
        return columns.defaults()
    names: dict[str, None] = {}
    for item in _list(value):
        if item is None:
            continue
        name = columns.resolve(str(item))
        if name is None:
            raise InvalidQueryError(f"select_cols: '{item}' is not a {columns.mission} column.")
        names[name] = None
    return tuple(names)


def _conditions(value: Any, columns: MissionColumns) -> list[tuple[str, Any]]:
    given = [(k, v) for item in _list(value) for k, v in _condition_items(item)]
    if columns.mission == "hst":
        named = {k for k, _ in given}
        given += [(k, v) for d in HST_DEFAULT_CONDITIONS for k, v in d.items() if k not in named]
    resolved = []
    for key, item in given:
        name = columns.resolve(key)
        if name is None or name in POSITION_COLUMNS:
            raise InvalidQueryError(f"conditions: '{key}' is not a searchable column.")
        resolved.append((name, item))
    return resolved


def _condition_items(item: Any) -> list[tuple[str, Any]]:
    if not isinstance(item, dict):
        raise InvalidQueryError(f"conditions entry {item!r} must be an object {{column: value}}.")
    return list(item.items())


def _sorting(
    body: Mapping[str, Any], columns: MissionColumns, positional: bool
) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    given = [str(s) for s in _list(body.get("sort_by"))]
    if not given:
        given = ["ang_sep"] if positional else []
        given += ["sci_targname"] if columns.mission == "hst" else []
        given += [columns.dataset]
    names = []
    for item in given:
        name = columns.resolve(item)
        if name is None or (name in POSITION_COLUMNS and not positional):
            raise InvalidQueryError(f"sort_by: '{item}' is not a sortable column here.")
        names.append(name)
    desc = [bool(d) for d in _list(body.get("sort_desc"))]
    return tuple(names), tuple(desc + [False] * (len(names) - len(desc)))


def _count(body: Mapping[str, Any], name: str, default: int, limit: int | None) -> int:
    value = body.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidQueryError(f"'{name}' must be a non-negative integer, got {value!r}.")
    if limit is not None and value > limit:
        raise InvalidQueryError(f"'{name}'={value} is larger than the maximum of {limit}.")
    return value


def _echo(
    body: Mapping[str, Any],
    select: tuple[str, ...],
    conditions: list[tuple[str, Any]],
    sort_by: tuple[str, ...],
    sort_desc: tuple[bool, ...],
) -> dict[str, Any]:
    """MAST's `search_params`: the request as the server understood it."""
    echo: dict[str, Any] = {}
    if body.get("target") is not None:
        echo["target"] = _list(body.get("target"))
        echo["radius"] = body.get("radius", 3)
        echo["radius_units"] = body.get("radius_units", "arcminutes")
    echo.update(
        offset=body.get("offset") or 0, limit=body.get("limit") or DEFAULT_LIMIT,
        sort_by=list(sort_by), sort_desc=list(sort_desc),
        skip_count=bool(body.get("skip_count", False)), select_cols=list(select),
        search_key=_list(body.get("search_key")), user_fields=_list(body.get("user_fields")),
        conditions=[{k: v} for k, v in conditions],
    )  # fmt: skip
    return echo
