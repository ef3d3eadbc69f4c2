"""Union views over cached results: ``observations``, ``products``, ``catalog_*``, ``mission_*``.

Each is ``UNION ALL BY NAME`` over the results that belong to it (columns unified by name,
missing ones null), deduplicated on an id: for every id, only the rows of the most recently
fetched result that holds it survive (all of them, if that result repeats the id), and
``source_queries`` lists every query that holds it. Rows whose id is null are all kept.
Views stay lazy: nothing is read until a query runs, and then only the columns it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mastcache.sqlview.naming import id_column_for

__all__ = [
    "OBSERVATIONS_SCHEMA",
    "PRODUCTS_SCHEMA",
    "SCHEMAS",
    "Member",
    "UnionView",
    "ident",
    "literal",
    "union_view",
]

#: Label in ``source_queries`` for rows that come from the product manifests.
MANIFEST_SOURCE = "manifest"

_V, _F, _I = "VARCHAR", "DOUBLE", "BIGINT"

#: The documented columns of ``observations``: the CAOM columns MAST's Portal returns for
#: Mast.Caom.Cone/Filtered (mast-samples columnsconfig; astroquery's typing). Every one is in
#: the view on any cache, empty or partly filled, so any documented query binds (issue #18).
OBSERVATIONS_SCHEMA: tuple[tuple[str, str], ...] = (
    ("intentType", _V), ("obs_collection", _V), ("provenance_name", _V),
    ("instrument_name", _V), ("project", _V), ("filters", _V), ("wavelength_region", _V),
    ("target_name", _V), ("target_classification", _V), ("obs_id", _V), ("s_ra", _F),
    ("s_dec", _F), ("dataproduct_type", _V), ("proposal_pi", _V), ("calib_level", _I),
    ("t_min", _F), ("t_max", _F), ("t_exptime", _F), ("em_min", _F), ("em_max", _F),
    ("obs_title", _V), ("t_obs_release", _F), ("proposal_id", _V), ("proposal_type", _V),
    ("sequence_number", _I), ("s_region", _V), ("jpegURL", _V), ("dataURL", _V),
    ("dataRights", _V), ("mtFlag", "BOOLEAN"), ("srcDen", _F), ("obsid", _V), ("objID", _V),
    ("distance", _F),
)  # fmt: skip

#: The documented columns of ``products``: MAST's product list columns plus the manifest's.
PRODUCTS_SCHEMA: tuple[tuple[str, str], ...] = (
    ("obsID", _V), ("obs_collection", _V), ("dataproduct_type", _V), ("obs_id", _V),
    ("description", _V), ("type", _V), ("dataURI", _V), ("productType", _V),
    ("productGroupDescription", _V), ("productSubGroupDescription", _V),
    ("productDocumentationURL", _V), ("project", _V), ("prvversion", _V), ("proposal_id", _V),
    ("productFilename", _V), ("size", _I), ("parent_obsid", _V), ("dataRights", _V),
    ("calib_level", _I), ("filters", _V), ("checksum", _V), ("scope", _V),
    ("fetched_at", "TIMESTAMP WITH TIME ZONE"),
)  # fmt: skip

#: Declared schemas of the union views (others take their columns from what is cached).
SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "observations": OBSERVATIONS_SCHEMA,
    "products": PRODUCTS_SCHEMA,
}


def _typed_nulls(schema: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"CAST(NULL AS {type_}) AS {ident(name)}" for name, type_ in schema)


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Member:
    """One relation taking part in a union view: one result, or a group of results."""

    relation: str
    source: str
    #: 0 for the newest fetch; a lower rank wins a duplicated id.
    rank: int
    columns: tuple[str, ...]
    #: How many cached results the relation holds.
    results: int = 1
    #: The relation carries ``__mc_source``/``__mc_rank`` per row (a group of results, one
    #: pyarrow dataset: sqlview/resultviews.py); else ``source`` and ``rank`` are its own.
    per_row: bool = False

    def has(self, column: str) -> bool:
        """Whether the relation has ``column`` (case-insensitively, as DuckDB binds it)."""
        return column.lower() in (c.lower() for c in self.columns)

    def select(self) -> str:
        """Its rows with ``__mc_source`` and ``__mc_rank``."""
        if self.per_row:
            return f"SELECT * FROM {ident(self.relation)}"
        return (
            f"SELECT *, {literal(self.source)} AS __mc_source, {self.rank} AS __mc_rank "
            f"FROM {ident(self.relation)}"
        )


@dataclass(frozen=True)
class UnionView:
    """A deduplicated union of members on ``keys`` (SQL expressions; empty: no dedup)."""

    name: str
    members: tuple[Member, ...]
    keys: tuple[str, ...]

    def sql(self) -> str:
        """The ``CREATE VIEW`` statement."""
        if not self.members:
            schema = SCHEMAS.get(self.name, (("id", "VARCHAR"),))
            columns = _typed_nulls(schema)
            body = f"SELECT {columns}, CAST([] AS VARCHAR[]) AS source_queries LIMIT 0"
        elif not self.keys or sum(member.results for member in self.members) == 1:
            # one result alone has nothing to lose to a newer one: skip the window
            body = (
                "SELECT * EXCLUDE (__mc_source, __mc_rank), [__mc_source] AS source_queries "
                f"FROM ({self._union()})"
            )
        else:
            body = self._deduplicated()
        return f"CREATE VIEW {ident(self.name)} AS {body}"

    def _union(self) -> str:
        branches = [member.select() for member in self.members]
        missing = self._missing_columns()
        if missing:  # a zero-row branch adds the declared columns no member has
            branches.append(
                f"SELECT {_typed_nulls(missing)}, '' AS __mc_source, 0 AS __mc_rank WHERE false"
            )
        return " UNION ALL BY NAME ".join(branches)

    def _missing_columns(self) -> list[tuple[str, str]]:
        return [
            (name, type_)
            for name, type_ in SCHEMAS.get(self.name, ())
            if not any(member.has(name) for member in self.members)
        ]

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


def union_view(name: str, members: Sequence[Member], manifest: Member | None) -> UnionView:
    """The union view ``name`` over the members that may belong to it (and the product
    manifests, for ``products``)."""
    if name == "observations":
        return UnionView(name, tuple(m for m in members if m.has("obsid")), (ident("obsid"),))
    if name == "products":
        products = [m for m in members if _is_product_list(m)]
        if manifest is not None:
            products.append(manifest)
        return UnionView(name, tuple(products), _product_keys(products))
    table = name.split("_", 1)[1]
    # every result votes for the id column, whether alone or in a group
    column = id_column_for(table, [m.columns for m in members for _ in range(m.results)])
    return UnionView(name, tuple(members), (ident(column),) if column else ())


def _is_product_list(member: Member) -> bool:
    return member.has("obsid") and (member.has("dataURI") or member.has("productFilename"))


def _product_keys(members: Sequence[Member]) -> tuple[str, ...]:
    names = [n for n in ("dataURI", "productFilename") if any(m.has(n) for m in members)]
    if not names:
        return (ident("obsID"),)
    return (ident("obsID"), f"coalesce({', '.join(ident(n) for n in names)})")
