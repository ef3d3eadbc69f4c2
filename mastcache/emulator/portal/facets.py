"""Mast.Caom.All (Observations.list_missions): the extjs column list with `histObj` facet
counts computed from the synthetic sky, in the shape of the recorded missions.extjs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import Any, Final

import numpy as np

from mastcache.emulator.portal.columns import caom_config
from mastcache.emulator.samples.recorded import load_json
from mastcache.emulator.sky.columns import OBSERVATION_FIELDS, SELECTED_FIELD, SEPARATED_COLUMNS
from mastcache.emulator.sky.observations import Sky

DISCRETE: Final = frozenset(
    {
        "intentType",
        "obs_collection",
        "provenance_name",
        "instrument_name",
        "project",
        "filters",
        "wavelength_region",
        "target_classification",
        "dataproduct_type",
        "calib_level",
    }
)
CONTINUOUS: Final = frozenset(
    {"s_ra", "s_dec", "t_min", "t_max", "t_exptime", "em_min", "em_max", "t_obs_release"}
)
BINS: Final = 30
EMPTY_PAGING: Final = {
    "page": 0,
    "pageSize": 0,
    "pagesFiltered": 0,
    "rows": 0,
    "rowsFiltered": 0,
    "rowsTotal": 0,
}


def all_columns(sky: Sky) -> list[dict[str, Any]]:
    """One extjs column per CAOM field, with facet counts where MAST has them."""
    template = _recorded_properties()
    columns = []
    for position, (name, _) in enumerate((*OBSERVATION_FIELDS, SELECTED_FIELD)):
        properties = dict(template.get(name) or _from_config(name))
        properties.pop("histObj", None)
        values = [row[position] for row in sky.rows] if name in DISCRETE | CONTINUOUS else []
        if name in DISCRETE:
            properties["histObj"] = discrete_histogram(values, name in SEPARATED_COLUMNS)
        elif name in CONTINUOUS:
            properties["histObj"] = continuous_histogram(values)
        columns.append({"text": name, "dataIndex": name, "ExtendedProperties": properties})
    return columns


@cache
def _recorded_properties() -> dict[str, dict[str, Any]]:
    table = load_json("missions.extjs")["data"]["Tables"][0]
    return {c["text"]: c["ExtendedProperties"] for c in table["Columns"]}


def _from_config(name: str) -> dict[str, Any]:
    config = caom_config().get(name, {})
    return {(k if k.startswith("vot.") else f"cc.{k}"): v for k, v in config.items()}


def discrete_histogram(values: Iterable[Any], split: bool) -> dict[str, Any]:
    """`{"hist": [{count, key}...], key: {count, key}, ...}`; nulls count under ""."""
    counts: Counter[str] = Counter()
    for value in values:
        text = "" if value is None else str(value)
        counts.update(text.split(";") if split and text else [text])
    hist: dict[str, Any] = {"hist": [{"count": n, "key": k} for k, n in sorted(counts.items())]}
    hist.update({k: {"count": n, "key": k} for k, n in sorted(counts.items())})
    return hist


def continuous_histogram(values: Iterable[Any]) -> dict[str, Any]:
    """`{"hist": {"hist": [{key: bin start, count}...]}, "min", "max", "type": "numeric"}`."""
    data = np.array([v for v in values if v is not None], np.float64)
    if data.size == 0:
        return {"hist": {"hist": []}, "min": 0, "max": 0, "type": "numeric"}
    counts, edges = np.histogram(data, bins=BINS)
    bins = [{"key": float(e), "count": int(n)} for e, n in zip(edges[:-1], counts, strict=True)]
    return {
        "hist": {"hist": bins},
        "min": float(data.min()),
        "max": float(data.max()),
        "type": "numeric",
    }
