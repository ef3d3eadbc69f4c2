"""The hot cache's table copy: equal to ``Table.copy()`` attribute by attribute, and as
independent of the original."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.table import Column, MaskedColumn, Table
from astropy.time import Time

from mastcache.store.parquet import arrow_to_table, table_to_arrow
from mastcache.store.tablecopy import TableTemplate, copy_column, copy_table

ATTRS = ("name", "unit", "format", "description", "meta", "dtype", "shape")


def sample() -> Table:
    table = Table(masked=True)
    table["ra"] = MaskedColumn(
        np.arange(5.0),
        mask=[0, 1, 0, 0, 1],
        unit="deg",
        format="{:.2f}",
        description="right ascension",
        fill_value=-99.0,
        meta={"ucd": ["pos.eq.ra"]},
    )
    table["name"] = MaskedColumn(["a", "bb", "ccc", "", "e"], mask=[0, 0, 0, 1, 0])
    table["flag"] = Column([True, False, True, True, False])
    table["vec"] = MaskedColumn(np.ones((5, 2)), mask=np.zeros((5, 2), bool))
    table["obj"] = Column(np.array(["p", "q", "r", "s", "t"], dtype=object))
    table.meta["query"] = {"filters": ["F814W"]}
    table["ra"].info.serialize_method["ecsv"] = "data_mask"  # info holding more than defaults
    return table


def assert_same_columns(copied: Table, reference: Table) -> None:
    assert copied.colnames == reference.colnames
    assert copied.meta == reference.meta
    for name in reference.colnames:
        ours, theirs = copied[name], reference[name]
        assert type(ours) is type(theirs)
        for attr in ATTRS:
            assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)
        assert ours.info.parent_table is copied
        assert ours.info._attrs == theirs.info._attrs
        if isinstance(theirs, MaskedColumn):
            assert np.array_equal(ours.mask, theirs.mask)
            assert ours.fill_value == theirs.fill_value
        assert ours.pformat() == theirs.pformat()


def shown(table: Table) -> list[str]:
    return list(table.pformat(max_lines=-1, max_width=-1))


@pytest.mark.parametrize("source", ["built", "stored"])
def test_the_copy_equals_table_copy(source: str) -> None:
    table = sample() if source == "built" else arrow_to_table(table_to_arrow(sample()))
    copied = copy_table(table)
    assert copied.masked == table.masked
    assert_same_columns(copied, table.copy(copy_data=True))
    assert shown(copied) == shown(table)
    assert shown(copied[1:3]) == shown(table[1:3])


def test_the_copy_shares_nothing_editable_with_the_original() -> None:
    original = sample()
    before = original.copy(copy_data=True)
    copied = copy_table(original)
    for name in original.colnames:
        if original[name].dtype != object:
            assert not np.shares_memory(copied[name], original[name])
    copied["ra"][0] = 42.0
    copied["ra"].mask[2] = True
    copied["ra"].unit = "rad"
    copied["ra"].info.serialize_method["ecsv"] = "null_value"
    copied["ra"].meta["ucd"].append("changed")
    copied["name"].fill_value = "?"
    copied.meta["query"]["filters"].append("F606W")
    copied.rename_column("flag", "renamed")
    copied.add_row(copied[0])
    assert_same_columns(original, before)
    assert np.array_equal(original["ra"].data, before["ra"].data)


def test_other_columns_take_the_public_copy() -> None:
    table = Table({"when": Time([60000.0, 60001.0], format="mjd"), "x": [1, 2]})
    copied = copy_table(table)
    assert isinstance(copied["when"], Time) and not np.shares_memory(
        copied["when"].jd1, table["when"].jd1
    )
    indexed = Table({"x": [3, 1, 2]})
    indexed.add_index("x")
    copied_column = copy_column(indexed["x"])
    assert list(copied_column) == [3, 1, 2]
    assert copy_table(indexed).loc[2]["x"] == 2


def test_copies_of_one_template_share_no_meta_even_when_it_starts_empty() -> None:
    table = arrow_to_table(table_to_arrow(sample()))
    table["name"].meta  # noqa: B018  (astropy creates the empty meta dict on first read)
    template = TableTemplate(table)
    first = template.copy()
    first["name"].meta["note"] = "mine"
    first["ra"].meta["ucd"].append("changed")
    first.meta["query"]["filters"].append("F606W")
    second = template.copy()
    assert second["name"].meta == {} and table["name"].meta == {}
    assert second["ra"].meta == table["ra"].meta == {"ucd": ["pos.eq.ra"]}
    assert second.meta == table.meta
    assert_same_columns(second, table.copy(copy_data=True))
    assert second["name"].info.parent_table is second
    assert first["name"].info.parent_table is first


def test_a_template_of_special_columns_takes_the_public_copy() -> None:
    table = Table({"when": Time([60000.0, 60001.0], format="mjd"), "x": [1, 2]})
    copied = TableTemplate(table).copy()
    assert copied is not table and copied["x"].info.parent_table is copied
    copied["x"][0] = 5
    assert list(table["x"]) == [1, 2]
