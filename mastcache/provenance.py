"""``Table.meta["mastcache"]``: a result's provenance that joins, stacks and merges quietly.

Every table mastcache serves carries where it came from (``key``, ``source``,
``fetched_at``, ``expires_at``). As a plain ``dict`` that made astropy's metadata merge
(``join``, ``vstack``, ``hstack``) warn once per differing item - 3-4
``MergeConflictWarning``s per join of two results, where stock astroquery prints none.

:class:`TableProvenance` is a small mapping with the same items, so using it is unchanged
(``meta["mastcache"]["source"]``, ``dict(meta["mastcache"])``, equality with a dict, editing
a served table's meta). Because it is not a ``dict``, astropy consults its registered merge
strategies, and :class:`MergeProvenance` (enabled) combines two provenances silently: equal
ones stay as they are; different ones become one provenance whose ``merged`` item lists
every input's provenance, with the oldest ``fetched_at``, the earliest ``expires_at``, the
common ``key`` and ``source`` (or ``None`` / ``"mixed"``). YAML writers (ECSV, astropy's
Parquet/HDF5 meta, mastcache's own store) see a plain mapping.
"""

from __future__ import annotations

import copy
import importlib
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any, ClassVar

from astropy.utils.metadata import MergeStrategy

__all__ = ["MergeProvenance", "TableProvenance", "merge_provenance", "table_provenance"]

_MERGED = "merged"
_ITEMS = ("key", "source", "fetched_at", "expires_at")


class TableProvenance(MutableMapping[str, Any]):
    """The provenance mapping kept in ``Table.meta["mastcache"]`` (not a ``dict``, so that
    astropy's metadata merge uses :class:`MergeProvenance` for it)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, name: str) -> Any:
        return self._items[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._items[name] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"TableProvenance({self._items!r})"

    def __copy__(self) -> TableProvenance:
        return TableProvenance(self._items)

    def __deepcopy__(self, memo: dict[int, Any]) -> TableProvenance:
        return TableProvenance(copy.deepcopy(self._items, memo))

    def __reduce__(self) -> tuple[Any, ...]:
        return (TableProvenance, (self._items,))

    def parts(self) -> list[dict[str, Any]]:
        """The single provenances this one stands for (itself unless merged)."""
        merged = self._items.get(_MERGED)
        if isinstance(merged, list):
            return [dict(part) for part in merged]
        return [dict(self._items)]


def table_provenance(items: Mapping[str, Any]) -> TableProvenance:
    """The value to store in ``Table.meta["mastcache"]`` for ``items``."""
    return TableProvenance(items)


def merge_provenance(left: Mapping[str, Any], right: Mapping[str, Any]) -> TableProvenance:
    """One provenance for a table combined from tables with ``left`` and ``right``."""
    left_p, right_p = _as_provenance(left), _as_provenance(right)
    if left_p == right_p:
        return left_p
    parts: list[dict[str, Any]] = []
    for part in [*left_p.parts(), *right_p.parts()]:
        if part not in parts:
            parts.append(part)
    if len(parts) == 1:
        return TableProvenance(parts[0])
    return TableProvenance(
        {
            "key": _common(parts, "key", None),
            "source": _common(parts, "source", "mixed"),
            "fetched_at": _extreme(parts, "fetched_at"),
            "expires_at": _extreme(parts, "expires_at"),
            _MERGED: parts,
        }
    )


class MergeProvenance(MergeStrategy):  # type: ignore[misc]
    """astropy merge strategy: two mastcache provenances merge without a warning."""

    types: ClassVar[list[tuple[type, type]]] = [
        (TableProvenance, TableProvenance),
        (TableProvenance, dict),
        (dict, TableProvenance),
    ]
    enabled = True

    @classmethod
    def merge(cls, left: Mapping[str, Any], right: Mapping[str, Any]) -> TableProvenance:
        return merge_provenance(left, right)


def _as_provenance(value: Mapping[str, Any]) -> TableProvenance:
    return value if isinstance(value, TableProvenance) else TableProvenance(value)


def _common(parts: list[dict[str, Any]], name: str, otherwise: Any) -> Any:
    values = {part.get(name) for part in parts}
    return values.pop() if len(values) == 1 else otherwise


def _extreme(parts: list[dict[str, Any]], name: str) -> Any:
    """The earliest ISO-8601 value (the strings sort as the UTC instants they name)."""
    values = [part[name] for part in parts if part.get(name)]
    return min(values) if values else None


def _register_yaml() -> None:
    """Write the provenance as a plain mapping wherever astropy or PyYAML dumps meta.

    astropy's ``AstropyDumper`` (ECSV's subclasses it) is a ``SafeDumper``: made later, it
    copies SafeDumper's representers, this one included, so it is registered here only when
    already imported (importing it imports astropy.coordinates, ~0.1 s)."""
    yaml: Any = importlib.import_module("yaml")  # PyYAML, an astropy dependency

    def represent(dumper: Any, data: TableProvenance) -> Any:
        return dumper.represent_dict(dict(data))

    dumpers = [yaml.SafeDumper, yaml.Dumper]
    astropy_yaml = sys.modules.get("astropy.io.misc.yaml")
    if astropy_yaml is not None:
        dumpers.append(astropy_yaml.AstropyDumper)
    for dumper in dumpers:
        dumper.add_representer(TableProvenance, represent)


_register_yaml()
