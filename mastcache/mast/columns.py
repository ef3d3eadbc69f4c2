"""Portal column configuration: filters, histogram merge and the metadata table.

A column configuration is the bare ``{column: properties}`` object MAST's ``columnsconfig``
answers (MAST_PROTOCOL.md sections 1.4-1.5). The rules follow astroquery 0.4.11's
``build_filter_set`` and ``_get_columnsconfig_metadata`` exactly, quirks included.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from astropy.table import Table

from mastcache.errors import InputWarning, InvalidQueryError, ProtocolError
from mastcache.mast.tables import parse_type

__all__ = [
    "build_filter_set",
    "column_properties",
    "config_name",
    "filter_entry",
    "is_continuous",
    "merge_histograms",
    "metadata_table",
]

#: Services typed by another service's column configuration (astroquery's fetch names).
_CONFIG_NAMES = (
    ("Mast.Caom.Filtered", "Mast.Caom.Cone"),
    ("Mast.Catalogs.Filtered.Tic", "Mast.Catalogs.Tess.Cone"),
    ("Mast.Catalogs.Filtered.Ctl", "Mast.Catalogs.Tess.Cone"),
    ("Mast.Catalogs.Filtered.DiskDetective", "Mast.Catalogs.Dd.Cone"),
)


def config_name(service: str, request: Mapping[str, Any]) -> str:
    """The ``colConfigId`` whose ``ignoreValue`` markers type ``service``'s result."""
    given = request.get("fetch_name")
    if isinstance(given, str) and given:
        return given
    return next((name for prefix, name in _CONFIG_NAMES if service.startswith(prefix)), service)


ColumnConfig = Mapping[str, Any]
_CONTINUOUS_TYPES = ("double", "float", "numeric")
_METADATA_FIELDS = (
    "Column Name",
    "Column Label",
    "Data Type",
    "Units",
    "Description",
    "Examples/Valid Values",
)


def build_filter_set(config: ColumnConfig, criteria: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Portal ``filters`` for ``criteria`` (name -> value or values), in criteria order.

    Names match case-insensitively but are sent as typed. Continuous columns take
    ``[min, max]``; a discrete value holding ``*`` or ``%`` becomes ``freeText``.
    """
    entries = (filter_entry(config, name, value) for name, value in criteria.items())
    return [entry for entry in entries if entry is not None]


def column_properties(config: ColumnConfig, name: str) -> Mapping[str, Any]:
    """The properties of column ``name`` (case-insensitive); unknown -> InvalidQueryError."""
    lowered = name.lower()
    props = next((v for k, v in config.items() if k.lower() == lowered), None)
    if props:
        return props  # type: ignore[no-any-return]
    closest = difflib.get_close_matches(name, list(config.keys()), n=1)
    hint = f" Did you mean '{closest[0]}'?" if closest else ""
    raise InvalidQueryError(f"Filter '{name}' does not exist.{hint}")


def is_continuous(props: Mapping[str, Any]) -> bool:
    """Whether a column filters by ``{min, max}`` range rather than by listed values."""
    datatype = props.get("vot.datatype", props.get("type"))
    return datatype in _CONTINUOUS_TYPES or bool(props.get("treatNumeric"))


def filter_entry(config: ColumnConfig, name: str, value: Any) -> dict[str, Any] | None:
    """One ``{"paramName", ["separator"], "values", ["freeText"]}`` filter, or None when a
    continuous column got fewer than two values (with astroquery's InputWarning)."""
    props = column_properties(config, name)
    values = [value] if np.isscalar(value) else list(value)
    entry: dict[str, Any] = {"paramName": name}
    if props.get("separator"):
        entry["separator"] = props["separator"]
    if is_continuous(props):
        bounds = _range_values(name, values)
        if bounds is None:
            return None
        entry["values"] = [{"min": _plain(bounds[0]), "max": _plain(bounds[1])}]
        return entry
    discrete, free_text = _discrete_values(values)
    entry["values"] = discrete
    if free_text:
        entry["freeText"] = free_text
    return entry


def _range_values(name: str, values: list[Any]) -> list[Any] | None:
    prefix = f"{name} is continuous, and filters based on min and max values.\n"
    if len(values) < 2:
        warnings.warn(prefix + "Not enough values provided, skipping...", InputWarning, 3)
        return None
    if len(values) > 2:
        warnings.warn(
            prefix + "Too many values provided, the first two will be assumed to be the "
            "min and max values.",
            InputWarning,
            3,
        )
    return values[:2]


def _discrete_values(values: list[Any]) -> tuple[list[str], str | None]:
    """String values and the wildcard ``freeText``.

    astroquery pops wildcard values while enumerating the list, which skips the value right
    after each one; that is reproduced so that the same criteria send the same filters.
    """
    texts = [str(value) for value in values]
    free_text: str | None = None
    for index, text in enumerate(texts):
        if "*" in text or "%" in text:
            if free_text:
                warnings.warn(
                    "Only one wildcarded value may be used per filter, all others must be "
                    f"exact.\nSkipping {text}...",
                    InputWarning,
                    4,
                )
            else:
                free_text = text.replace("*", "%")
            texts.pop(index)
    return texts, free_text


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so the request serializes to JSON."""
    return value.item() if isinstance(value, np.generic) else value


def merge_histograms(config: ColumnConfig, extjs: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with the TIC / DiskDetective histogram properties merged in, ``hist`` dropped.

    ``extjs`` is the ``Mast.Catalogs.All.Tic`` / ``...DiskDetective`` extjs answer.
    """
    try:
        properties = extjs["data"]["Tables"][0]["ExtendedProperties"]
        merged = {**config, **properties["discreteHistogram"]}
        merged.update(properties["continuousHistogram"])
    except (KeyError, IndexError, TypeError) as exc:
        raise ProtocolError(
            "the extjs histogram answer lacks data.Tables[0].ExtendedProperties."
            "{discreteHistogram,continuousHistogram}; the server is not answering as MAST"
        ) from exc
    return {name: _without_hist(props) for name, props in merged.items()}


def _without_hist(props: Any) -> Any:
    if isinstance(props, Mapping):
        return {key: value for key, value in props.items() if key != "hist"}
    return props


def metadata_table(config: ColumnConfig) -> Table:
    """astroquery's ``get_metadata`` table: one row per column not marked ``remove``,
    ``_selected_`` skipped, and columns that are empty in every row dropped."""
    rows = [
        _metadata_row(name, props)
        for name, props in config.items()
        if name != "_selected_" and not props.get("remove", False)
    ]
    data = [list(values) for values in zip(*rows, strict=True)] if rows else [[]] * 6
    table = Table(names=_METADATA_FIELDS, data=data)
    for name in list(table.colnames):
        if (table[name] == "").all():
            table.remove_column(name)
    return table


def _metadata_row(name: str, props: Mapping[str, Any]) -> tuple[Any, ...]:
    data_type = parse_type(props.get("type", ""))[0] or parse_type(props.get("vot.datatype", ""))[0]
    units = props.get("unit", "") or props.get("vot.unit", "")
    return (
        name,
        props.get("text", name),
        data_type,
        units,
        props.get("vot.description", ""),
        props.get("example", ""),
    )
