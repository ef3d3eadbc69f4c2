"""A Portal page typed straight to Arrow (gateways/arrowpage.py) is exactly the Arrow form of
the columns astroquery's rules give it (``page_arrow(portal_page_columns(page))``), on the
emulator's real pages and on generated cells of every kind, and stacks to the same Table."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tablecompare import assert_tables_equal

from mastcache.emulator import start
from mastcache.errors import ProtocolError
from mastcache.gateways.arrowpage import portal_page_arrow
from mastcache.mast.tables import portal_page_columns
from mastcache.store.fragments import arrow_page_columns, page_arrow, stack_arrow_pages

TYPES = ["string", "char", "datetime", "float", "double", "int", "long", "boolean", "unknown"]
MISSING = object()  # the row leaves the key out


def reference(page: dict[str, Any], config: dict[str, Any] | None = None) -> pa.Table | str:
    try:
        return page_arrow(portal_page_columns(page, config))
    except ProtocolError as exc:  # MAST sent what its table format does not allow
        return type(exc).__name__


def direct(page: dict[str, Any], config: dict[str, Any] | None = None) -> pa.Table | str:
    try:
        return portal_page_arrow(page, config)
    except ProtocolError as exc:
        return type(exc).__name__


def assert_same_arrow(ours: pa.Table | str, theirs: pa.Table | str) -> None:
    """The same schema (metadata included), and the same numpy data, masks and dtypes when
    decoded: what the fragments and the stacked Table are made of."""
    if isinstance(theirs, str) or isinstance(ours, str):
        assert ours == theirs
        return
    assert ours.schema.equals(theirs.schema, check_metadata=True), (ours.schema, theirs.schema)
    for mine, want in zip(arrow_page_columns(ours), arrow_page_columns(theirs), strict=True):
        assert mine.dtype == want.dtype, mine.name
        assert np.array_equal(np.ma.getmaskarray(mine), np.ma.getmaskarray(want)), mine.name
        nan = mine.dtype.kind == "f"
        assert np.array_equal(mine.data, want.data, equal_nan=nan), mine.name
    for index in range(ours.num_columns):  # nulls where astroquery masks, same value bytes
        assert ours.column(index).null_count == theirs.column(index).null_count


def emulator_page(url: str, page: int, service: str = "Mast.Caom.Cone") -> dict[str, Any]:
    request = {
        "service": service,
        "params": {"ra": 210.802429, "dec": 54.34875, "radius": 0.2},
        "format": "json",
        "pagesize": 2000,
        "page": page,
        "removenullcolumns": True,
    }
    answer = requests.post(f"{url}/api/v0/invoke", data={"request": json.dumps(request)},
                           timeout=60)  # fmt: skip
    answer.raise_for_status()
    page_json: dict[str, Any] = answer.json()
    return page_json


def test_the_emulators_pages_type_the_same_and_stack_to_the_same_table() -> None:
    with start("127.0.0.1", 0, latency_ms=0, rows=6000) as server:  # a big cone, 3 pages
        pages = [emulator_page(server.url, number) for number in (1, 2, 3)]
    assert all(len(page["data"]) == 2000 for page in pages)
    ours, theirs = [portal_page_arrow(p) for p in pages], [reference(p) for p in pages]
    for mine, want in zip(ours, theirs, strict=True):
        assert_same_arrow(mine, want)
    assert not any(isinstance(page, str) for page in theirs)
    stacked = stack_arrow_pages(ours)
    expected = stack_arrow_pages([page for page in theirs if not isinstance(page, str)])
    assert stacked is not None and expected is not None
    assert_tables_equal(stacked, expected)
    kinds = {str(field.type) for field in ours[0].schema}
    assert {"large_string", "double", "int64"} <= kinds  # the direct way was taken


def cells_for(mast_type: str) -> st.SearchStrategy[Any]:
    text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=6)
    anything = st.one_of(
        st.none(),
        st.just(MISSING),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([-999, -999.0, -999.5, 0, 1.5, -1.5, 2**53 + 1, math.nan, math.inf]),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
        st.sampled_from(["", "\x00", "a\x00", "\x00b", "1.5", "NaN", "-999", "é", "日本"]),
        st.lists(st.integers(0, 3), max_size=2),
    )
    usual = {
        "string": st.one_of(st.none(), text, st.just("")),
        "float": st.one_of(st.none(), st.floats(allow_nan=False), st.integers(-(2**60), 2**60)),
        "int": st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1), st.just(-999)),
    }.get({"char": "string", "datetime": "string", "double": "float", "long": "int"}.get(
        mast_type, mast_type), st.nothing())  # fmt: skip
    return st.one_of(usual, usual, anything)  # mostly the declared type, sometimes not


@st.composite
def pages(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any] | None]:
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=5))
    names = [f"c{index}" for index in range(len(types))]
    fields = [{"name": n, "type": t} for n, t in zip(names, types, strict=True)]
    count = draw(st.integers(1, 12))
    rows = []
    for _ in range(count):
        row = {}
        for name, mast_type in zip(names, types, strict=True):
            cell = draw(cells_for(mast_type))
            if cell is not MISSING:
                row[name] = cell
        rows.append(row)
    config = draw(st.sampled_from([None, {names[0]: {"ignoreValue": 0}}]))
    return {"fields": fields, "data": rows}, config


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_generated_pages_type_the_same_either_way(
    drawn: tuple[dict[str, Any], dict[str, Any] | None],
) -> None:
    page, config = drawn
    assert_same_arrow(direct(page, config), reference(page, config))


@pytest.mark.parametrize(
    ("mast_type", "cells"),
    [
        ("string", ["a", None, "", "é日", "xyz"]),  # masks, width in code points
        ("string", ["", None]),  # all empty: numpy's U1
        ("string", ["a\x00", "b"]),  # a NUL: numpy strips it, the numpy way is taken
        ("string", ["7", 7]),  # a number in a text column: written out by numpy
        ("float", [1.5, None, 3, True]),  # None is NaN, unmasked; ints and bools as numbers
        ("float", ["1.5", 2.0]),  # text in a number column: parsed by numpy
        ("float", [2**53 + 1, 1.0]),  # an integer no double holds exactly
        ("int", [1, None, -999, 2**62]),  # None and -999 are masked -999
        ("int", [-999.5, 3]),  # a float: numpy masks before truncating
        ("int", [2**63, 1]),  # too large for int64: the same error either way
        ("float", [[], []]),  # lists in a number column: a ProtocolError, not numpy's
    ],
)
def test_edge_cells_type_the_same_either_way(mast_type: str, cells: list[Any]) -> None:
    page = {"fields": [{"name": "c", "type": mast_type}], "data": [{"c": c} for c in cells]}
    assert_same_arrow(direct(page), reference(page))
