"""The Portal ("Mashup") side of the emulator: `POST /api/v0/invoke` and
`POST /portal/Mashup/Mashup.asmx/columnsconfig` (MAST_PROTOCOL.md sections 1 and 8).

`PortalService.invoke` decodes the request, answers `EXECUTING` for the first
`config.executing_polls` polls of each query, then dispatches to a service handler.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

from mastcache.emulator.auth import restricted_query
from mastcache.emulator.catalogs.queries import CatalogQueries
from mastcache.emulator.portal.caom import CaomQueries
from mastcache.emulator.portal.columns import column_config
from mastcache.emulator.portal.envelope import (
    error_reply,
    executing_reply,
    extjs_table_head,
    result_reply,
)
from mastcache.emulator.portal.facets import EMPTY_PAGING, all_columns
from mastcache.emulator.portal.pagememory import PageMemory, page_key
from mastcache.emulator.portal.request import PortalRequest, parse_request
from mastcache.emulator.portal.results import ResultSet
from mastcache.emulator.reply import JSON_TYPE, Reply
from mastcache.emulator.samples.recorded import DATA_DIR
from mastcache.emulator.sky.columns import OBSERVATION_FIELDS, SELECTED_FIELD
from mastcache.errors import InvalidQueryError

MAX_TRACKED_POLLS: Final = 10_000
#: Services whose answers are result pages (kept by the ``prerendered_mb`` knob).
_TABLE_SERVICES: Final = ("mast.caom.", "mast.catalogs.")
RECORDED_ALL: Final[dict[str, str]] = {
    "mast.catalogs.all.tic": "ticcolumns_filtered.json",
    "mast.catalogs.all.diskdetective": "ddcolumns_filtered.json",
}


class PortalConfig(Protocol):
    """The emulator settings the Portal reads (EmulatorConfig satisfies it)."""

    @property
    def seed(self) -> int: ...
    @property
    def rows(self) -> int | None: ...
    @property
    def executing_polls(self) -> int: ...
    @property
    def prerendered_mb(self) -> int: ...


class PollCounter:
    """How many times each query (by cacheBreaker) was polled; bounded, thread-safe."""

    def __init__(self, limit: int = MAX_TRACKED_POLLS) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def bump(self, key: str) -> int:
        """Count one more poll of `key` and return the new count."""
        with self._lock:
            count = self._counts.pop(key, 0) + 1
            self._counts[key] = count
            while len(self._counts) > self._limit:
                self._counts.popitem(last=False)
            return count


class PortalService:
    """Answers Portal requests from the synthetic sky and the recorded configs."""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self.caom = CaomQueries(
            config.seed,
            config.rows,
            getattr(config, "product_bytes", 0),
            getattr(config, "sky_epoch", 0),
        )
        self.catalogs = CatalogQueries(config.seed, config.rows)
        self.polls = PollCounter()
        budget = getattr(config, "prerendered_mb", 0) << 20
        self.pages = PageMemory(budget) if budget > 0 else None
        self._all_body: bytes | None = None
        self._handlers: dict[str, Callable[[PortalRequest], Reply]] = {
            "mast.caom.cone": lambda r: result_reply(restricted_query(self.caom.cone, r.params), r),
            "mast.caom.filtered": lambda r: self._filtered(r, positional=False),
            "mast.caom.filtered.position": lambda r: self._filtered(r, positional=True),
            "mast.caom.products": lambda r: result_reply(
                restricted_query(self.caom.products, r.params), r
            ),
            "mast.caom.all": lambda r: self._caom_all(),
        }

    def invoke(self, form: Mapping[str, str], base_url: str = "", viewer: str = "") -> Reply:
        """`POST /api/v0/invoke`: form field `request` holds the url-quoted JSON request;
        `base_url` (the emulator's own) is where staged bundles are served. With the
        ``prerendered_mb`` knob, result pages of table services are rendered once per
        `viewer` (who is asking) and served again byte for byte."""
        try:
            request = parse_request(form)
            waiting = self._still_executing(request)
            if waiting is not None:
                return waiting
            if self.pages is None or not request.service.lower().startswith(_TABLE_SERVICES):
                return self._dispatch(request, base_url)
            key = page_key(json.loads(form["request"]), viewer, base_url)
            return self.pages.reply(key, lambda: self._dispatch(request, base_url))
        except InvalidQueryError as exc:
            return error_reply(str(exc))

    def columnsconfig(self, form: Mapping[str, str]) -> Reply:
        """`POST .../columnsconfig`: the bare `{column: properties}` object of a service."""
        service = form.get("colConfigId", "").strip()
        if not service:
            return Reply.json({"error": "Missing form field colConfigId=<service>."}, 400)
        return Reply.json(column_config(service))

    def _still_executing(self, request: PortalRequest) -> Reply | None:
        limit = self.config.executing_polls
        if limit <= 0:
            return None
        count = self.polls.bump(request.poll_key)
        if count > limit:
            return None
        return executing_reply(int(100 * (count - 1) / limit))

    def _dispatch(self, request: PortalRequest, base_url: str = "") -> Reply:
        key = request.service.lower()
        handler = self._handlers.get(key)
        if handler is not None:
            return handler(request)
        if self.catalogs.handles(key):  # catalog services: mastcache.emulator.catalogs.queries
            return self.catalogs.answer(request, base_url)
        if key in RECORDED_ALL:
            data = (DATA_DIR / RECORDED_ALL[key]).read_bytes()
            return Reply.raw(data, JSON_TYPE)
        known = ", ".join(sorted([*self._handlers, *RECORDED_ALL]))
        raise InvalidQueryError(
            f"Unknown service '{request.service}'. This server answers: {known}."
        )

    def _filtered(self, request: PortalRequest, *, positional: bool) -> Reply:
        def query(params: Mapping[str, Any]) -> ResultSet:
            return self.caom.filtered(params, positional=positional)

        return result_reply(restricted_query(query, request.params), request)  # auth.py

    def _caom_all(self) -> Reply:
        if self._all_body is None:
            fields = (*OBSERVATION_FIELDS, SELECTED_FIELD)
            head = extjs_table_head(fields, dict(EMPTY_PAGING), all_columns(self.caom.sky))
            self._all_body = head + b"]}]}}"
        return Reply.raw(self._all_body, JSON_TYPE)
