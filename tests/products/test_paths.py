"""Names from MAST cannot write outside the download folder or the store."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.products import UnsafePathError, layout_path, safe_filename
from mastcache.products.paths import blob_relpath, check_inside

FILE = "/api/v0.1/Download/file"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("productFilename", "../../../escaped.fits"),
        ("productFilename", "/tmp/absolute.fits"),
        ("productFilename", "..\\..\\windows.fits"),
        ("productFilename", "nul\x00byte.fits"),
        ("productFilename", ".."),
        ("productFilename", "C:evil.fits"),
        ("obs_id", ".."),
        ("obs_id", "../../up"),
        ("obs_id", "/etc"),
        ("obs_collection", "../.."),
        ("obs_collection", "a/b"),
    ],
)
def test_unsafe_rows_are_refused_and_nothing_is_written(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    live: EmulatorServer,
    tmp_path: Path,
    column: str,
    value: str,
) -> None:
    products = hst_products(2)
    products[column] = products[column].astype(object)
    products[column][1] = value
    target = tmp_path / "deep" / "down" / "here"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    live.requests.clear()
    manifest = observations.download_products(products, download_dir=target)
    assert manifest is not None and list(manifest["Status"]) == ["COMPLETE", "ERROR"]
    assert "refused" in manifest["Message"][1] and manifest["Local Path"][1] == ""
    assert len(live.requests.matching(FILE, "GET")) == 1  # the unsafe row is not even fetched
    created = set(str(p) for p in tmp_path.rglob("*")) - set(before)
    cache = str(tmp_path / "cache")
    ancestors = {str(parent) for parent in target.parents}
    assert all(p.startswith((str(target), cache)) or p in ancestors for p in created)
    assert not any(
        p.name in ("escaped.fits", "absolute.fits", "windows.fits") for p in tmp_path.rglob("*")
    )
    assert not Path("/tmp/absolute.fits").exists()


def test_a_symlink_planted_in_the_download_folder_cannot_carry_files_out(
    observations: ObservationsClass,
    hst_products: Callable[[int], Table],
    tmp_path: Path,
) -> None:
    products = hst_products(1)
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "downloads"
    (root / "mastDownload").mkdir(parents=True)
    os.symlink(outside, root / "mastDownload" / "HST")
    manifest = observations.download_products(products, download_dir=root)
    assert manifest is not None and manifest["Status"][0] == "ERROR"
    assert "outside" in manifest["Message"][0]
    assert list(outside.rglob("*.fits")) == []


def test_download_file_refuses_uris_whose_name_climbs_out(
    observations: ObservationsClass, live: EmulatorServer, tmp_path: Path
) -> None:
    for uri in ("mast:HST/product/..", "mast:HST/product/a\x00b.fits", "mast:HST/product/"):
        status, message, _ = observations.download_file(uri, local_path=tmp_path)
        assert status == "ERROR" and "refused" in str(message)
    assert not live.requests.matching(FILE)


def test_path_rules() -> None:
    assert safe_filename("sub/dir/name.fits") == "name.fits"  # astroquery's basename
    assert layout_path("base", "HST", "X1", "x.fits", flat=False) == os.path.join(
        "base", "HST", "X1", "x.fits"
    )
    assert layout_path("base", "../..", "X1", "x.fits", flat=True) == os.path.join("base", "x.fits")
    for bad in ("", ".", "..", "a/../../b", "/abs", "x\x00"):
        with pytest.raises(UnsafePathError):
            safe_filename(bad)
    with pytest.raises(ValueError, match="sha256"):
        blob_relpath("../../etc/passwd")


def test_check_inside(tmp_path: Path) -> None:
    check_inside(tmp_path / "a" / "b.fits", tmp_path)
    with pytest.raises(UnsafePathError):
        check_inside(tmp_path.parent / "b.fits", tmp_path)
