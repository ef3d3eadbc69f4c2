"""Exact astropy Table <-> Arrow <-> Parquet round trips, proven on random tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy import units as u
from astropy.table import Column, MaskedColumn, Table
from astropy.time import Time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mastcache.errors import CorruptEntryError, StoreError
from mastcache.store import parquet

# astropy/numpy: the default fill value 999999 overflows small int columns (not ours)
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")

INTS = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]
FLOATS = ["f2", "f4", "f8"]
TIME_UNITS = ["s", "ms", "us", "ns", "D", "h", "m"]
UNITS = [None, "deg", "s", "erg / (s cm2)", "mag", "", "electron / s", "bogus_unit"]
FORMATS = [None, "%.3f", "{:8.4f}", ">10", "d"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=8)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
metas = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@st.composite
def dtypes(draw: st.DrawFn) -> np.dtype[Any]:
    kind = draw(st.sampled_from(["int", "float", "bool", "str", "bytes", "datetime", "timedelta"]))
    if kind in ("int", "float"):
        code = draw(st.sampled_from(INTS if kind == "int" else FLOATS))
        return np.dtype(draw(st.sampled_from(["<", ">"])) + code)
    if kind == "bool":
        return np.dtype(bool)
    if kind in ("str", "bytes"):
        return np.dtype(f"{'U' if kind == 'str' else 'S'}{draw(st.integers(1, 12))}")
    unit = draw(st.sampled_from(TIME_UNITS))
    return np.dtype(f"{'M' if kind == 'datetime' else 'm'}8[{unit}]")


def values_of(dtype: np.dtype[Any], shape: tuple[int, ...]) -> st.SearchStrategy[Any]:
    if dtype.kind in "Mm":
        ints = hnp.arrays(np.int64, shape, elements=st.integers(-(2**62), 2**62))
        return ints.map(lambda a: a.view(dtype))
    if dtype.kind == "U":
        text = st.text(max_size=dtype.itemsize // 4).map(lambda s: s.rstrip("\x00"))
        return hnp.arrays(dtype, shape, elements=text)
    if dtype.kind == "S":
        data = st.binary(max_size=dtype.itemsize).map(lambda b: b.rstrip(b"\x00"))
        return hnp.arrays(dtype, shape, elements=data)
    return hnp.arrays(dtype, shape)


@st.composite
def columns(draw: st.DrawFn, name: str, rows: int) -> Any:
    dtype = draw(dtypes())
    cell = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    data = draw(values_of(dtype, (rows, *cell)))
    attrs = {
        "name": name,
        "unit": draw(st.sampled_from(UNITS)),
        "description": draw(st.none() | st.text(max_size=12)),
        "format": draw(st.sampled_from(FORMATS)),
        "meta": draw(metas),
    }
    if dtype.kind in "SMm" or dtype.kind == "b":
        attrs["format"] = None  # astropy cannot render these formats; irrelevant to storage
    if draw(st.booleans()):
        mask = draw(hnp.arrays(bool, data.shape))
        return MaskedColumn(data, mask=mask, **attrs)
    return Column(data, **attrs)


@st.composite
def tables(draw: st.DrawFn) -> Table:
    rows = draw(st.integers(0, 12))
    count = draw(st.integers(1, 5))
    names = draw(
        st.lists(st.text(min_size=1, max_size=6), min_size=count, max_size=count, unique=True)
    )
    table = Table([draw(columns(name, rows)) for name in names], masked=draw(st.booleans()))
    table.meta.update(draw(metas))
    return table


def assert_exact(original: Table, restored: Table) -> None:
    assert restored.colnames == original.colnames
    assert restored.masked == original.masked
    assert restored.meta == original.meta
    for name in original.colnames:
        assert_column_exact(original[name], restored[name])


def assert_column_exact(a: Any, b: Any) -> None:
    assert type(b) is type(a)
    assert b.dtype == a.dtype and b.shape == a.shape
    assert b.unit == a.unit and b.description == a.description and b.format == a.format
    assert b.meta == a.meta
    mask = np.ma.getmaskarray(a)
    assert np.array_equal(np.ma.getmaskarray(b), mask)
    keep = ~mask
    raw_a, raw_b = np.asarray(a.view(np.ndarray))[keep], np.asarray(b.view(np.ndarray))[keep]
    assert raw_a.tobytes() == raw_b.tobytes()  # bit for bit: NaN, -0.0, NaT included


def assert_nulls_are_arrow_nulls(original: Table, arrow: pa.Table) -> None:
    assert arrow.schema.names == original.colnames  # no side columns for masks
    for name in original.colnames:
        masked = int(np.ma.getmaskarray(original[name]).sum())
        column = arrow.column(name)
        for _ in range(original[name].ndim - 1):
            column = pa.chunked_array(
                [chunk.flatten() for chunk in column.chunks], type=column.type.value_type
            )
        assert column.null_count == masked


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_tables_round_trip_exactly(
    tmp_path_factory: pytest.TempPathFactory, table: Table
) -> None:
    arrow = parquet.table_to_arrow(table)
    assert_nulls_are_arrow_nulls(table, arrow)
    assert_exact(table, parquet.arrow_to_table(arrow))
    path = tmp_path_factory.mktemp("rt") / "t.parquet"
    parquet.write_table_atomic(table, path)
    assert_exact(table, parquet.read_table(path))


def test_every_kind_with_masks_round_trips(tmp_path: Path) -> None:
    table = Table(masked=False)
    table["i"] = MaskedColumn(
        np.array([1, -2, 3], ">i4"),
        mask=[0, 1, 0],
        unit="deg",
        description="an int",
        format="%5d",
        meta={"ucd": "pos.eq.ra"},
    )
    table["u"] = MaskedColumn(np.array([1, 2, 2**64 - 1], "u8"), mask=[1, 0, 0])
    table["f"] = MaskedColumn([np.nan, -0.0, np.inf], mask=[0, 0, 1])
    table["b"] = MaskedColumn([True, False, True], mask=[0, 1, 0])
    table["s"] = MaskedColumn(["Ωmega", "", "plain"], mask=[0, 0, 1])
    table["y"] = MaskedColumn(np.array([b"\x00\x01z", b"", b"\xff"]), mask=[0, 1, 0])
    table["d"] = MaskedColumn(
        np.array(["2020-01-01T00:00:00.123456789", "NaT", "1990-05-05"], "M8[ns]"), mask=[0, 0, 1]
    )
    table["m"] = MaskedColumn(
        np.arange(18.0).reshape(3, 3, 2), mask=np.arange(18).reshape(3, 3, 2) % 4 == 0
    )
    table["c"] = ["a", "bb", "ccc"]
    table.meta.update({"query": {"ra": 10.5, "filters": ["F814W", None]}, "n": 3})
    path = tmp_path / "every.parquet"
    parquet.write_table_atomic(table, path, provenance={"key": "k" * 64, "service": "X"})
    restored = parquet.read_table(path)
    assert_exact(table, restored)
    assert restored["s"][0] == "Ωmega" and restored["d"][1] != restored["d"][1]  # NaT kept
    assert parquet.read_provenance(path) == {"key": "k" * 64, "service": "X"}
    for name in restored.colnames:  # a cached table is the caller's to edit
        restored[name][0] = restored[name][1]
    assert pq.read_table(path).column("f").null_count == 1  # any reader sees real nulls


def test_meta_beyond_json_round_trips_through_yaml() -> None:
    table = Table({"a": [1, 2]})
    table.meta.update({"q": 3 * u.deg, "np": np.float32(1.5), "t": (1, 2), 1: "int key"})
    restored = parquet.arrow_to_table(parquet.table_to_arrow(table))
    assert restored.meta == table.meta
    # astropy's YAML (as in ECSV) keeps Quantity and tuples; numpy scalars come back as
    # Python numbers of equal value
    assert isinstance(restored.meta["q"], u.Quantity) and restored.meta["t"] == (1, 2)


def test_time_columns_round_trip_with_masks() -> None:
    table = Table()
    table["t"] = Time(
        ["2020-01-01T00:00:00.123456789", "2021-06-01", "1999-12-31T23:59:59"],
        scale="tdb",
        precision=9,
    )
    table["t"][1] = np.ma.masked
    table["t"].info.description = "mid-exposure"
    restored = parquet.arrow_to_table(parquet.table_to_arrow(table))["t"]
    assert isinstance(restored, Time)
    assert (restored.format, restored.scale, restored.precision) == ("isot", "tdb", 9)
    assert list(restored.mask) == [False, True, False]
    keep = ~table["t"].mask
    assert np.array_equal(restored.unmasked.jd1[keep], table["t"].unmasked.jd1[keep])
    assert np.array_equal(restored.unmasked.jd2[keep], table["t"].unmasked.jd2[keep])
    assert restored.info.description == "mid-exposure"


def test_object_columns_of_one_type_round_trip() -> None:
    table = Table({"o": np.array(["x", None, "zz"], dtype=object)})
    restored = parquet.arrow_to_table(parquet.table_to_arrow(table))
    assert restored["o"].dtype == object and list(restored["o"]) == ["x", None, "zz"]


def test_mixed_object_column_is_refused_clearly() -> None:
    table = Table({"o": np.array(["x", 1, 2.5], dtype=object)})
    with pytest.raises(StoreError, match="column 'o' holds Python objects"):
        parquet.table_to_arrow(table)


def test_foreign_parquet_without_metadata_is_readable(tmp_path: Path) -> None:
    path = tmp_path / "foreign.parquet"
    pq.write_table(pa.table({"n": [1, None, 3], "s": ["a", "bcd", None]}), path)
    table = parquet.read_table(path)
    assert table["n"].dtype == np.int64 and list(table["n"].mask) == [False, True, False]
    assert table["s"].dtype == np.dtype("U3") and table["s"][1] == "bcd"


def test_garbage_is_a_corrupt_entry(tmp_path: Path) -> None:
    path = tmp_path / "garbage.parquet"
    path.write_bytes(b"PAR1 this is not parquet at all")
    with pytest.raises(CorruptEntryError, match="damaged"):
        parquet.read_table(path)


def test_atomic_write_leaves_no_temp_and_hashes_content(tmp_path: Path) -> None:
    import hashlib

    path = tmp_path / "out" / "t.parquet"
    sha, nbytes = parquet.write_table_atomic(Table({"a": [1, 2, 3]}), path)
    assert [p.name for p in path.parent.iterdir()] == ["t.parquet"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sha and path.stat().st_size == nbytes


def test_big_tables_convert_on_threads_exactly() -> None:
    rows = 25_000
    rng = np.random.default_rng(3)
    table = Table(masked=True)
    for i in range(4):
        table[f"ascii{i}"] = np.char.add("obs-", rng.integers(0, 10**6, rows).astype("U7"))
        table[f"ascii{i}"].mask = rng.random(rows) < 0.1
    table["unicode"] = np.array(["Ωmega", "", "ß\x00x", "plain"])[rng.integers(0, 4, rows)]
    table["f"] = rng.normal(size=rows)
    table["i"] = rng.integers(-(2**40), 2**40, rows)
    table["multi"] = rng.normal(size=(rows, 2, 3))
    assert rows * len(table.colnames) >= parquet.PARALLEL_CELLS
    assert_exact(table, parquet.arrow_to_table(parquet.table_to_arrow(table)))


def repeated(table: Table, times: int) -> Table:
    """``table``'s rows ``times`` over: few distinct values, so strings are written as
    Parquet dictionaries small enough to be read back as dictionaries."""
    return table[np.tile(np.arange(len(table)), times)]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables().filter(lambda table: len(table) > 0))
def test_low_cardinality_columns_read_as_dictionaries_round_trip_exactly(
    tmp_path_factory: pytest.TempPathFactory, table: Table
) -> None:
    table = repeated(table, 40)
    path = tmp_path_factory.mktemp("dict") / "t.parquet"
    parquet.write_table_atomic(table, path)
    assert_exact(table, parquet.read_table(path))


def test_dictionary_reads_cover_strings_bytes_masks_and_nuls(tmp_path: Path) -> None:
    table = Table(masked=True)
    table["s"] = MaskedColumn(["Ωmega", "", "ß\x00x", "plain"] * 50, mask=[0, 1, 0, 0] * 50)
    table["y"] = MaskedColumn(
        np.array([b"\x00\x01z", b"", b"\xff", b"a"] * 50), mask=[0, 0, 1, 0] * 50
    )
    table["w"] = np.array(["a", "bb"] * 100, dtype=">U7")  # wider than its values, big-endian
    table["o"] = np.array(["x", "y"] * 100, dtype=object)
    path = tmp_path / "dict.parquet"
    parquet.write_table_atomic(table, path)
    chunks = parquet._dictionary_columns(pq.read_metadata(path))
    assert len(chunks) == 4  # every column above takes the dictionary path
    restored = parquet.read_table(path)
    assert restored["o"].dtype == object and list(restored["o"]) == ["x", "y"] * 100
    del table["o"], restored["o"]  # object arrays hold pointers: compared above
    assert_exact(table, restored)
    assert restored["w"].dtype == np.dtype(">U7")
    assert restored["s"].data.data[1] == ""  # masked cells hold empty values, as densely read


def test_dictionaries_over_several_row_groups(tmp_path: Path) -> None:
    table = Table({"s": ["TESS", "HST", "Kepler"] * 200, "n": np.arange(600)})
    path = tmp_path / "groups.parquet"
    pq.write_table(parquet.table_to_arrow(table), path, row_group_size=250)
    assert pq.read_metadata(path).num_row_groups == 3
    assert_exact(table, parquet.read_table(path))


def test_high_cardinality_strings_are_read_densely(tmp_path: Path) -> None:
    table = Table({"id": [f"obs-{i:06d}" for i in range(5000)]})
    path = tmp_path / "ids.parquet"
    parquet.write_table_atomic(table, path)
    assert parquet._dictionary_columns(pq.read_metadata(path)) == []
    assert_exact(table, parquet.read_table(path))


def test_decoded_tables_build_independent_copies() -> None:
    table = Table(masked=True)
    table["f"] = MaskedColumn([1.5, 2.5], mask=[0, 1], unit="deg", meta={"ucd": ["pos"]})
    table["s"] = ["a", "b"]
    table["t"] = Time(["2020-01-01", "2021-01-01"])
    table.meta["query"] = {"filters": ["F814W"]}
    decoded = parquet.decode_arrow(parquet.table_to_arrow(table))
    assert decoded.nbytes > 0
    first = decoded.build(copy=True)
    first["f"][0], first["f"].mask[1], first["s"][0] = 9.0, False, "z"
    first["f"].meta["ucd"].append("edited")
    first["t"][0] = Time("1999-01-01")
    first.meta["query"]["filters"].append("edited")
    second = decoded.build(copy=True)
    assert second["t"][0] == table["t"][0]
    del table["t"], second["t"]
    assert_exact(table, second)


def test_sliced_arrow_tables_convert_exactly() -> None:
    rng = np.random.default_rng(5)
    table = Table(masked=True)
    table["s"] = MaskedColumn(["Ωmega", "", "ß\x00x", "plain", "x"] * 4, mask=[0, 1, 0, 0, 0] * 4)
    table["a"] = np.array(["obs-1", "obs-22", "c"] * 6 + ["d", "e"])
    table["y"] = np.array([b"\x00\x01z", b"", b"\xff", b"q"] * 5)
    table["f"] = MaskedColumn(rng.normal(size=20), mask=rng.random(20) < 0.3)
    table["m"] = rng.normal(size=(20, 2, 3))
    table["b"] = rng.random(20) < 0.5
    arrow = parquet.table_to_arrow(table)
    for start, stop in ((3, 20), (1, 7), (19, 20)):
        assert_exact(table[start:stop], parquet.arrow_to_table(arrow.slice(start, stop - start)))


def mast_like_table(*, nulls: bool) -> Table:
    table = Table()
    table["obsid"] = np.array([101, 102, 103], dtype=np.int64)
    table["s_ra"] = Column([10.5, 359.9, 0.1], unit="deg", description="RA", format="%.4f")
    table["target_name"] = ["M 101", "NGC 1300", "Ωmega Cen"]
    table["is_public"] = [True, False, True]
    table["flux"] = Column(np.arange(6.0).reshape(3, 2), unit="erg / (s cm2)")
    table["filters"] = np.array([b"F814W", b"F606W", b"CLEAR"])
    if nulls:
        table["proposal_pi"] = MaskedColumn(["Smith", "", "Lee"], mask=[False, True, False])
        table["t_exptime"] = MaskedColumn([100.0, 0.0, 30.0], mask=[False, True, False], unit="s")
    table.meta.update({"service": "Mast.Caom.Cone", "params": {"ra": 10.5, "radius": 0.2}})
    return table


def test_astropy_table_read_gives_the_cached_table(tmp_path: Path) -> None:
    table = mast_like_table(nulls=False)
    path = tmp_path / "cached.parquet"
    parquet.write_table_atomic(table, path)
    ours, theirs = parquet.read_table(path), Table.read(path)  # astropy's own reader
    assert theirs.colnames == ours.colnames and theirs.meta == ours.meta == table.meta
    for name in ours.colnames:
        assert theirs[name].dtype == ours[name].dtype, name
        assert np.array_equal(theirs[name], ours[name]), name
        for attr in ("unit", "description", "format"):
            assert getattr(theirs[name], attr) == getattr(ours[name], attr), (name, attr)


def test_astropy_table_read_opens_files_with_nulls(tmp_path: Path) -> None:
    # astropy's Parquet reader (7.x, 8.x) has no notion of nulls: it opens the file (it used
    # to fail measuring string widths), units and values come through, masks do not
    table = mast_like_table(nulls=True)
    path = tmp_path / "nulls.parquet"
    parquet.write_table_atomic(table, path)
    theirs = Table.read(path)
    assert theirs["proposal_pi"].dtype == table["proposal_pi"].dtype
    assert [theirs["proposal_pi"][0], theirs["proposal_pi"][2]] == ["Smith", "Lee"]
    assert theirs["t_exptime"].unit == u.s and np.isnan(theirs["t_exptime"][1])
    assert_exact(table, parquet.read_table(path))  # our reader stays exact


def test_old_files_without_astropy_header_still_read_exactly(tmp_path: Path) -> None:
    table = mast_like_table(nulls=True)
    arrow = parquet.table_to_arrow(table)
    metadata = {k: v for k, v in arrow.schema.metadata.items() if k == parquet.SCHEMA_KEY}
    path = tmp_path / "old.parquet"
    pq.write_table(arrow.replace_schema_metadata(metadata), path)
    assert_exact(table, parquet.read_table(path))


def test_pandas_polars_and_duckdb_read_cached_files_with_nulls(tmp_path: Path) -> None:
    import duckdb
    import pandas as pd

    polars = pytest.importorskip("polars")
    path = tmp_path / "cached.parquet"
    parquet.write_table_atomic(mast_like_table(nulls=True), path)
    frame = pd.read_parquet(path)
    assert frame["proposal_pi"].isna().tolist() == [False, True, False]
    assert frame["target_name"].tolist()[2] == "Ωmega Cen"
    assert polars.read_parquet(path)["t_exptime"].null_count() == 1
    connection = duckdb.connect()
    rows = connection.execute(
        f"SELECT count(*) FROM read_parquet('{path}') WHERE proposal_pi IS NULL"
    ).fetchone()
    assert rows == (1,)
