"""Table exports: parquet that astropy's Table.read opens, fits and votable by astropy's writers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
import numpy as np
import pyarrow as pa
import pytest
from astropy.table import MaskedColumn, Table

from mastcache.cli.output import FORMATS, SUFFIX_FORMATS, emit_table, output_format
from mastcache.errors import StoreError
from mastcache.settings import Settings
from mastcache.store import Store
from tests.cli.clirun import run_main


def sample() -> Table:
    table = Table()
    table["obsid"] = [1, 2, 3]
    table["target_name"] = MaskedColumn(["M 101", "", "NGC 1300"], mask=[False, True, False])
    table["s_ra"] = MaskedColumn([210.8, 0.0, 49.9], mask=[False, True, False], unit="deg")
    return table


@pytest.mark.parametrize("fmt", ["fits", "votable"])
def test_fits_and_votable_through_astropy_writers(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    emit_table(sample(), fmt, str(path))
    back = Table.read(path, format=fmt)
    assert list(back["obsid"]) == [1, 2, 3] and back["s_ra"].unit == "deg"
    assert back["s_ra"].mask[1] and back["s_ra"][0] == pytest.approx(210.8)
    assert [p.name for p in tmp_path.iterdir()] == [f"out.{fmt}"]  # written atomically


def test_arrow_with_nulls_and_lists_exports_to_parquet_astropy_reads(tmp_path: Path) -> None:
    arrow = pa.table(
        {
            "name": pa.array(["a", None, "ccc"]),
            "source_queries": pa.array([["k1"], ["k1", "key22"], []]),
            "n": pa.array([1, 2, None]),
        }
    )
    path = tmp_path / "sql.parquet"
    emit_table(arrow, "parquet", str(path))
    back = Table.read(path)  # astropy's own reader: it used to fail on the null string
    assert back["name"].dtype == np.dtype("U3") and back["name"][2] == "ccc"
    assert list(back["source_queries"][1]) == ["k1", "key22"]
    emit_table(arrow, "fits", str(tmp_path / "sql.fits"))
    fits_name = Table.read(tmp_path / "sql.fits")["name"]
    assert fits_name.mask[1] and [fits_name[0], fits_name[2]] == ["a", "ccc"]


def test_binary_formats_need_a_file_and_a_writable_place(tmp_path: Path) -> None:
    for fmt in ("parquet", "fits", "votable"):
        with pytest.raises(click.UsageError, match=f"--format {fmt} needs --output FILE"):
            emit_table(sample(), fmt, None)
    with pytest.raises(StoreError, match=r"cannot write .*missing"):
        emit_table(sample(), "fits", str(tmp_path / "missing" / "x.fits"))


def test_sql_export_in_each_format(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with Store.open(Settings.from_env({}, cache_dir=cache)) as store:
        store.put_query("ab" * 32, service="Mast.Caom.Cone", kind="observations", params={},
                        scope="anonymous", table=sample(),
                        fetched_at=datetime.now(timezone.utc), expires_at=None)  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    for fmt in ("parquet", "fits", "votable"):
        out = tmp_path / f"obs.{fmt}"
        query = "SELECT * FROM observations ORDER BY obsid"
        command = [sys.executable, "-m", "mastcache", "--cache-dir", str(cache), "sql",
                   "--format", fmt, "-o", str(out), query]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 0, result.stderr
        back = Table.read(out, format=fmt)
        assert list(back["obsid"]) == [1, 2, 3] and back["target_name"][2] == "NGC 1300"


@pytest.mark.parametrize(
    ("name", "reader"),
    [
        ("obs.csv", "ascii.csv"),
        ("obs.json", None),
        ("obs.parquet", "parquet"),
        ("OBS.FITS", "fits"),
        ("obs.vot", "votable"),
        ("obs.txt", None),
    ],
)
def test_without_format_the_output_suffix_chooses_it(
    tmp_path: Path, name: str, reader: str | None
) -> None:
    """``-o result.csv`` writes CSV (not a text table in a file named .csv); an explicit
    ``--format`` still wins, and a suffix that names no format gives the text table."""
    cache = tmp_path / "cache"
    with Store.open(Settings.from_env({}, cache_dir=cache)) as store:
        store.put_query("ab" * 32, service="Mast.Caom.Cone", kind="observations", params={},
                        scope="anonymous", table=sample(),
                        fetched_at=datetime.now(timezone.utc), expires_at=None)  # fmt: skip
    out = tmp_path / name
    query = "SELECT obsid, target_name FROM observations ORDER BY obsid"
    done = run_main(["--cache-dir", str(cache), "sql", "-o", str(out), query])
    assert done.code == 0, done.stderr
    if reader is not None:
        back = Table.read(out, format=reader)
        assert list(back["obsid"]) == [1, 2, 3] and back["target_name"][2] == "NGC 1300"
    elif name.endswith(".json"):
        assert [row["obsid"] for row in json.loads(out.read_text())] == [1, 2, 3]
    else:
        assert out.read_text().splitlines()[1].startswith("-----")  # astropy's text layout
    forced = tmp_path / f"forced-{name}"
    done = run_main(["--cache-dir", str(cache), "sql", "--format", "json", "-o", str(forced),
                     query])  # fmt: skip
    assert done.code == 0 and json.loads(forced.read_text())[0]["obsid"] == 1


def test_output_format_rule() -> None:
    assert output_format(None, None) == output_format(None, "-") == "table"
    assert output_format(None, "a/b.tar.csv") == "csv"
    assert output_format(None, "x.XML") == "votable"
    assert output_format(None, "x.dat") == output_format(None, "noext") == "table"
    assert output_format("csv", "x.parquet") == "csv"
    assert set(SUFFIX_FORMATS.values()) <= set(FORMATS)
