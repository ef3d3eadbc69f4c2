"""Typed tables equal stock astroquery 0.4.11's, cell for cell (dtype, mask, fill value)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from astropy.table import vstack
from hypothesis import given, settings
from hypothesis import strategies as st

from mastcache.errors import ProtocolError
from mastcache.mast import tables

PORTAL_SAMPLES = [
    "caom.json",
    "products.json",
    "advSearch.json",
    "advSearchPos.json",
    "countsResp.json",
    "hsc.json",
    "tic.json",
    "dd.json",
    "matchid.json",
    "spectra.json",
]


def _pages(envelope: dict[str, Any], count: int) -> list[dict[str, Any]]:
    rows = envelope["data"]
    size = max(1, -(-len(rows) // count))
    return [dict(envelope, data=rows[i : i + size]) for i in range(0, len(rows), size)]


@pytest.mark.parametrize("name", PORTAL_SAMPLES)
@pytest.mark.parametrize("with_config", [False, True])
def test_portal_sample_equals_astroquery(
    name: str, with_config: bool, sample: Any, astroquery_mast: Any, assert_same_table: Any
) -> None:
    envelope = sample(name)
    config = sample("columnsconfig.json") if with_config else None
    theirs = vstack([astroquery_mast.discovery_portal._json_to_table(envelope, config)])
    assert_same_table(tables.portal_pages_table([envelope], config), theirs)


@pytest.mark.parametrize("name", ["caom.json", "hsc.json", "spectra.json"])
def test_pages_equal_astroquery_vstack(
    name: str, sample: Any, astroquery_mast: Any, assert_same_table: Any
) -> None:
    pages = _pages(sample(name), 3)
    config = sample("columnsconfig.json")
    to_table = astroquery_mast.discovery_portal._json_to_table
    theirs = vstack([to_table(page, config) for page in pages])
    assert_same_table(tables.portal_pages_table(pages, config), theirs)


def test_nulls_missing_keys_and_config_ignore_value(
    astroquery_mast: Any, assert_same_table: Any
) -> None:
    fields = [
        {"name": "s", "type": "STRING"},
        {"name": "f", "type": "float"},
        {"name": "s_fov", "type": "double"},
        {"name": "i", "type": "long"},
        {"name": "b", "type": "boolean"},
        {"name": "u", "type": "unsignedbyte"},
        {"name": "s", "type": "int"},
        {"name": "_selected_", "type": "boolean"},
    ]
    rows = [
        {"s": "a", "f": 1.5, "s_fov": 0, "i": 3, "b": True, "u": 7},
        {"s": None, "f": None, "s_fov": None, "i": None, "b": None, "u": 0},
        {"s": "", "i": -999, "b": False, "u": 255},
        {"u": 1},
    ]
    envelope = {"fields": fields, "data": rows}
    config = {"s_fov": {"ignoreValue": 0}}
    theirs = vstack([astroquery_mast.discovery_portal._json_to_table(envelope, config)])
    ours = tables.portal_pages_table([envelope], config)
    assert_same_table(ours, theirs)
    assert ours.colnames == ["s", "f", "s_fov", "i", "b", "u"]
    assert list(ours["i"].mask) == [False, True, True, True]
    assert list(ours["s_fov"].mask) == [True, True, True, True]
    assert not ours["f"].mask.any() and np.isnan(ours["f"][1])


_PORTAL_TYPES = ["string", "char", "date", "float", "double", "int", "long", "boolean"]
_CELLS = {
    "string": st.one_of(st.none(), st.text(max_size=5)),
    "char": st.one_of(st.none(), st.sampled_from(["", "x", "yy"])),
    "date": st.one_of(st.none(), st.just("2020-01-01 00:00:00")),
    "float": st.one_of(st.none(), st.floats(allow_nan=False, width=32)),
    "double": st.one_of(st.none(), st.integers(-5, 5)),
    "int": st.one_of(st.none(), st.integers(-1000, 1000), st.just(-999)),
    "long": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    "boolean": st.one_of(st.none(), st.booleans()),
}


@st.composite
def _envelopes(draw: Any) -> dict[str, Any]:
    types = draw(st.lists(st.sampled_from(_PORTAL_TYPES), min_size=1, max_size=6))
    fields = [{"name": f"c{i}", "type": t} for i, t in enumerate(types)]
    row_count = draw(st.integers(0, 8))
    rows = []
    for _ in range(row_count):
        row = {}
        for field in fields:
            row[field["name"]] = draw(_CELLS[field["type"]])
        if draw(st.booleans()) and row:
            row.pop(next(iter(row)))
        rows.append(row)
    return {"fields": fields, "data": rows}


@settings(max_examples=60, deadline=None)
@given(envelope=_envelopes(), page_count=st.integers(1, 3))
def test_random_envelopes_equal_astroquery(
    envelope: dict[str, Any], page_count: int, astroquery_mast: Any, assert_same_table: Any
) -> None:
    pages = _pages(envelope, page_count) or [envelope]
    to_table = astroquery_mast.discovery_portal._json_to_table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = vstack([to_table(page) for page in pages])
    assert_same_table(tables.portal_pages_table(pages), theirs)


def test_unknown_type_and_missing_keys_are_protocol_errors() -> None:
    # astroquery itself fails on these (TypeError, OverflowError, KeyError)
    with pytest.raises(ProtocolError, match=r"uint8|ubyte"):
        tables.portal_table([{"name": "u", "type": "unsignedByte"}], [{"u": None}])
    with pytest.raises(ProtocolError, match="bigint"):
        tables.portal_table([{"name": "x", "type": "bigint"}], [{"x": 1}])
    with pytest.raises(ProtocolError, match="'fields' and 'data'"):
        tables.portal_pages_table([{"data": []}])


def test_parse_type_matches_astroquery(astroquery_mast: Any) -> None:
    for name in ["char", "DateTime", "decimal", "short", "number", "binary", "unsignedByte", "x"]:
        ours, theirs = tables.parse_type(name), astroquery_mast.utils.parse_type(name)
        assert ours[:2] == theirs[:2]
        assert ours[2] == theirs[2] or (ours[2] != ours[2] and theirs[2] != theirs[2])


@pytest.mark.parametrize(
    ("name", "key"), [("mission_results.json", "results"), ("panstarrs.json", "data")]
)
def test_search_table_equals_astroquery(
    name: str, key: str, sample: Any, astroquery_mast: Any, assert_same_table: Any
) -> None:
    answer = sample(name)
    theirs = astroquery_mast.services._json_to_table(answer, key)
    assert_same_table(tables.search_table(answer, key), theirs)


def test_search_table_nulls_positional_rows_and_unknown_keys(
    astroquery_mast: Any, assert_same_table: Any
) -> None:
    answer = {
        "info": [
            {"name": "a", "type": "VARCHAR(10)"},
            {"name": "b", "type": "FLOAT"},
            {"name": "c", "type": "INTEGER"},
            {"name": "gone", "type": "INTEGER"},
        ],
        "results": [{"a": None, "b": None, "c": 4, "extra": 1}, {"a": "x", "b": 2.5, "c": None}],
    }
    theirs = astroquery_mast.services._json_to_table(answer, "results")
    ours = tables.search_table(answer)
    assert_same_table(ours, theirs)
    assert ours.colnames == ["a", "b", "c"] and list(ours["b"].mask) == [True, False]


def test_search_table_empty_info_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match="empty 'info'"):
        tables.search_table({"info": [], "results": []})


def test_remove_null_columns_drops_only_all_null_columns() -> None:
    envelope = {
        "fields": [
            {"name": "keep", "type": "int"},
            {"name": "nan", "type": "float"},
            {"name": "empty", "type": "string"},
            {"name": "some", "type": "string"},
        ],
        "data": [{"keep": 1, "some": "x"}, {"keep": None, "some": ""}],
    }
    table = tables.portal_pages_table([envelope])
    trimmed = tables.remove_null_columns(table)
    assert trimmed.colnames == ["keep", "some"]
    assert table.colnames == ["keep", "nan", "empty", "some"]
    empty = tables.remove_null_columns(table[:0])
    assert empty.colnames == table.colnames
