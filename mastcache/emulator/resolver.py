"""The SANTA name resolver (``/Santa-war/query``) as MAST answers it (MAST_PROTOCOL.md section 4).

Every name is looked up among the named objects; an unknown name contributes no entry. The
``searchString`` of an entry is the name as sent, lower-cased, which is what astroquery matches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mastcache.emulator.reply import Reply
from mastcache.emulator.sky.objects import NamedObject, ResolverEntry, find

__all__ = ["RESOLVERS", "resolve", "resolve_query"]

RESOLVERS = ("SIMBAD", "NED")
TRUE_WORDS = ("true", "1", "yes")


def resolve_query(query: Mapping[str, Sequence[str]]) -> Reply:
    """Answer one ``GET /Santa-war/query`` from its parsed query string (repeated keys kept)."""
    output = _first(query, "outputFormat", "json").lower()
    if output != "json":
        return _error(f"outputFormat={output!r} is not served by the emulator; use json.")
    names = list(query.get("name", ()))
    if not names:
        return _error("No name given; send one or more 'name' parameters.")
    resolver = _first(query, "resolver", "").upper() or None
    if resolver is not None and resolver not in RESOLVERS:
        return _error(f"Unknown resolver {resolver!r}; use SIMBAD or NED.")
    resolve_all = _first(query, "resolveAll", "false").lower() in TRUE_WORDS
    return Reply.json({"resolvedCoordinate": resolve(names, resolver, resolve_all), "status": ""})


def resolve(names: Sequence[str], resolver: str | None, resolve_all: bool) -> list[dict[str, Any]]:
    """The ``resolvedCoordinate`` entries for names, in input order, preferred resolver first."""
    entries: list[dict[str, Any]] = []
    for name in names:
        found = find(name)
        if found is not None:
            picked = _pick(found, resolver, resolve_all)
            entries.extend(entry_json(name.lower(), entry) for entry in picked)
    return entries


def _pick(found: NamedObject, resolver: str | None, resolve_all: bool) -> tuple[ResolverEntry, ...]:
    if resolve_all:
        return found.entries
    if resolver is not None:
        chosen = found.entry(resolver)
        return (chosen,) if chosen is not None else ()
    return found.entries[:1]


def entry_json(search_string: str, entry: ResolverEntry) -> dict[str, Any]:
    """One entry with SANTA's keys, in SANTA's order (see mast-samples/resolver.json)."""
    body: dict[str, Any] = {
        "searchString": search_string,
        "resolver": entry.resolver,
        "cached": entry.is_cached,
        "resolverTime": entry.resolver_time,
    }
    if entry.is_cached:
        body["cacheDate"] = entry.cache_date or "Jan 2, 2025, 10:00:00 AM"
    body |= {
        "searchRadius": entry.search_radius,
        "canonicalName": entry.canonical_name,
        "ra": entry.ra,
        "decl": entry.dec,
    }
    body.update(entry.extra)
    if entry.object_type is not None:
        body["objectType"] = entry.object_type
    return body


def _first(query: Mapping[str, Sequence[str]], key: str, default: str) -> str:
    values = query.get(key)
    return values[0] if values else default


def _error(message: str) -> Reply:
    return Reply.json({"resolvedCoordinate": [], "status": "ERROR", "msg": message}, status=400)
