"""Placing a stored file in the user's folder when that cannot be done (products/placement.py),
a gap of the full-suite coverage run (docs/testing.md): one clear error, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from mastcache.errors import ConfigurationError, StoreError
from mastcache.products.placement import LINK_KINDS, check_link_kind, place_file


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    path = tmp_path / "products" / "ab" / "blob"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"FITS bytes")
    path.chmod(0o444)
    return path


@pytest.mark.parametrize("link", LINK_KINDS)
def test_a_destination_that_is_a_folder_is_one_store_error(
    blob: Path, tmp_path: Path, link: str
) -> None:
    dest = tmp_path / "out" / "file.fits"
    (dest / "inside").mkdir(parents=True)
    with pytest.raises(StoreError) as caught:
        place_file(blob, dest, check_link_kind(link))
    assert str(caught.value).startswith(f"cannot write {dest}: ")
    assert str(caught.value).endswith("; check that the folder is writable")
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file.fits"]  # no temp left
    assert blob.read_bytes() == b"FITS bytes"


def test_placing_the_same_hard_link_again_changes_nothing(blob: Path, tmp_path: Path) -> None:
    dest = tmp_path / "out" / "file.fits"
    place_file(blob, dest, "hard")
    place_file(blob, dest, "hard")
    assert dest.samefile(blob) and sorted(p.name for p in dest.parent.iterdir()) == ["file.fits"]


def test_an_unknown_link_kind_names_the_choices() -> None:
    with pytest.raises(ConfigurationError) as caught:
        check_link_kind("soft")
    assert str(caught.value).startswith(
        "unknown link kind 'soft': expected one of hard, copy, symlink (copies, the default, "
    )
