"""``diff(path)``: has MAST moved since the snapshot? Re-ask every query and report drift.

Order of operations: verify the snapshot; for each query, read its table from the bundle
and get today's answer, either from MAST (the current settings' server, past the result
store and the HTTP cache; no result is stored) or from the same key in ``against``, another
snapshot; compare them on the result kind's natural key (:mod:`.drift`). Queries that
cannot be asked again as they were (one page, extra request options, a login, cutouts) are
reported as skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastcache import runtime
from mastcache.errors import MastCacheError, TransportError
from mastcache.keys import query_key
from mastcache.settings import Settings
from mastcache.snapshot.bundle import BundleReader
from mastcache.snapshot.drift import QueryDrift, compare_tables
from mastcache.snapshot.manifest import Manifest, QueryEntry
from mastcache.snapshot.verify import verify
from mastcache.store.parquet import read_table

if TYPE_CHECKING:
    from astropy.table import Table

    from mastcache.gateways.portal import MastGateway

__all__ = ["DriftReport", "QueryDrift", "diff"]

#: Pseudo-services whose stored answer is metadata, not a result to compare.
_NOT_RESULTS = ("Mast.Portal.ColumnsConfig",)


@dataclass(frozen=True)
class DriftReport:
    """Per-query drift of a snapshot against MAST or another snapshot."""

    snapshot: Path
    against: str
    queries: tuple[QueryDrift, ...]

    @property
    def has_drift(self) -> bool:
        return any(q.has_drift for q in self.queries)

    @property
    def has_errors(self) -> bool:
        return any(q.status == "error" for q in self.queries)

    def counts(self) -> dict[str, int]:
        """Queries per status, and rows added, removed and changed over all queries."""
        totals = {s: 0 for s in ("same", "drifted", "missing", "skipped", "error")}
        for query in self.queries:
            totals[query.status] += 1
        totals["rows_added"] = sum(len(q.added) for q in self.queries)
        totals["rows_removed"] = sum(len(q.removed) for q in self.queries)
        totals["rows_changed"] = sum(len(q.changed) for q in self.queries)
        return totals

    def summary(self) -> str:
        c = self.counts()
        verdict = "drift" if self.has_drift else ("incomplete" if self.has_errors else "no drift")
        return (
            f"{verdict}: {len(self.queries)} queries of {self.snapshot.name} against "
            f"{self.against}: {c['drifted']} drifted, {c['missing']} missing, {c['same']} "
            f"unchanged, {c['skipped']} skipped, {c['error']} failed; rows +{c['rows_added']} "
            f"-{c['rows_removed']} ~{c['rows_changed']}"
        )

    def render(self) -> str:
        """A table for people: one line per query, then the summary."""
        header = ("STATUS", "ROWS", "+ADDED", "-REMOVED", "~CHANGED", "COLUMNS CHANGED", "QUERY")
        rows = [header] + [_line(q) for q in self.queries]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
        lines = ["  ".join([*(r[i].ljust(w) for i, w in enumerate(widths)), r[-1]]) for r in rows]
        return "\n".join([*lines, self.summary()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "snapshot": str(self.snapshot),
            "against": self.against,
            "has_drift": self.has_drift,
            "counts": self.counts(),
            "summary": self.summary(),
            "queries": [q.to_dict() for q in self.queries],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, sort_keys=True, allow_nan=False)


def _line(query: QueryDrift) -> tuple[str, ...]:
    columns = [f"{name}({count})" for name, count in query.changed_columns.items()]
    columns += [f"+{name}" for name in query.columns_added]
    columns += [f"-{name}" for name in query.columns_removed]
    measured = query.status in ("same", "drifted")
    rows = f"{query.rows_before}->{query.rows_after}" if measured else "-"
    counts = [str(len(x)) if measured else "-" for x in (query.added, query.removed, query.changed)]
    what = query.describe() + (f"  ({query.note})" if query.note else "")
    return (query.status, rows, *counts, ", ".join(columns) or "-", what)


Answer = Callable[[QueryEntry], "Table"]


def diff(
    path: str | os.PathLike[str],
    *,
    against: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
) -> DriftReport:
    """Re-ask every query of the snapshot at ``path`` (of MAST, or of snapshot ``against``)
    and report what changed. MAST is the server of ``settings`` (default: current)."""
    path = Path(path)
    manifest = verify(path).raise_for_problems("diff")
    with ExitStack() as stack:
        reader = stack.enter_context(BundleReader(path))
        if against is not None:
            other = Path(against)
            answer = stack.enter_context(_snapshot_answers(other))
            where = str(other)
        else:
            settings = settings or runtime.current_settings()
            answer = stack.enter_context(_mast_answers(settings))
            where = f"MAST ({settings.mast_url or 'https://mast.stsci.edu'})"
        drifts = tuple(_drift(entry, reader, manifest, answer) for entry in manifest.queries)
    return DriftReport(path, where, drifts)


def _drift(
    entry: QueryEntry, reader: BundleReader, manifest: Manifest, answer: Answer
) -> QueryDrift:
    base: dict[str, Any] = {"key": entry.key, "service": entry.service, "kind": entry.kind}
    base["params"] = dict(entry.params)
    reason = _why_not_reasked(entry)
    if reason:
        return QueryDrift(**base, status="skipped", note=reason)
    try:
        today = answer(entry)
    except _NotAskable as unknown:
        return QueryDrift(**base, status="skipped", note=str(unknown))
    except _Missing as missing:
        return QueryDrift(**base, status="missing", note=str(missing))
    except TransportError:
        raise  # MAST cannot be reached: no query can be compared
    except MastCacheError as exc:
        return QueryDrift(**base, status="error", note=f"{type(exc).__name__}: {exc}")
    before = read_table(reader.read(entry.member, manifest.members[entry.member].size))
    return QueryDrift(**base, **compare_tables(before, today))


def _why_not_reasked(entry: QueryEntry) -> str:
    if entry.service in _NOT_RESULTS:
        return "a column configuration, not a query result"
    if entry.kind == "cutouts":
        return "cutouts are files, not tables"
    if entry.scope != "anonymous":
        return "asked with a MAST login"
    if query_key(entry.service, entry.params) != entry.key:
        return "one page or extra request options: cannot be asked again as it was"
    return ""


class _Missing(MastCacheError):
    """The other snapshot does not hold this query."""


@contextmanager
def _snapshot_answers(other: Path) -> Iterator[Answer]:
    manifest = verify(other).raise_for_problems("diff against")
    held = {entry.key: entry for entry in manifest.queries}
    with BundleReader(other) as reader:

        def answer(entry: QueryEntry) -> Table:
            found = held.get(entry.key)
            if found is None:
                raise _Missing(f"{other.name} does not hold this query")
            return read_table(reader.read(found.member, manifest.members[found.member].size))

        yield answer


@contextmanager
def _mast_answers(settings: Settings) -> Iterator[Answer]:
    from mastcache.gateways.portal import MastGateway

    gateway = MastGateway.from_settings(settings)
    try:
        yield lambda entry: _ask_mast(gateway, entry)
    finally:
        gateway.transport.close()


def _ask_mast(gateway: MastGateway, entry: QueryEntry) -> Table:
    """Today's answer, asked as the client asked it, past the result store and HTTP cache."""
    from mastcache.gateways.services import ServiceGateway
    from mastcache.mast.columns import config_name
    from mastcache.mast.tables import search_table

    service, params = entry.service, dict(entry.params)
    head, _, rest = service.partition("/")
    if head == "search" and rest:
        answer = ServiceGateway(gateway.transport).mission_search(rest, params, force_refresh=True)
        return search_table(answer, "results")
    if head == "panstarrs" and rest.count("/") == 1:
        release, table = rest.split("/")
        services = ServiceGateway(gateway.transport)
        return search_table(services.panstarrs(release, table, params, force_refresh=True), "data")
    if service.startswith("Mast."):
        fetch_name = config_name(service, {})
        return gateway.portal_table(service, params, fetch_name=fetch_name, force_refresh=True)
    raise _NotAskable(f"mastcache does not know how to ask {service} again")


class _NotAskable(MastCacheError):
    """A service this module cannot re-ask."""
