"""Column configuration: filters as astroquery's build_filter_set, histograms, metadata."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from mastcache.errors import InputWarning, InvalidQueryError, ProtocolError
from mastcache.mast import columns

CRITERIA: list[dict[str, Any]] = [
    {"dataproduct_type": "image", "proposal_pi": "Ost*", "s_dec": [43.5, 45.5]},
    {"FILTERS": ["NUV", "FUV"], "obs_collection": ("HST", "GALEX")},
    {"t_exptime": [1, 2, 3], "target_name": ["M1*", "M2*", "M3"]},
    {"s_ra": np.array([10.0, 20.0]), "calib_level": 3, "obsid": ["1", "2"]},
    {"instrument_name": ["a*", "b*", "c%"]},
    {"s_dec": 5},
]


@pytest.fixture(scope="module")
def caom_config(sample: Any) -> dict[str, Any]:
    config: dict[str, Any] = sample("columnsconfig.json")
    return config


@pytest.fixture
def stock_filters(astroquery_mast: Any, caom_config: dict[str, Any]) -> Iterator[Any]:
    """astroquery's own build_filter_set over the same config (no network: preloaded)."""
    portal_api = astroquery_mast.discovery_portal.PortalAPI
    portal_api._column_configs["mastcache-test"] = caom_config
    api = portal_api()
    yield lambda criteria: api.build_filter_set("mastcache-test", **criteria)
    portal_api._column_configs.pop("mastcache-test", None)


def _run(build: Any, criteria: dict[str, Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build(criteria)
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("criteria", CRITERIA)
def test_filters_and_warnings_equal_astroquery(
    criteria: dict[str, Any], caom_config: dict[str, Any], stock_filters: Any
) -> None:
    ours = _run(lambda c: columns.build_filter_set(caom_config, c), criteria)
    assert ours == _run(stock_filters, criteria)


def test_recorded_filter_shapes(caom_config: dict[str, Any]) -> None:
    filters = columns.build_filter_set(caom_config, CRITERIA[0] | {"filters": ["NUV", "FUV"]})
    assert filters == [
        {"paramName": "dataproduct_type", "values": ["image"]},
        {"paramName": "proposal_pi", "values": [], "freeText": "Ost%"},
        {"paramName": "s_dec", "values": [{"min": 43.5, "max": 45.5}]},
        {"paramName": "filters", "separator": ";", "values": ["NUV", "FUV"]},
    ]


def test_numpy_bounds_become_plain_numbers(caom_config: dict[str, Any]) -> None:
    (entry,) = columns.build_filter_set(caom_config, {"s_ra": np.array([1, 2], dtype=np.int64)})
    assert entry["values"] == [{"min": 1, "max": 2}]
    assert type(entry["values"][0]["min"]) is int


def test_unknown_criterion_suggests_the_closest_name(caom_config: dict[str, Any]) -> None:
    with pytest.raises(
        InvalidQueryError,
        match=re.escape("Filter 'obs_colection' does not exist. Did you mean 'obs_collection'"),
    ):
        columns.build_filter_set(caom_config, {"obs_colection": "HST"})
    with pytest.raises(InvalidQueryError, match=r"^Filter 'zzzzzz' does not exist\.$"):
        columns.build_filter_set(caom_config, {"zzzzzz": 1})


def test_treat_numeric_is_continuous(sample: Any) -> None:
    config = sample("ddcolumns.json")
    numeric = [name for name, props in config.items() if props.get("treatNumeric")]
    assert numeric, "the DiskDetective config marks numeric columns with treatNumeric"
    assert columns.is_continuous(config[numeric[0]])
    with pytest.warns(InputWarning, match="continuous"):
        assert columns.filter_entry(config, numeric[0], 5) is None


def test_merge_histograms_as_astroquery(sample: Any) -> None:
    config, extjs = sample("ticcolumns.json"), sample("ticcolumns_filtered.json")
    merged = columns.merge_histograms(config, extjs)
    props = extjs["data"]["Tables"][0]["ExtendedProperties"]
    expected_names = (
        set(config) | set(props["discreteHistogram"]) | set(props["continuousHistogram"])
    )
    assert set(merged) == expected_names
    assert not any("hist" in value for value in merged.values() if isinstance(value, dict))
    assert "hist" in next(iter(props["continuousHistogram"].values())), "input left untouched"
    with pytest.raises(ProtocolError, match="discreteHistogram"):
        columns.merge_histograms(config, {"data": {"Tables": []}})


def test_metadata_table_as_get_metadata(caom_config: dict[str, Any]) -> None:
    table = columns.metadata_table(caom_config)
    kept = [n for n, p in caom_config.items() if n != "_selected_" and not p.get("remove", False)]
    assert list(table["Column Name"]) == kept
    assert table.colnames[:3] == ["Column Name", "Column Label", "Data Type"]
    row = table[kept.index("s_ra")]
    assert row["Column Label"] == caom_config["s_ra"]["text"]
    assert row["Data Type"] == "float"
    assert row["Units"] == caom_config["s_ra"].get("unit", caom_config["s_ra"].get("vot.unit", ""))


def test_metadata_table_drops_columns_empty_everywhere() -> None:
    table = columns.metadata_table({"a": {"type": "int"}, "b": {"type": "string", "text": "B"}})
    assert table.colnames == ["Column Name", "Column Label", "Data Type"]
    assert list(table["Data Type"]) == ["integer", "string"]
