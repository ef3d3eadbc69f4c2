"""A user's tests served from a snapshot; EXAMPLE_VARIANT=b asks the same questions with
other parameter order and page size, EXAMPLE_EXTRA=1 asks one more question."""

from __future__ import annotations

import os

import pytest


def ask_mastcache() -> int:
    from mastcache import Mast

    if os.environ.get("EXAMPLE_VARIANT") == "b":
        params = {"radius": 0.05, "dec": 54.34895, "ra": 210.80227}
        table = Mast.service_request("Mast.Caom.Cone", params, pagesize=7)
    else:
        params = {"ra": 210.80227, "dec": 54.34895, "radius": 0.05}
        table = Mast.service_request("Mast.Caom.Cone", params)
    return len(table)


@pytest.mark.mast_snapshot("snapshots/cone.mastsnap")
def test_client_from_snapshot(mast_emulator: str, request: pytest.FixtureRequest) -> None:
    assert ask_mastcache() > 0
    if os.environ.get("EXAMPLE_EXTRA") == "1":
        from mastcache import Observations

        assert len(Observations.query_object("M51", radius="0.02 deg")) >= 0
    if request.config.getoption("--mast-record") == "none":
        assert not mast_emulator.requests  # type: ignore[attr-defined]


@pytest.mark.mast_snapshot("snapshots/astroquery.mastsnap")
def test_stock_astroquery_from_snapshot(mast_emulator: str, request: pytest.FixtureRequest) -> None:
    from astroquery.mast import Observations

    table = Observations.query_region("210.80227 54.34895", radius="0.05 deg")
    assert len(table) > 0
    if request.config.getoption("--mast-record") == "none":
        assert not mast_emulator.requests  # type: ignore[attr-defined]
