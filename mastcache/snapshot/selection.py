"""Which cache entries a snapshot takes: queries by key, service and time window, the
resolutions asked for, the product manifests and files of the chosen observations.

Results of a non-anonymous scope (proprietary data) stay out unless asked for.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from mastcache.errors import CorruptEntryError, SnapshotError
from mastcache.keys import resolution_key
from mastcache.store import FileRecord, ProductRecord, QueryRecord, ResolutionRecord, Store

__all__ = ["COLUMNS_CONFIG", "Chosen", "Selection", "choose"]

ANONYMOUS = "anonymous"
#: The service name column configurations are stored under (mastcache.client.core).
COLUMNS_CONFIG = "Mast.Portal.ColumnsConfig"
_R = TypeVar("_R", QueryRecord, ResolutionRecord, FileRecord)
#: Shortest key prefix accepted on the command line.
MIN_PREFIX = 6


@dataclass(frozen=True)
class Selection:
    """What to take. ``keys`` are query or resolution keys (or unique prefixes);
    ``None`` means "everything" for that filter."""

    keys: frozenset[str] | None = None
    services: frozenset[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_proprietary: bool = False
    with_files: bool = False
    #: Unknown keys are an error (create) or merely reported (record: uncached calls).
    is_strict: bool = True


@dataclass
class Chosen:
    queries: list[QueryRecord] = field(default_factory=list)
    resolutions: list[ResolutionRecord] = field(default_factory=list)
    products: list[ProductRecord] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    excluded_proprietary: int = 0
    not_cached: list[str] = field(default_factory=list)
    #: Entries taken only because the chosen queries' replay needs them (included above).
    needed_configs: int = 0
    needed_resolutions: int = 0


def choose(store: Store, selection: Selection) -> Chosen:
    """The entries of ``store`` that ``selection`` takes, sorted by key."""
    chosen = Chosen()
    queries = [q for q in store.list_queries() if _in_window(q.fetched_at, selection)]
    with store.unit_of_work(read_only=True) as uow:
        resolutions = {_key(r): r for r in uow.resolutions.list()}
    resolutions = {k: r for k, r in resolutions.items() if _in_window(r.fetched_at, selection)}
    if selection.keys is not None:
        queries, picked = _by_keys(queries, resolutions, selection, chosen)
    else:
        queries = [q for q in queries if _has_service(q, selection)]
        picked = list(resolutions.values()) if selection.services is None else []
    configs = _needed_configs(store, queries)
    needed = _needed_resolutions(resolutions_of(store), queries, picked)
    chosen.queries = _public(sorted(queries + configs, key=lambda q: q.key), selection, chosen)
    chosen.resolutions = _public(sorted(picked + needed, key=_key), selection, chosen)
    chosen.needed_configs = sum(1 for q in configs if q in chosen.queries)
    chosen.needed_resolutions = sum(1 for r in needed if r in chosen.resolutions)
    chosen.products = _products(store, chosen.queries, selection)
    if selection.with_files:
        files = _files(store, chosen.queries, chosen.products)
        chosen.files = _public(files, selection, chosen)  # a file keeps its download scope
    return chosen


def resolutions_of(store: Store) -> list[ResolutionRecord]:
    with store.unit_of_work(read_only=True) as uow:
        return list(uow.resolutions.list())


def _needed_configs(store: Store, queries: list[QueryRecord]) -> list[QueryRecord]:
    """The stored column configurations a replay of Portal ``queries`` may ask for: criteria
    queries build their filters from one (astroquery fetches ``Mast.Caom.Cone``'s), and a
    client asks for it before it looks for the result. They are small: all are taken."""
    if not any(q.service.startswith("Mast.") for q in queries):
        return []
    taken = {q.key for q in queries}
    configs = store.list_queries(service=COLUMNS_CONFIG)
    return [q for q in configs if q.key not in taken]


def _needed_resolutions(
    resolutions: list[ResolutionRecord],
    queries: list[QueryRecord],
    picked: list[ResolutionRecord],
) -> list[ResolutionRecord]:
    """Resolutions whose position is the centre of a chosen query: a replayed
    ``query_object("M101")`` asks for the name before the cone."""
    centres = [c for q in queries for c in _positions(q.params)]
    if not centres:
        return []
    taken = {_key(r) for r in picked}
    needed = []
    for record in resolutions:
        if _key(record) in taken:
            continue
        if any(_near(entry, centre) for entry in record.entries for centre in centres):
            needed.append(record)
            taken.add(_key(record))
    return needed


_PAIR = re.compile(
    r"^\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)\s*[, ]\s*(-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
)


def _positions(value: object) -> list[tuple[float, float]]:
    """Every (ra, dec) in a query's parameters: ``ra``/``dec`` keys, or "RA, DEC[, R]" text."""
    found: list[tuple[float, float]] = []
    if isinstance(value, dict):
        lower = {str(k).lower(): v for k, v in value.items()}
        with contextlib.suppress(KeyError, TypeError, ValueError):
            found.append((float(lower["ra"]), float(lower["dec"])))
        for item in value.values():
            found += _positions(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            found += _positions(item)
    elif isinstance(value, str):
        match = _PAIR.match(value)
        if match:
            found.append((float(match.group(1)), float(match.group(2))))
    return found


def _near(entry: dict[str, object], centre: tuple[float, float]) -> bool:
    try:
        ra, dec = float(entry["ra"]), float(entry["decl"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return False
    return abs(ra - centre[0]) < 1e-6 and abs(dec - centre[1]) < 1e-6


def _key(record: ResolutionRecord) -> str:
    return resolution_key(record.name, record.resolver, record.resolve_all, record.scope)


def _in_window(when: datetime, selection: Selection) -> bool:
    if selection.since is not None and when < selection.since:
        return False
    return selection.until is None or when <= selection.until


def _has_service(query: QueryRecord, selection: Selection) -> bool:
    return selection.services is None or query.service in selection.services


def _by_keys(
    queries: list[QueryRecord],
    resolutions: dict[str, ResolutionRecord],
    selection: Selection,
    chosen: Chosen,
) -> tuple[list[QueryRecord], list[ResolutionRecord]]:
    by_key = {q.key: q for q in queries if _has_service(q, selection)}
    taken_queries: dict[str, QueryRecord] = {}
    taken_resolutions: dict[str, ResolutionRecord] = {}
    for wanted in sorted(selection.keys or ()):
        matches = _matches(wanted, [*by_key, *resolutions], selection)
        if not matches:
            chosen.not_cached.append(wanted)
        for key in matches:
            if key in by_key:
                taken_queries[key] = by_key[key]
            else:
                taken_resolutions[key] = resolutions[key]
    return list(taken_queries.values()), list(taken_resolutions.values())


def _matches(wanted: str, keys: list[str], selection: Selection) -> list[str]:
    wanted = wanted.strip().lower()
    if len(wanted) == 64 or not selection.is_strict:
        found = [key for key in keys if key == wanted]
    else:
        if len(wanted) < MIN_PREFIX:
            raise SnapshotError(
                f"key {wanted!r} is too short: give at least {MIN_PREFIX} hex digits of a "
                'query key (`mastcache sql "SELECT key, service FROM queries"` lists them)'
            )
        found = [key for key in keys if key.startswith(wanted)]
    if len(found) > 1:
        raise SnapshotError(
            f"key prefix {wanted!r} matches {len(found)} cached entries; give more digits"
        )
    if not found and selection.is_strict:
        raise SnapshotError(
            f"no cached query or resolution has key {wanted!r} (within the chosen services "
            "and time window); run the query first, or list keys with "
            '`mastcache sql "SELECT key, service, fetched_at FROM queries"`'
        )
    return found


def _public(records: list[_R], selection: Selection, chosen: Chosen) -> list[_R]:
    if selection.include_proprietary:
        return records
    kept = [r for r in records if r.scope == ANONYMOUS]
    chosen.excluded_proprietary += len(records) - len(kept)
    return kept


def _column_values(store: Store, queries: Iterable[QueryRecord], column: str) -> set[str]:
    values: set[str] = set()
    for query in queries:
        values.update(_file_column(store, column, query))
        if column in query.params:
            values.update(str(v) for v in _as_list(query.params[column]))
    return values


def _file_column(store: Store, column: str, query: QueryRecord) -> list[str]:
    """The column's values in the result file (cache directory or team object store)."""
    objects = store.objects
    location, filesystem = objects.location(query.table_path), objects.filesystem
    try:
        if column not in pq.read_schema(location, filesystem=filesystem).names:
            return []
        table = pq.read_table(location, columns=[column], filesystem=filesystem)
        array = table.column(column)
    except (pa.ArrowException, OSError) as exc:
        raise CorruptEntryError(
            f"the cached result of query {query.key[:12]} ({query.service}) cannot be read "
            f"from {objects.url}/{query.table_path} ({exc}); run `mastcache cache verify`, "
            "fetch it again, then retry"
        ) from exc
    return [str(v) for v in array.to_pylist() if v is not None]


def _as_list(value: object) -> list[object]:
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] if value is not None else []


def _products(
    store: Store, queries: list[QueryRecord], selection: Selection
) -> list[ProductRecord]:
    obsids = sorted(_column_values(store, queries, "obsid"))
    scopes = [ANONYMOUS, *sorted({q.scope for q in queries} - {ANONYMOUS})]
    products = [p for scope in scopes for p in store.get_products(obsids, scope)]
    if not selection.include_proprietary:
        products = [p for p in products if p.scope == ANONYMOUS]
    return sorted(products, key=lambda p: (p.obsid, p.uri, p.scope))


def _files(
    store: Store, queries: list[QueryRecord], products: list[ProductRecord]
) -> list[FileRecord]:
    uris = _column_values(store, queries, "dataURI") | {p.uri for p in products}
    files = [store.get_file(uri) for uri in sorted(uris)]
    return [f for f in files if f is not None and f.status == "complete"]
