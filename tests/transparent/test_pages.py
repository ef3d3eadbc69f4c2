"""Stored tables re-encoded as Portal pages parse back, in stock astroquery, to equal tables."""

from __future__ import annotations

import json
from types import ModuleType

import numpy as np
from astropy.table import MaskedColumn, Table, vstack
from hypothesis import given, settings
from hypothesis import strategies as st
from tablecompare import assert_tables_equal

from mastcache.mast.tables import portal_pages_table
from mastcache.transparent.pages import decode_invoke, table_page, wire_extras

_CELLS = {
    "string": st.one_of(st.none(), st.text(max_size=6)),
    "double": st.one_of(st.none(), st.floats(allow_infinity=False, width=64)),
    "long": st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    "boolean": st.one_of(st.none(), st.booleans()),
    "unsignedbyte": st.integers(0, 255),  # a null byte breaks astroquery itself
}
_ROWS = st.lists(st.fixed_dictionaries({name: cell for name, cell in _CELLS.items()}), max_size=9)


def _mast_answer(rows: list[dict[str, object]]) -> dict[str, object]:
    fields = [{"name": name, "type": name} for name in _CELLS]
    return {"status": "COMPLETE", "msg": "", "fields": fields, "data": rows}


@settings(max_examples=60, deadline=None)
@given(rows=_ROWS, pagesize=st.integers(1, 4))
def test_pages_of_a_stored_table_parse_back_equal(
    astroquery_mast: ModuleType, rows: list[dict[str, object]], pagesize: int
) -> None:
    to_table = astroquery_mast.discovery_portal._json_to_table
    stored = portal_pages_table([_mast_answer(rows)])
    expected = to_table(_mast_answer(rows))
    pages, page = [], 1
    while True:
        envelope = json.loads(json.dumps(table_page(stored, page, pagesize)))
        pages.append(to_table(envelope))
        if envelope["paging"]["page"] >= envelope["paging"]["pagesFiltered"]:
            break
        page += 1
    assert_tables_equal(vstack(pages), vstack([expected]))


def test_paging_block_drives_astroquery_page_loop() -> None:
    table = Table([MaskedColumn(np.arange(5), name="n")])
    last = table_page(table, 3, 2)
    assert last["paging"] == {
        "page": 3,
        "pageSize": 2,
        "pagesFiltered": 3,
        "rows": 1,
        "rowsFiltered": 5,
        "rowsTotal": 5,
    }
    assert [row["n"] for row in last["data"]] == [4]
    assert table_page(table, 4, 2)["data"] == []


def test_invoke_bodies_decode_and_volatile_fields_are_not_extras() -> None:
    body = (
        "request=%7B%22service%22%3A%20%22Mast.Caom.Cone%22%2C%20%22params%22%3A%20%7B%7D%2C%20"
        "%22format%22%3A%20%22json%22%2C%20%22pagesize%22%3A%2050000%2C%20%22page%22%3A%201%2C%20"
        "%22removenullcolumns%22%3A%20true%2C%20%22fetch_name%22%3A%20%22x%22%2C%20"
        "%22cacheBreaker%22%3A%20%22abc%22%7D"
    )
    request = decode_invoke(body.encode())
    assert request is not None and request["service"] == "Mast.Caom.Cone"
    assert wire_extras(request) == {"removenullcolumns": True}
    assert decode_invoke("colConfigId=Mast.Caom.Cone") is None
    assert decode_invoke(b"") is None
