"""Isolation between anonymous calls and two accounts: exclusive-access rows, products and
files, online and offline; SQL views; snapshots without (and with) proprietary results."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table

import mastcache
from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.errors import CacheMissError, NoResultsWarning
from mastcache.snapshot import create
from mastcache.store import Store


def cone(client: ObservationsClass, proposal: Any, mode: str | None = None) -> Table:
    where = SkyCoord(proposal.ra, proposal.dec, unit="deg")
    table: Table = client.query_region(where, radius=f"{proposal.radius_deg} deg", mode=mode)
    return table


def obsids(table: Table) -> set[str]:
    return {str(v) for v in table["obsid"]}


def logged_in(token: str) -> ObservationsClass:
    client = ObservationsClass()
    client.login(token)
    return client


def test_exclusive_rows_only_for_their_account(mast: Any) -> None:
    mine = set(mast.proposal.obsids)
    anonymous = cone(ObservationsClass(), mast.proposal)
    alice = cone(logged_in(mast.alice), mast.proposal)
    bob = cone(logged_in(mast.bob), mast.proposal)
    assert mine <= obsids(alice) and not mine & obsids(anonymous) and not mine & obsids(bob)
    assert obsids(alice) - mine == obsids(anonymous) == obsids(bob)
    rights = {str(r["obsid"]): r["dataRights"] for r in alice}
    assert {rights[o] for o in mine} == {"EXCLUSIVE_ACCESS"}
    assert len(cone(ObservationsClass(), mast.proposal)) == len(anonymous)  # not Alice's
    invokes = [r for r in mast.server.requests if r.path == "/api/v0/invoke"]
    assert sum(r.has_token for r in invokes) == 2 and len(invokes) == 3


def test_offline_each_account_sees_only_its_own(mast: Any) -> None:
    alice = logged_in(mast.alice)
    fetched = cone(alice, mast.proposal)
    bob = logged_in(mast.bob)
    with runtime.using_mode("offline"):
        served = cone(alice, mast.proposal)
        with pytest.raises(CacheMissError):
            cone(ObservationsClass(), mast.proposal)
        with pytest.raises(CacheMissError):
            cone(bob, mast.proposal)
    assert served.meta["mastcache"]["source"] == "cache"
    assert obsids(served) == obsids(fetched)
    alice.logout()
    with runtime.using_mode("offline"), pytest.raises(CacheMissError):
        cone(alice, mast.proposal)


def test_products_and_files_stay_with_their_account(mast: Any, tmp_path: Path) -> None:
    alice = logged_in(mast.alice)
    products = alice.get_product_list(list(mast.proposal.obsids[:1]))[:2]
    assert len(products) == 2 and set(products["dataRights"]) == {"EXCLUSIVE_ACCESS"}
    got = alice.download_products(products, download_dir=str(tmp_path / "alice"))
    assert set(got["Status"]) == {"COMPLETE"}
    with Store.open(runtime.current_settings()) as store:
        files = [store.get_file(str(uri)) for uri in products["dataURI"]]
    assert {f.scope for f in files if f is not None} == {alice.scope} and None not in files

    anonymous, bob = ObservationsClass(), logged_in(mast.bob)
    for client, code in ((anonymous, "401"), (bob, "403")):
        result = client.download_products(products, download_dir=str(tmp_path / "other"))
        assert set(result["Status"]) == {"ERROR"}
        assert all(code in str(m) for m in result["Message"])
        with runtime.using_mode("offline"):
            offline = client.download_products(products, download_dir=str(tmp_path / "off"))
        assert set(offline["Status"]) == {"ERROR"}
    assert not list((tmp_path / "other").rglob("*.fits"))
    assert not list((tmp_path / "off").rglob("*.fits"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoResultsWarning)
        assert len(anonymous.get_product_list(list(mast.proposal.obsids[:1]))) == 0


def sql_obsids(**kwargs: Any) -> set[str]:
    return {str(v) for v in mastcache.sql("SELECT obsid FROM observations", **kwargs)["obsid"]}


def test_sql_views_show_public_rows_and_the_current_account(mast: Any) -> None:
    mine = set(mast.proposal.obsids)
    cone(ObservationsClass(), mast.proposal)
    alice = logged_in(mast.alice)
    cone(alice, mast.proposal)
    assert mine <= sql_obsids()
    scopes = set(mastcache.sql("SELECT DISTINCT scope FROM queries")["scope"])
    assert scopes == {"anonymous", alice.scope}
    bob = logged_in(mast.bob)  # the account logged in last is the current one
    assert not mine & sql_obsids() and sql_obsids()
    bob.logout()
    assert mine <= sql_obsids()
    scope = alice.scope
    alice.logout()
    assert not mine & sql_obsids()
    assert mine <= sql_obsids(scope=scope)
    assert set(mastcache.sql("SELECT DISTINCT scope FROM queries")["scope"]) == {"anonymous"}


def test_snapshots_leave_proprietary_results_out_unless_asked(mast: Any, tmp_path: Path) -> None:
    cone(ObservationsClass(), mast.proposal)
    alice = logged_in(mast.alice)
    cone(alice, mast.proposal)
    public = create("public", output_dir=tmp_path)
    assert public.queries >= 1 and public.excluded_proprietary >= 1
    assert "proprietary" in public.summary() and "--include-proprietary" in public.summary()
    full = create("full", output_dir=tmp_path, include_proprietary=True)
    assert full.queries > public.queries and full.excluded_proprietary == 0
