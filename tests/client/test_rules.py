"""The astroquery rules the clients share (client/rules.py), each written once: product
de-duplication, input-location checks per client, download_file targets in both of
astroquery's styles, atomic small writes."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.client.rules import (
    CUTOUT_LOCATION,
    LOCATION,
    OBSERVATIONS_LOCATION,
    file_target,
    unique_products,
    write_file,
)
from mastcache.errors import InputWarning, InvalidQueryError
from mastcache.products.paths import UnsafePathError


def test_unique_products_keeps_the_first_row_of_each_value_in_order(
    caplog: pytest.LogCaptureFixture,
) -> None:
    table = Table({"dataURI": ["b", "a", "b", "c", "a"], "n": [1, 2, 3, 4, 5]})
    with caplog.at_level(logging.INFO, logger="mastcache"):
        unique = unique_products(table)
    assert list(unique["n"]) == [1, 2, 4]
    assert "2 of 5 products were duplicates. Only returning 3 unique product(s)." in caplog.text
    by_name = unique_products(Table({"filename": ["x", "x"]}), "filename")
    assert len(by_name) == 1 and len(unique_products(table[:0])) == 0


def test_location_rules_per_client() -> None:
    with pytest.raises(InvalidQueryError, match="Only one of objectname"):
        LOCATION.by_name("10 20", "M101", None)
    assert LOCATION.by_name("", "", None) is False  # empty strings are not given
    with pytest.raises(InvalidQueryError, match="Only one of objectname"):
        OBSERVATIONS_LOCATION.by_name("", "", None)  # Observations: anything but None is given
    with pytest.raises(InvalidQueryError, match="One of objectname and coordinates must"):
        CUTOUT_LOCATION.by_name(None, "", None)
    assert CUTOUT_LOCATION.by_name(None, "M101", "SIMBAD") is True


def test_a_resolver_with_coordinates_is_warned_about_at_the_callers_line() -> None:
    def caller() -> bool:
        return LOCATION.by_name("10 20", None, "NED", stacklevel=1)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert caller() is False
    (warning,) = caught
    assert issubclass(warning.category, InputWarning) and "ignored" in str(warning.message)
    assert warning.filename == __file__


def test_file_target_observations_style(tmp_path: Path) -> None:
    uri = "mast:HST/product/a.fits"
    assert file_target(uri, None) == "a.fits"
    assert file_target(uri, tmp_path / "b.fits") == os.fspath(tmp_path / "b.fits")
    assert file_target(uri, tmp_path / "dir") == os.fspath(tmp_path / "dir" / "a.fits")
    assert (tmp_path / "dir").is_dir()
    with pytest.raises(UnsafePathError):
        file_target("mast:HST/product/", None)  # basename is empty
    with pytest.raises(UnsafePathError, match="NUL"):
        file_target("mast:HST/\x00/a.fits", None)


def test_file_target_missions_style(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert file_target("jw01/a.fits", None, style="missions") == "a.fits"
    assert file_target("jw01/README", None, style="missions") == os.path.join("README", "README")
    assert (tmp_path / "README").is_dir()
    assert file_target("jw01/a.fits", "./x.fits", style="missions") == "x.fits"
    assert file_target("jw01/", None, style="missions") == os.path.join("jw01", "jw01")


def test_write_file_is_atomic_and_makes_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "script.sh"
    assert write_file(target, b"#!/bin/sh\n") == os.fspath(target)
    assert target.read_bytes() == b"#!/bin/sh\n"
    assert [p.name for p in target.parent.iterdir()] == ["script.sh"]  # no temp left
