"""MastClass (service_request, mast_query, resolve_object) against the emulator."""

from __future__ import annotations

import pytest
from astropy.coordinates import SkyCoord

from mastcache.client import MastClass
from mastcache.client.mast import service_kind
from mastcache.emulator import EmulatorServer
from mastcache.errors import (
    CacheMissError,
    InputWarning,
    InvalidQueryError,
    RemoteServiceError,
    ResolverError,
)

CONE = {"ra": 210.802429, "dec": 54.34875, "radius": 0.1}


@pytest.fixture
def mast(live: EmulatorServer) -> MastClass:
    return MastClass()


def test_service_request_is_cached_and_shares_keys_with_observations(mast: MastClass) -> None:
    from mastcache.client import ObservationsClass

    table = mast.service_request("Mast.Caom.Cone", CONE)
    assert len(table) > 0 and table.meta["mastcache"]["source"] == "network"
    again = ObservationsClass().query_region(
        SkyCoord(CONE["ra"], CONE["dec"], unit="deg"), radius=0.1, mode="offline"
    )
    assert again.meta["mastcache"]["key"] == table.meta["mastcache"]["key"]


def test_request_fields_change_the_key(mast: MastClass) -> None:
    plain = mast.service_request("Mast.Caom.Cone", CONE)
    trimmed = mast.service_request("Mast.Caom.Cone", CONE, removenullcolumns=True)
    assert trimmed.meta["mastcache"]["key"] != plain.meta["mastcache"]["key"]


def test_mast_query_builds_filters_and_positions(mast: MastClass) -> None:
    table = mast.mast_query(
        "Mast.Caom.Filtered", obs_collection=["HST"], dataproduct_type=["image"]
    )
    assert len(table) > 0 and set(table["obs_collection"]) == {"HST"}
    cone = mast.mast_query("Mast.Caom.Cone", **CONE)
    assert len(cone) == len(mast.service_request("Mast.Caom.Cone", CONE, mode="offline"))
    with pytest.warns(InputWarning, match="will not mask"):
        mast.mast_query("Mast.Caom.Cone", columns="obsid", **CONE)
    with pytest.raises(InvalidQueryError, match="at least one filter"):
        mast.mast_query("Mast.Caom.Filtered", ra=1.0, dec=2.0)


def test_remote_errors_are_not_cached(mast: MastClass, live: EmulatorServer) -> None:
    with pytest.raises(RemoteServiceError):
        mast.service_request("Mast.No.Such.Service", {})
    with pytest.raises(CacheMissError):
        mast.service_request("Mast.No.Such.Service", {}, mode="offline")
    with pytest.raises(InvalidQueryError, match="params must be a dict"):
        mast.service_request("Mast.Caom.Cone", [1, 2])  # type: ignore[arg-type]


def test_resolve_object_shapes(mast: MastClass) -> None:
    one = mast.resolve_object("M101")
    assert isinstance(one, SkyCoord) and one.ra.deg == pytest.approx(210.8, abs=0.01)
    every = mast.resolve_object("M101", resolve_all=True)
    assert isinstance(every, dict) and {"SIMBAD", "NED"} <= set(every)
    ned = mast.resolve_object("M101", resolver="ned")
    assert ned.separation(every["NED"]).arcsec < 1e-6
    many = mast.resolve_object(["M101", "M31"])
    assert list(many) == ["M101", "M31"] and all(isinstance(c, SkyCoord) for c in many.values())
    nested = mast.resolve_object(["M101", "M31"], resolve_all=True)
    assert isinstance(nested["M31"], dict)
    with pytest.warns(InputWarning, match="ignored when resolve_all"):
        mast.resolve_object("M101", resolver="SIMBAD", resolve_all=True)


def test_resolutions_persist_per_name_for_offline_use(
    mast: MastClass, live: EmulatorServer
) -> None:
    mast.resolve_object(["M101", "M31", "M1"])
    resolver_calls = len(live.requests.matching("/Santa-war"))
    assert resolver_calls == 1  # one batched request for three names
    offline = mast.resolve_object("M31", mode="offline")
    assert offline.dec.deg == pytest.approx(41.27, abs=0.01)
    mast.resolve_object(["M31", "M101"], mode="offline")
    with pytest.raises(CacheMissError, match="resolution"):
        mast.resolve_object("M 1", mode="offline")


def test_unresolvable_names(mast: MastClass) -> None:
    with pytest.raises(ResolverError, match='Could not resolve "Nowhere 9"'):
        mast.resolve_object("Nowhere 9")
    with pytest.warns(InputWarning, match='Could not resolve "Nowhere 9"'):
        partial = mast.resolve_object(["M101", "Nowhere 9"])
    assert list(partial) == ["M101"]
    with pytest.raises(ResolverError, match="any of the given"), pytest.warns(InputWarning):
        mast.resolve_object(["Nowhere 9", "Nowhere 10"])
    with pytest.raises(ResolverError, match="Invalid resolver"):
        mast.resolve_object("M101", resolver="VizieR")
    with pytest.raises(ResolverError, match="expected an object name"):
        mast.resolve_object([])


def test_service_kinds() -> None:
    assert service_kind("Mast.Caom.Cone") == "observations"
    assert service_kind("Mast.Caom.Products") == "products"
    assert service_kind("Mast.Catalogs.Tic.Cone") == "catalogs"
    assert service_kind("Mast.Name.Lookup") == "raw"
