"""Names of the SQL views: which view a cached table belongs to, and its id column.

Catalog and mission results get one view per table (``catalog_tic``, ``mission_hst``),
named from the service by dropping the words that name the protocol rather than the table
(``Mast``, ``Catalogs``, ``Filtered``, ``Cone``, ``Rows``, ``search``, ``api/v0.1``...).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "ID_COLUMNS",
    "KIND_PREFIXES",
    "KNOWN_ID_COLUMNS",
    "choose_id_column",
    "id_column_for",
    "query_view_names",
    "table_view_name",
]

#: Result kinds that get one view per table, and the prefix of those views.
KIND_PREFIXES = {"catalogs": "catalog", "missions": "mission"}

#: Words in a service name that say how a table was asked for, not which table it is.
_NOISE = frozenset(
    {
        "mast",
        "catalogs",
        "catalog",
        "filtered",
        "cone",
        "rows",
        "position",
        "db",
        "all",
        "search",
        "api",
        "json",
        "csv",
        "votable",
        "https",
        "http",
        "stsci",
        "edu",
    }
)
_API_VERSION = re.compile(r"\bv\d+\.\d+\b")
_HEX = re.compile(r"[0-9a-f]+")
_SEPARATORS = re.compile(r"[./:\\\s]+")

#: Id column of the catalog and mission tables MAST serves (table name pattern -> column),
#: from the recorded responses and astroquery's dataset keywords (MAST_PROTOCOL.md 1.8, 5).
KNOWN_ID_COLUMNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(tic|ctl|tess)$"), "ID"),
    (re.compile(r"^gaia"), "source_id"),
    (re.compile(r"^panstarrs_.*detection$"), "detectID"),
    (re.compile(r"^panstarrs"), "objID"),
    (re.compile(r"^hsc_v\d+$"), "MatchID"),
    (re.compile(r"^hscspectra$"), "DatasetName"),
    (re.compile(r"^galex"), "objid"),
    (re.compile(r"^(diskdetective|dd)$"), "ZooniverseID"),
    (re.compile(r"^hst$"), "sci_data_set_name"),
    (re.compile(r"^jwst$"), "fileSetName"),
    (re.compile(r"^classy$"), "Target"),
    (re.compile(r"^ullyses$"), "observation_id"),
)

#: Id columns tried, in order, for tables not listed above.
ID_COLUMNS = ("ID", "objID", "source_id", "sci_data_set_name", "fileSetName", "observation_id")


def table_view_name(kind: str, service: str) -> str | None:
    """``catalog_<table>`` / ``mission_<table>`` for a catalog or mission result, else None."""
    prefix = KIND_PREFIXES.get(kind)
    if prefix is None:
        return None
    return f"{prefix}_{_table_name(service)}"


def _table_name(service: str) -> str:
    text = _API_VERSION.sub(" ", service.lower())
    words = [w for w in _SEPARATORS.split(text) if w and w not in _NOISE]
    name = re.sub(r"[^a-z0-9]+", "_", "_".join(words)).strip("_")
    return name or "unnamed"


def id_column_for(table: str, column_sets: Sequence[Sequence[str]]) -> str | None:
    """The id column a ``catalog_``/``mission_`` view over ``table`` deduplicates on."""
    present = {name.lower() for columns in column_sets for name in columns}
    for pattern, column in KNOWN_ID_COLUMNS:
        if pattern.search(table) and column.lower() in present:
            return column
    return choose_id_column(column_sets)


def choose_id_column(column_sets: Iterable[Sequence[str]]) -> str | None:
    """The id column most of the tables carry (ties: :data:`ID_COLUMNS` order), or None."""
    lowered = [{name.lower() for name in columns} for columns in column_sets]
    counts = {name: sum(name.lower() in cols for cols in lowered) for name in ID_COLUMNS}
    best = max(ID_COLUMNS, key=lambda name: counts[name])
    return best if counts[best] else None


def query_view_names(keys: Iterable[str]) -> dict[str, str]:
    """``q_<key8>`` per query key; keys that share 8 hex digits get just enough more."""
    ordered = sorted(set(keys))
    names = {key: f"q_{key[:8]}" for key in ordered}
    if len(set(names.values())) == len(names):
        return names  # the usual case: no two keys share their first 8 digits
    shared = _shared_prefixes(ordered)
    for i, key in enumerate(ordered):
        length = max(8, shared[i] + 1, shared[i + 1] + 1)
        names[key] = f"q_{key[:length]}"
    return names


def _shared_prefixes(ordered: Sequence[str]) -> list[int]:
    """Digits each key shares with the one before it (0 for the first), then a final 0."""
    if all(len(k) == 64 for k in ordered) and _HEX.fullmatch("".join(ordered)):  # sha256: XOR
        numbers = [int(k, 16) for k in ordered]
        pairs = itertools.pairwise(numbers)
        shared = [64 - (((a ^ b).bit_length() + 3) // 4) for a, b in pairs]
    else:
        shared = [_common_prefix(a, b) for a, b in itertools.pairwise(ordered)]
    return [0, *shared, 0]


def _common_prefix(a: str, b: str) -> int:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return length
