"""The MAST Search API for missions (MAST_PROTOCOL.md section 5): `POST .../search`,
`GET /search/util/api/v0.1/column_list`, `POST .../post_list_products` and
`GET .../retrieve_product`, answered from the HST/JWST rows derived from the synthetic sky.

Exclusive-access datasets (emulator/auth.py) are left out of searches and product lists unless
the caller's ``mast_token`` belongs to their proposal; shown to it, their `access` is PROPRIETARY.

Bad parameters get HTTP 400 with a JSON `detail`, which astroquery turns into
InvalidQueryError; `info` is never empty, even for zero results.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Final

import numpy as np

from mastcache.emulator.auth import exclusive, visible
from mastcache.emulator.missions.columns import MissionColumns, known_missions, mission_columns
from mastcache.emulator.missions.request import SearchRequest, Target, parse_search
from mastcache.emulator.missions.rows import MissionTable, mission_products, mission_table
from mastcache.emulator.reply import Reply
from mastcache.emulator.sky.geometry import separation_deg
from mastcache.errors import InvalidQueryError

MAX_DATASETS: Final = 1000
Row = dict[str, Any]


class MissionSearch:
    """The Search API of one emulator seed (`product_bytes`: minimum FITS size)."""

    def __init__(self, seed: int, product_bytes: int = 0) -> None:
        self.seed = seed
        self.product_bytes = product_bytes

    def search(self, mission: str, body: bytes) -> Reply:
        """`POST /search/<mission>/api/v0.1/search`."""
        return _guarded(lambda: self._search(_columns(mission), _json(body)))

    def column_list(self, mission: str | None) -> Reply:
        """`GET /search/util/api/v0.1/column_list?mission=<m>`: every column of the mission."""
        return _guarded(lambda: Reply.json(list(_columns(mission or "").entries)))

    def products(self, mission: str, body: bytes) -> Reply:
        """`POST /search/<mission>/api/v0.1/post_list_products` with `{"dataset_ids": [...]}`."""
        return _guarded(lambda: self._products(mission, _json(body)))

    def _search(self, columns: MissionColumns, body: Any) -> Reply:
        request = parse_search(body, columns)
        table = mission_table(self.seed, columns.mission)
        rows = [row for row in _candidates(table, request) if _passes(row, request)]
        _sort(rows, request)
        page = rows[request.offset : request.offset + request.limit]
        names = _output_names(request, columns)
        info = [{"name": n, "type": columns.info_type(n)} for n in names]
        extra = ("search_pos", "ang_sep") if request.targets else ()
        results = [{n: row.get(n) for n in (*names, *extra)} for row in page]
        return Reply.json(
            {"messages": [], "info": info, "search_params": request.echo,
             "totalResults": len(rows), "results": results}
        )  # fmt: skip

    def _products(self, mission: str, body: Any) -> Reply:
        _columns(mission)
        ids = body.get("dataset_ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or len(ids) > MAX_DATASETS:
            raise InvalidQueryError(f"Send {{'dataset_ids': [...]}} with 1..{MAX_DATASETS} ids.")
        table = mission_table(self.seed, mission)
        products: list[Row] = []
        for dataset in dict.fromkeys(str(i) for i in ids):
            obs = table.observation(dataset)
            if obs is not None and visible(obs):
                products.extend(_marked(mission_products(mission, obs, self.product_bytes), obs))
        return Reply.json({"products": products})


def _guarded(answer: Callable[[], Reply]) -> Reply:
    try:
        return answer()
    except InvalidQueryError as exc:
        return error_reply(str(exc))


def error_reply(message: str, status: int = 400) -> Reply:
    """The Search API's refusal: HTTP 400 (InvalidQueryError in astroquery) with `detail`."""
    return Reply.json({"detail": message, "messages": [message]}, status=status)


def _columns(mission: str) -> MissionColumns:
    try:
        return mission_columns(mission.lower())
    except KeyError:
        known = ", ".join(known_missions())
        raise InvalidQueryError(f"Unknown mission '{mission}'; this server has: {known}.") from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidQueryError(f"The body is not valid JSON ({exc}).") from exc


def _marked(rows: list[Row], obs: Mapping[str, Any]) -> list[Row]:
    """The dataset's rows with `access` PROPRIETARY when it is exclusive-access data."""
    return [{**row, "access": "PROPRIETARY"} for row in rows] if exclusive(obs) else rows


def _shown(table: MissionTable, index: int) -> Row | None:
    """Row `index` as the current viewer gets it, or None when it is hidden from it."""
    obs = table.observations[index]
    return _marked([table.rows[index]], obs)[0] if visible(obs) else None


def _candidates(table: MissionTable, request: SearchRequest) -> list[Row]:
    dataset = _dataset(table)
    shown = {i: row for i in range(len(table.rows)) if (row := _shown(table, i)) is not None}
    if not request.targets:
        return [{**row, "search_key": row[dataset]} for row in shown.values()]
    found: dict[int, Row] = {}
    for target in request.targets:
        for index, distance in _cone(table, target, request.radius_deg):
            if index not in found and index in shown:
                found[index] = {
                    **shown[index], "search_pos": target.text,
                    "ang_sep": distance * 60.0,
                    "search_key": f"{target.text}{shown[index][dataset]}",
                }  # fmt: skip
    return list(found.values())


def _cone(table: MissionTable, target: Target, radius: float) -> list[tuple[int, float]]:
    lo = int(np.searchsorted(table.dec, target.dec - radius, side="left"))
    hi = int(np.searchsorted(table.dec, target.dec + radius, side="right"))
    dist = separation_deg(target.ra, target.dec, table.ra[lo:hi], table.dec[lo:hi])
    return [(lo + int(i), float(dist[i])) for i in np.nonzero(dist <= radius)[0]]


def _dataset(table: MissionTable) -> str:
    return mission_columns(table.mission).dataset


def _passes(row: Mapping[str, Any], request: SearchRequest) -> bool:
    return all(condition.matches(row) for condition in request.conditions)


def _sort(rows: list[Row], request: SearchRequest) -> None:
    """Stable multi-key sort, last key first; nulls sort last."""
    for name, descending in reversed(list(zip(request.sort_by, request.sort_desc, strict=True))):
        present = [r for r in rows if r.get(name) is not None]
        absent = [r for r in rows if r.get(name) is None]
        present.sort(key=lambda r: _sort_key(r[name]), reverse=descending)
        rows[:] = present + absent


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _output_names(request: SearchRequest, columns: MissionColumns) -> list[str]:
    names = list(request.select)
    if "search_key" not in names:
        names.append("search_key")
    for row_name in names:
        if row_name not in columns.names:
            raise InvalidQueryError(f"Column '{row_name}' is not a {columns.mission} column.")
    return names
