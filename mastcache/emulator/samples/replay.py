"""Exact-match replay of the recorded MAST responses in `data/recorded/` (see its README for
provenance). `match` answers only a request that is exactly the one a sample records (the
table in `data/replay.json`); anything else returns None and is answered by the synthetic
emulator.

Not replayed on purpose: the Mast.Caom.Cone columnsconfig (the Portal serves a superset with
today's live columns) and the SANTA resolver sample (the resolver owns those entries).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from mastcache.emulator.reply import JSON_TYPE, Reply
from mastcache.emulator.samples.compare import (
    form_fields,
    json_body,
    portal_request,
    same,
    same_fields,
    same_param,
)
from mastcache.emulator.samples.recorded import DATA_DIR, load_json

__all__ = ["MISSION_SEARCH", "OSTEN_FILTERS", "PANSTARRS_QUERY", "Sample", "match", "samples"]

if TYPE_CHECKING:  # named requests of data/replay.json, read on first use (``__getattr__``)
    MISSION_SEARCH: dict[str, Any]
    OSTEN_FILTERS: list[dict[str, Any]]
    PANSTARRS_QUERY: dict[str, Any]

TABLE: Final = Path(__file__).resolve().parent / "data" / "replay.json"
Query = Mapping[str, list[str]]
Matcher = Callable[[Query, bytes], bool]


@dataclass(frozen=True)
class Sample:
    """One recorded response and the request(s) it answers."""

    method: str
    path: str
    accepts: Matcher
    filename: str
    content_type: str = JSON_TYPE


def match(method: str, path: str, query: Query, body: bytes) -> Reply | None:
    """The recorded reply for exactly this request, or None."""
    wanted = path.rstrip("/") or "/"
    if wanted == "/api/v0.1/path_lookup" and method.upper() == "GET":
        return _path_lookup(query)
    for sample in samples():
        if (
            sample.method == method.upper()
            and sample.path == wanted
            and sample.accepts(query, body)
        ):
            data = (DATA_DIR / sample.filename).read_bytes()
            return Reply.raw(data, sample.content_type)
    return None


def _portal_matcher(service: str, variants: Sequence[Mapping[str, Any]]) -> Matcher:
    def accepts(query: Query, body: bytes) -> bool:
        request = portal_request(body)
        if request is None or request.get("service") != service:
            return False
        params = request.get("params", {})
        return any(same_param("params", params, v) for v in variants)

    return accepts


def _form(*variants: Mapping[str, str]) -> Matcher:
    return lambda query, body: any(same_fields(form_fields(body), v) for v in variants)


def _query(*variants: Mapping[str, str]) -> Matcher:
    return lambda query, body: any(same_fields(query, v) for v in variants)


def _json(*variants: Any) -> Matcher:
    return lambda query, body: any(same(json_body(body), v) for v in variants)


def _path_lookup(query: Query) -> Reply | None:
    """path_lookup answers per URI, so any subset of the recorded URIs is a recorded answer."""
    recorded: dict[str, Any] = load_json("mast_relative_path.json")
    uris = query.get("uri", [])
    if not uris or set(query) != {"uri"} or not set(uris) <= set(recorded):
        return None
    return Reply.json({uri: recorded[uri] for uri in uris})


@cache
def samples() -> tuple[Sample, ...]:
    """Every replayable sample, with the requests it records (astroquery's own tests)."""
    return tuple(_sample(entry) for entry in _table()["samples"])


def _sample(entry: Mapping[str, Any]) -> Sample:
    """One row of the table: `params` (a Portal service), `form`, `query` or `json` variants."""
    if "params" in entry:
        accepts = _portal_matcher(entry["service"], entry["params"])
    else:
        kind = next(k for k in _MATCHERS if k in entry)
        accepts = _MATCHERS[kind](*entry[kind])
    content_type = entry.get("content_type", JSON_TYPE)
    return Sample(entry["method"], entry["path"], accepts, entry["file"], content_type)


_MATCHERS: Final[dict[str, Callable[..., Matcher]]] = {
    "form": _form,
    "query": _query,
    "json": _json,
}


@cache
def _table() -> dict[str, Any]:
    """data/replay.json, each `"$NAME"` replaced by the named request it stands for."""
    with TABLE.open("rb") as handle:
        document: dict[str, Any] = json.load(handle)
    named = document["requests"]
    return {"requests": named, "samples": _resolved(document["samples"], named)}


def _resolved(value: Any, named: Mapping[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("$"):
        return named[value[1:]]
    if isinstance(value, dict):
        return {k: _resolved(v, named) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, named) for v in value]
    return value


def __getattr__(name: str) -> Any:
    requests = _table()["requests"]
    if name in requests:
        return copy.deepcopy(requests[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
