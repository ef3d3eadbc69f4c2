"""``mastcache products`` and ``mastcache download`` as real processes against the emulator."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from mastcache.emulator import EmulatorServer


def run(cache_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MASTCACHE_DIR=str(cache_dir), MASTCACHE_MAST_URL=url)
    return subprocess.run(
        [sys.executable, "-m", "mastcache", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


OBSID = "2003000019"  # an HST observation of the emulator's sky


def test_products_lists_and_filters(emulator: EmulatorServer, cache_dir: Path) -> None:
    result = run(cache_dir, emulator.url, "products", OBSID, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 6 and all(r["obsID"] == OBSID for r in rows)
    mrp = run(cache_dir, emulator.url, "products", OBSID, "--mrp-only", "--format", "csv")
    chosen = list(csv.DictReader(io.StringIO(mrp.stdout)))
    assert 0 < len(chosen) < 6
    assert all(r["productGroupDescription"] == "Minimum Recommended Products" for r in chosen)
    typed = run(cache_dir, emulator.url, "products", OBSID, "--product-type", "SCIENCE",
                "--extension", "fits", "--format", "json")  # fmt: skip
    assert typed.returncode == 0 and '"productType": "SCIENCE"' in typed.stdout


def test_download_prints_the_manifest_then_works_offline(
    emulator: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    args = (
        "download",
        OBSID,
        "--dir",
        str(tmp_path / "d"),
        "--extension",
        "fits",
        "--format",
        "csv",
    )
    result = run(cache_dir, emulator.url, *args)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and all(r["Status"] == "COMPLETE" for r in rows)
    assert all(Path(r["Local Path"]).is_file() for r in rows)
    assert f"{os.sep}mastDownload{os.sep}HST{os.sep}" in rows[0]["Local Path"]
    emulator.stop()
    options = ("--flat", "--link", "copy", "--extension", "fits")
    offline = run(cache_dir, emulator.url, "--mode", "offline", "download", OBSID, "--dir",
                  str(tmp_path / "o"), *options)  # fmt: skip
    assert offline.returncode == 0, offline.stderr
    assert len(list((tmp_path / "o").glob("*.fits"))) == len(rows)


def test_download_exits_1_when_a_product_fails_offline(
    emulator: EmulatorServer, cache_dir: Path, tmp_path: Path
) -> None:
    run(cache_dir, emulator.url, "products", OBSID)  # the list is cached, no file is
    result = run(cache_dir, emulator.url, "--mode", "offline", "download", OBSID, "--dir",
                 str(tmp_path), "--format", "csv")  # fmt: skip
    assert result.returncode == 1
    assert "offline mode" in result.stdout and "failed" in result.stderr
