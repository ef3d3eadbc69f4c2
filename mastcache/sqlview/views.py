"""Union views over cached results: ``observations``, ``products``, ``catalog_*``, ``mission_*``.

Each is ``UNION ALL BY NAME`` over the results that belong to it (columns unified by name,
missing ones null), deduplicated on an id: for every id, only the rows of the most recently
fetched result that holds it survive (all of them, if that result repeats the id), and
``source_queries`` lists every query that holds it. Rows whose id is null are all kept.
Views stay lazy: nothing is read until a query runs, and then only the columns it needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mastcache.sqlview.naming import id_column_for, table_view_name
from mastcache.store.records import QueryRecord

__all__ = ["Member", "UnionView", "ident", "literal", "plan_union_views"]

#: Label in ``source_queries`` for rows that come from the product manifests.
MANIFEST_SOURCE = "manifest"

_EMPTY = {
    "observations": "CAST(NULL AS BIGINT) AS obsid",
    "products": "CAST(NULL AS VARCHAR) AS obsID, CAST(NULL AS VARCHAR) AS dataURI, "
    "CAST(NULL AS VARCHAR) AS productFilename",
}


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Member:
    """One relation taking part in a union view."""

    relation: str
    source: str
    #: 0 for the newest fetch; a lower rank wins a duplicated id.
    rank: int
    columns: tuple[str, ...]

    def has(self, column: str) -> bool:
        """Whether the relation has ``column`` (case-insensitively, as DuckDB binds it)."""
        return column.lower() in (c.lower() for c in self.columns)


@dataclass(frozen=True)
class UnionView:
    """A deduplicated union of members on ``keys`` (SQL expressions; empty: no dedup)."""

    name: str
    members: tuple[Member, ...]
    keys: tuple[str, ...]

    def sql(self) -> str:
        """The ``CREATE VIEW`` statement."""
        if not self.members:
            columns = _EMPTY.get(self.name, "CAST(NULL AS VARCHAR) AS id")
            body = f"SELECT {columns}, CAST([] AS VARCHAR[]) AS source_queries LIMIT 0"
        elif not self.keys or len(self.members) == 1:
            # one result alone has nothing to lose to a newer one: skip the window
            body = (
                "SELECT * EXCLUDE (__mc_source, __mc_rank), [__mc_source] AS source_queries "
                f"FROM ({self._union()})"
            )
        else:
            body = self._deduplicated()
        return f"CREATE VIEW {ident(self.name)} AS {body}"

    def _union(self) -> str:
        branches = (
            f"SELECT *, {literal(m.source)} AS __mc_source, {m.rank} AS __mc_rank "
            f"FROM {ident(m.relation)}"
            for m in self.members
        )
        return " UNION ALL BY NAME ".join(branches)

    def _deduplicated(self) -> str:
        # An anti join drops rows whose id a newer result also holds: cheaper than a window
        # over every column. source_queries is a window DuckDB prunes when not selected.
        unkeyed = " OR ".join(f"({key}) IS NULL" for key in self.keys)
        partition = ", ".join(self.keys)
        newer = ", ".join(f"{key} AS __mc_k{i}" for i, key in enumerate(self.keys))
        same_id = " AND ".join(f"({key}) = n.__mc_k{i}" for i, key in enumerate(self.keys))
        return (
            "SELECT t.* EXCLUDE (__mc_source, __mc_rank) FROM ("
            f"SELECT *, CASE WHEN {unkeyed} THEN [__mc_source] ELSE "
            f"list_sort(list_distinct(list(__mc_source) OVER (PARTITION BY {partition}))) "
            f"END AS source_queries FROM ({self._union()})"
            f") t ANTI JOIN (SELECT {newer}, __mc_rank FROM ({self._union()})) n "
            f"ON {same_id} AND n.__mc_rank < t.__mc_rank"
        )


def plan_union_views(
    results: Sequence[tuple[QueryRecord, Member]], manifest: Member | None
) -> list[UnionView]:
    """Every union view for the cached results (and the product manifests, if any)."""
    observations = [m for r, m in results if r.kind == "observations" and m.has("obsid")]
    products = [m for r, m in results if r.kind == "products" and _is_product_list(m)]
    if manifest is not None:
        products.append(manifest)
    return [
        UnionView("observations", tuple(observations), (ident("obsid"),)),
        UnionView("products", tuple(products), _product_keys(products)),
        *_table_views(results),
    ]


def rank_records(records: Iterable[QueryRecord]) -> dict[str, int]:
    """Rank of each query key: 0 for the newest fetch (ties broken by key)."""
    ordered = sorted(records, key=lambda r: (-r.fetched_at.timestamp(), r.key))
    return {record.key: rank for rank, record in enumerate(ordered)}


def _is_product_list(member: Member) -> bool:
    return member.has("obsid") and (member.has("dataURI") or member.has("productFilename"))


def _product_keys(members: Sequence[Member]) -> tuple[str, ...]:
    names = [n for n in ("dataURI", "productFilename") if any(m.has(n) for m in members)]
    if not names:
        return (ident("obsID"),)
    return (ident("obsID"), f"coalesce({', '.join(ident(n) for n in names)})")


def _table_views(results: Sequence[tuple[QueryRecord, Member]]) -> list[UnionView]:
    groups: dict[str, list[Member]] = {}
    for record, member in results:
        name = table_view_name(record.kind, record.service)
        if name is not None:
            groups.setdefault(name, []).append(member)
    views = []
    for name, members in sorted(groups.items()):
        table = name.split("_", 1)[1]
        column = id_column_for(table, [m.columns for m in members])
        keys = (ident(column),) if column else ()
        views.append(UnionView(name, tuple(members), keys))
    return views
