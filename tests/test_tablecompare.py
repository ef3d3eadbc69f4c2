"""The shared table comparator sees every difference it claims to (tests/tablecompare.py)."""

from __future__ import annotations

from collections.abc import Callable

import astropy.units as u
import numpy as np
import pytest
from astropy.table import MaskedColumn, QTable, Table
from tablecompare import assert_same_result, assert_tables_equal


def _sample_table() -> Table:
    table = Table({"a": MaskedColumn([1, 2], mask=[False, True]), "b": [1.5, np.nan]})
    table["b"].unit = u.deg
    table.meta["origin"] = "sample"
    return table


def test_equal_tables_pass_and_provenance_is_ignored() -> None:
    assert_tables_equal(_sample_table(), _sample_table())
    stamped = _sample_table()
    stamped.meta["mastcache"] = {"source": "cache"}
    assert_tables_equal(stamped, _sample_table())
    masked_value = _sample_table()
    masked_value["a"].data.data[1] = 99  # a masked cell holds no value
    assert_tables_equal(masked_value, _sample_table())


CHANGES: dict[str, Callable[[Table], object]] = {
    "name": lambda t: t.rename_column("a", "c"),
    "order": lambda t: t.reverse(),
    "column order": lambda t: t.__setitem__("c", [0, 0]) or t.remove_column("a"),
    "unit": lambda t: setattr(t["b"], "unit", u.arcsec),
    "description": lambda t: setattr(t["b"], "description", "x"),
    "format": lambda t: setattr(t["b"], "format", ".3f"),
    "mask": lambda t: t.__setitem__("a", MaskedColumn([1, 2], mask=[False, False])),
    "value": lambda t: t["b"].__setitem__(0, 2.5),
    "dtype": lambda t: t.__setitem__("a", MaskedColumn([1.0, 2.0], mask=[False, True])),
    "fill value": lambda t: setattr(t["a"], "fill_value", -1),
    "meta": lambda t: t.meta.__setitem__("note", "x"),
    "rows": lambda t: t.remove_row(0),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_difference_fails(change: str) -> None:
    other = _sample_table()
    CHANGES[change](other)
    with pytest.raises(AssertionError):
        assert_tables_equal(other, _sample_table())


def test_table_class_and_masked_flag_count() -> None:
    with pytest.raises(AssertionError):
        assert_tables_equal(QTable(_sample_table()), _sample_table())
    with pytest.raises(AssertionError):
        assert_tables_equal(Table(_sample_table(), masked=True), _sample_table())


def test_results_of_other_shapes() -> None:
    assert_same_result({"x": 1, "y": [2]}, {"x": np.int64(1), "y": [2]})
    with pytest.raises(AssertionError):
        assert_same_result({"y": [2], "x": 1}, {"x": 1, "y": [2]})
    with pytest.raises(AssertionError):
        assert_same_result(1.0, 1)
