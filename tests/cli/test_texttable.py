"""The CLI's own text tables print exactly what astropy prints for the same Arrow table."""

from __future__ import annotations

import math
import subprocess
import sys

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastcache.cli.texttable import render_arrow
from mastcache.store.parquet import arrow_to_table

_VALUES = {
    "int64": st.integers(-(2**63), 2**63 - 1),
    "int32": st.integers(-(2**31), 2**31 - 1),
    "uint8": st.integers(0, 255),
    "bool": st.booleans(),
    "double": st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.1, 1e-5, 1e16, 123456789.0, -0.0, 1e-300, 5e-324]),
    "string": st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
    ),
}


@st.composite
def arrow_tables(draw: st.DrawFn) -> pa.Table:
    rows = draw(st.integers(0, 6))
    names = draw(st.lists(st.sampled_from(["a", "obs_id", "n", "count_star()", "Teff", "x y"]),
                          min_size=1, max_size=4, unique=True))  # fmt: skip
    columns = {}
    for name in names:
        type_name = draw(st.sampled_from(sorted(_VALUES)))
        cell = _VALUES[type_name] | st.none()
        columns[name] = pa.array(draw(st.lists(cell, min_size=rows, max_size=rows)),
                                 type=pa.type_for_alias(type_name))  # fmt: skip
    return pa.table(columns)


def astropy_text(table: pa.Table) -> str:
    lines = arrow_to_table(table).pformat(max_lines=-1, max_width=-1)
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None)
@given(arrow_tables())
def test_plain_tables_print_as_astropy_prints_them(table: pa.Table) -> None:
    assert render_arrow(table) == astropy_text(table)


@pytest.mark.parametrize(
    "column",
    [
        pa.array([1.5], type=pa.float32()),
        pa.array([pa.scalar(0, type=pa.timestamp("us"))]),
        pa.array([1], type=pa.decimal128(38, 0)),
        pa.array(["a\x00"]),
    ],
)
def test_other_columns_are_left_to_astropy(column: pa.Array) -> None:
    assert render_arrow(pa.table({"c": column})) is None


def test_a_value_with_a_newline_or_a_nan(tmp_path: object) -> None:
    table = pa.table({"t": ["a\tb", "line\nbreak", None], "f": [math.nan, None, 2.0]})
    assert render_arrow(table) == astropy_text(table)


def test_text_tables_import_no_astropy() -> None:
    code = (
        "import sys, pyarrow as pa\n"
        "from mastcache.cli.output import emit_table\n"
        "emit_table(pa.table({'n': [1, 2], 's': ['a', None]}))\n"
        "print('astropy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.splitlines()[-1] == "False"
    assert out.splitlines()[0] == " n   s "
