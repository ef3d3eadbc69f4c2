"""``mastcache coverage`` and ``cache map`` in a real subprocess; a mistake is one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mocpy import MOC

from mastcache.settings import Settings
from mastcache.skycoverage import coverage


def run(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    command = [sys.executable, "-m", "mastcache", "--cache-dir", str(settings.cache_dir), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_coverage_moc_file_opens_in_mocpy(footprint_cache: Settings, tmp_path: Path) -> None:
    out = tmp_path / "cache.fits"
    result = run(footprint_cache, "coverage", "--moc", str(out))
    assert result.returncode == 0, result.stderr
    assert MOC.from_fits(out) == coverage(settings=footprint_cache).moc
    assert "6 observations (1 as points), 4 products" in result.stdout
    assert "HST" in result.stdout and "TESS" in result.stdout


def test_coverage_filters_and_csv(footprint_cache: Settings, tmp_path: Path) -> None:
    out = tmp_path / "hst.fits"
    result = run(footprint_cache, "coverage", "--collection", "HST", "--where", "t_exptime < 150",
                 "--moc", str(out), "--format", "csv")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith('"HST",1,')
    expected = coverage("t_exptime < 150", collection="HST", settings=footprint_cache).moc
    assert MOC.from_fits(out) == expected


def test_cache_map_writes_png_and_svg(footprint_cache: Settings, tmp_path: Path) -> None:
    for name in ("cache.png", "cache.svg"):
        result = run(footprint_cache, "cache", "map", "-o", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "cache.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "cache.svg").read_text()
    assert "<svg" in svg and "HST" in svg and "TARGET ONE" in svg


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("coverage", "--where", "no_such_column > 1"), "error: the query failed"),
        (("coverage", "--start", "soon"), "error: cannot read the time 'soon'"),
        (("coverage", "--moc", "/nonexistent/dir/x.fits"), "error: cannot write"),
        (("cache", "map", "-o", "map.gif"), "error: cannot tell the image format"),
        (("coverage", "--order", "40"), "Invalid value for '--order'"),
    ],
)
def test_mistakes_are_one_line(
    footprint_cache: Settings, args: tuple[str, ...], message: str
) -> None:
    result = run(footprint_cache, *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in lines if line.startswith("error:")]) <= 1


def test_missing_extra_is_named(footprint_cache: Settings, tmp_path: Path) -> None:
    # a sitecustomize that hides mocpy, as on an install without the plot extra
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nsys.modules['mocpy'] = None\nsys.modules['matplotlib'] = None\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    for args in (("coverage",), ("cache", "map", "-o", str(tmp_path / "m.png"))):
        command = [sys.executable, "-m", "mastcache", "--cache-dir",
                   str(footprint_cache.cache_dir), *args]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "error: sky coverage (MOC) needs mocpy, which is not installed: "
            "run `pip install 'mastcache[plot]'`"
        ]
