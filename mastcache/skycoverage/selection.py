"""Which cached observations a coverage covers: one SELECT over the ``observations`` view.

Filters become a WHERE clause of the locked-down SQL session (sqlview), so ``where`` is any
condition the ``observations`` view accepts, and nothing outside the cache is reachable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mastcache.sqlview.session import CacheSQL
from mastcache.sqlview.views import ident, literal

__all__ = ["ObservationRows", "Selection", "as_tuple", "select_observations"]

#: Columns a coverage reads (absent ones read as NULL).
_COLUMNS = ("obsid", "obs_collection", "instrument_name", "s_region", "s_ra", "s_dec")
#: Time filters overlap MAST's t_min/t_max (MJD).
_TIME_START, _TIME_END = "t_max", "t_min"


@dataclass(frozen=True)
class Selection:
    """Filters over the ``observations`` view; every one narrows (AND)."""

    collections: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    start_mjd: float | None = None
    end_mjd: float | None = None
    where: str | None = None

    @property
    def is_filtered(self) -> bool:
        return bool(self.collections or self.instruments or self.where) or (
            self.start_mjd is not None or self.end_mjd is not None
        )

    def condition(self, columns: Sequence[str]) -> str:
        """The WHERE condition over a view with ``columns`` ("TRUE" when unfiltered)."""
        have = {c.lower() for c in columns}
        parts = [
            *_in_clause("obs_collection", self.collections, have, prefix=False),
            *_in_clause("instrument_name", self.instruments, have, prefix=True),
            *_time_clause(self.start_mjd, self.end_mjd, have),
        ]
        if self.where:
            parts.append(f"({self.where})")
        return " AND ".join(parts) or "TRUE"


@dataclass(frozen=True)
class ObservationRows:
    """The selected observations' footprint columns, and their products count."""

    obsid: list[str | None]
    collection: list[str | None]
    s_region: list[str | None]
    s_ra: list[float | None]
    s_dec: list[float | None]
    products: int


def select_observations(session: CacheSQL, selection: Selection) -> ObservationRows:
    """The observations ``selection`` picks from ``session``'s views."""
    columns = [name for name, _ in session.views.get("observations", [])]
    condition = selection.condition(columns)
    listed = ", ".join(_column(name, columns) for name in _COLUMNS)
    rows = session.arrow(f"SELECT {listed} FROM observations WHERE {condition}").to_pydict()
    return ObservationRows(
        obsid=rows["obsid"],
        collection=rows["obs_collection"],
        s_region=rows["s_region"],
        s_ra=rows["s_ra"],
        s_dec=rows["s_dec"],
        products=_count_products(session, condition, columns),
    )


def _column(name: str, columns: Sequence[str]) -> str:
    matches = [c for c in columns if c.lower() == name]
    kind = "DOUBLE" if name in ("s_ra", "s_dec") else "VARCHAR"
    if not matches:
        return f"CAST(NULL AS {kind}) AS {name}"
    return f"TRY_CAST({ident(matches[0])} AS {kind}) AS {name}"


def _count_products(session: CacheSQL, condition: str, columns: Sequence[str]) -> int:
    """Cached products of the selected observations (by obsID or parent_obsid)."""
    product_columns = {name.lower(): name for name, _ in session.views.get("products", [])}
    if "obsid" not in {c.lower() for c in columns} or "obsid" not in product_columns:
        return 0
    keys = [ident(product_columns["obsid"])]
    if "parent_obsid" in product_columns:
        keys.append(ident(product_columns["parent_obsid"]))
    picked = f"SELECT CAST(obsid AS VARCHAR) FROM observations WHERE {condition}"
    matches = " OR ".join(f"CAST({key} AS VARCHAR) IN ({picked})" for key in keys)
    answer = session.arrow(f"SELECT count(*) AS n FROM products WHERE {matches}")
    return int(answer.column(0)[0].as_py())


def _in_clause(column: str, values: Sequence[str], have: set[str], *, prefix: bool) -> list[str]:
    if not values:
        return []
    if column not in have:
        return ["FALSE"]  # nothing cached says which collection or instrument it is
    tests = []
    for value in values:
        text = literal(value.upper())
        tests.append(f"upper({ident(column)}) = {text}")
        if prefix:  # "WFC3" picks "WFC3/UVIS" and "WFC3/IR"
            tests.append(f"starts_with(upper({ident(column)}), {literal(value.upper() + '/')})")
    return ["(" + " OR ".join(tests) + ")"]


def _time_clause(start: float | None, end: float | None, have: set[str]) -> list[str]:
    parts: list[str] = []
    if start is not None:
        parts.append(_bound(_TIME_START, ">=", start, have))
    if end is not None:
        parts.append(_bound(_TIME_END, "<=", end, have))
    return parts


def _bound(column: str, op: str, value: float, have: set[str]) -> str:
    if column not in have:
        return "FALSE"
    return f"TRY_CAST({ident(column)} AS DOUBLE) {op} {float(value)!r}"


def as_tuple(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """A filter argument as a tuple: one name, several, or none."""
    if values is None:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)
