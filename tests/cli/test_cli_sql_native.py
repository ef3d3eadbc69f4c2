"""`mastcache sql` prints plain answers from DuckDB's rows, without pyarrow or astropy: the
text must be exactly what the Arrow path (pyarrow's CSV writer, astropy's table) writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mastcache.cli import output, texttable
from mastcache.settings import Settings
from mastcache.sqlview import connect


def _literal(value: object, type_: str) -> str:
    if value is None:
        return f"CAST(NULL AS {type_})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v, "VARCHAR") for v in value) + f"]::{type_}"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, float):
        return f"CAST('{value!r}' AS DOUBLE)"
    return f"CAST({value!r} AS {type_})"


COLUMNS = {
    "n": ("BIGINT", st.none() | st.integers(-(2**63), 2**63 - 1)),
    "x": ("DOUBLE", st.none() | st.floats(allow_nan=True, allow_infinity=True)),
    "t": ("VARCHAR", st.none() | st.text(st.characters(blacklist_categories=("Cs",)))),
    "b": ("BOOLEAN", st.none() | st.booleans()),
    "l": ("VARCHAR[]", st.none() | st.lists(st.text(max_size=5), max_size=3)),
}
ROWS = st.lists(st.tuples(*(strategy for _, strategy in COLUMNS.values())), min_size=1,
                max_size=6)  # fmt: skip


@pytest.fixture(scope="module")
def empty(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings.from_env({}, cache_dir=tmp_path_factory.mktemp("native") / "cache")


def _answer_query(rows: list[tuple[object, ...]]) -> str:
    selects = [
        "SELECT " + ", ".join(
            f"{_literal(value, type_)} AS {name}"
            for (name, (type_, _)), value in zip(COLUMNS.items(), row, strict=True)
        )
        for row in rows
    ]  # fmt: skip
    return " UNION ALL ".join(selects)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS)
def test_csv_json_and_text_equal_the_arrow_path(
    empty: Settings, rows: list[tuple[object, ...]]
) -> None:
    with connect(empty) as session:
        answer = session.query(_answer_query(rows))
        fetched, arrow = answer.rows(), answer.arrow()
    assert answer.types == [type_ for type_, _ in COLUMNS.values()]
    assert all(texttable.is_plain_sql(t) for t in answer.types)
    flat = output._flatten_nested(arrow)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(flat, sink)
    expected_csv = sink.getvalue().to_pybytes().decode()
    got_csv = texttable.render_csv(answer.names, answer.types, fetched, output._json_cell)
    assert got_csv == expected_csv
    records = [dict(zip(answer.names, row, strict=True)) for row in fetched]
    assert json.dumps(records, default=output._json_default) == json.dumps(
        arrow.to_pylist(), default=output._json_default
    )
    text = texttable.render_rows(answer.names, answer.types, fetched, output._json_cell)
    assert text == texttable.render_arrow(flat)


def test_the_command_imports_neither_pyarrow_nor_astropy(empty: Settings, tmp_path: Path) -> None:
    script = (  # the program ends the process: what it imported is listed at its exit
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: print(sorted(m for m in ('pyarrow', 'astropy', 'pandas', "
        "'numpy', 'sqlalchemy') if m in sys.modules), file=sys.stderr))\n"
        "sys.argv = ['mastcache', 'sql', '--format', 'csv', 'SELECT count(*) AS n FROM "
        "observations']\n"
        "runpy.run_module('mastcache', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env["MASTCACHE_DIR"] = str(empty.cache_dir)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.stdout.splitlines() == ['"n"', "0"], done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"
