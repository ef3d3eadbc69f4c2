"""download_products' manifest equals stock astroquery's for the same products and
emulator: column names and types, statuses, layout under each download_dir, error URLs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from astropy.table import Table

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer


@pytest.fixture
def ours(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer, cache_dir: Path
) -> Iterator[ObservationsClass]:
    """mastcache against the very emulator stock astroquery talks to."""
    runtime.configure(mast_url=astroquery_emulator.url, cache_dir=cache_dir, mode="cache-first")
    yield ObservationsClass()
    runtime.reset()


def _relative(manifest: Table, root: Path) -> list[str]:
    return [str(Path(p).relative_to(root)) if p else "" for p in manifest["Local Path"]]


def _with_missing_product(products: Table) -> Table:
    products = products.copy()
    products["dataURI"] = products["dataURI"].astype(object)
    products["dataURI"][2] = "mast:HST/product/does_not_exist_flt.fits"
    return products


def test_manifests_equal_stock_astroquerys(
    astroquery_mast: ModuleType, ours: ObservationsClass, tmp_path: Path
) -> None:
    theirs = astroquery_mast.Observations
    observations = theirs.query_criteria(obs_collection="HST", dataproduct_type="image")[:2]
    obsids = [str(x) for x in observations["obsid"]]
    theirs_table = _with_missing_product(theirs.get_product_list(obsids))
    ours_table = _with_missing_product(ours.get_product_list(obsids))
    expected = theirs.download_products(theirs_table, download_dir=tmp_path / "aq", verbose=False)
    actual = ours.download_products(ours_table, download_dir=tmp_path / "mc", verbose=False)
    assert actual is not None and actual.colnames == expected.colnames
    assert [c.dtype.kind for c in actual.columns.values()] == [
        c.dtype.kind for c in expected.columns.values()
    ]
    assert list(actual["Status"]) == list(expected["Status"])
    assert "ERROR" in list(actual["Status"]) and "COMPLETE" in list(actual["Status"])
    assert _relative(actual, tmp_path / "mc") == _relative(expected, tmp_path / "aq")
    assert list(actual["URL"]) == list(expected["URL"])
    assert [m is None for m in actual["Message"]] == [m is None for m in expected["Message"]]
    for ours_path, theirs_path in zip(actual["Local Path"], expected["Local Path"], strict=True):
        if Path(theirs_path).exists():
            assert Path(ours_path).read_bytes() == Path(theirs_path).read_bytes()


def test_obsid_input_and_flat_layout_match_astroquery(
    astroquery_mast: ModuleType, ours: ObservationsClass, tmp_path: Path
) -> None:
    theirs = astroquery_mast.Observations
    observations = theirs.query_criteria(obs_collection="HST", dataproduct_type="image")[2:4]
    obsids = [str(x) for x in observations["obsid"]]
    kwargs = {"flat": True, "mrp_only": True, "verbose": False}
    for side in ("aq", "mc"):
        (tmp_path / side).mkdir()  # astroquery's flat mode does not create download_dir
    expected = theirs.download_products(obsids, download_dir=tmp_path / "aq", **kwargs)
    actual = ours.download_products(obsids, download_dir=tmp_path / "mc", **kwargs)
    assert actual is not None and len(actual) == len(expected) > 0
    assert list(actual["Status"]) == list(expected["Status"])
    assert _relative(actual, tmp_path / "mc") == _relative(expected, tmp_path / "aq")
