"""A user's tests against the emulator: mastcache's client and stock astroquery."""

from __future__ import annotations

import os


def test_mastcache_client_reaches_the_emulator(mast_emulator: str) -> None:
    from mastcache import Observations

    table = Observations.query_object("M101", radius="0.05 deg")
    assert len(table) > 0
    assert table.meta["mastcache"]["source"] == "network"
    assert os.environ["MASTCACHE_MAST_URL"] == mast_emulator
    assert any("invoke" in r.path for r in mast_emulator.requests)  # type: ignore[attr-defined]


def test_each_test_has_a_fresh_cache(mast_emulator: str) -> None:
    from mastcache import Observations

    table = Observations.query_object("M101", radius="0.05 deg")
    assert table.meta["mastcache"]["source"] == "network"


def test_stock_astroquery_reaches_the_emulator(mast_emulator: str) -> None:
    from astroquery.mast import Observations

    table = Observations.query_region("210.80227 54.34895", radius="0.05 deg")
    assert len(table) > 0
    assert mast_emulator.requests  # type: ignore[attr-defined]
