"""MastGateway against the emulator over real HTTP: config, paging, polling, errors, SANTA."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from mastcache.emulator import EmulatorServer
from mastcache.errors import InvalidQueryError, ProtocolError, RemoteServiceError
from mastcache.gateways.portal import MastGateway
from mastcache.mast import resolver
from mastcache.settings import Settings

M101 = {"ra": 210.80227, "dec": 54.34895, "radius": 0.2}


def _gateway(emulator: EmulatorServer, cache_dir: Path, **changes: Any) -> MastGateway:
    settings = Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator.url, **changes)
    return MastGateway.from_settings(settings)


def _count(emulator: EmulatorServer, path: str) -> int:
    return len(emulator.requests.matching(path))


def test_cone_table_equals_stock_astroquery(
    settings: Settings, astroquery_mast: ModuleType
) -> None:
    ours = MastGateway.from_settings(settings).portal_table("Mast.Caom.Cone", M101)
    coordinates = SkyCoord(M101["ra"], M101["dec"], unit="deg")
    theirs = astroquery_mast.Observations.query_region(coordinates, radius=0.2)
    assert len(ours) > 0
    assert ours.colnames == theirs.colnames and ours.masked == theirs.masked
    for name in ours.colnames:
        mine, stock = ours[name], theirs[name]
        assert (mine.dtype, mine.fill_value) == (stock.dtype, stock.fill_value), name
        assert np.array_equal(np.ma.getmaskarray(mine), np.ma.getmaskarray(stock)), name
        assert np.array_equal(mine.data, stock.data, equal_nan=mine.dtype.kind == "f"), name


def test_paged_fetch_assembles_every_page_in_order(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.reconfigure(rows=2345, latency_ms=20)
    gateway = _gateway(emulator, cache_dir, max_parallel=4)
    whole = gateway.portal_table("Mast.Caom.Cone", M101, pagesize=50000)
    paged = gateway.portal_table("Mast.Caom.Cone", M101, pagesize=500)
    assert len(paged) == 2345 and list(paged["obsid"]) == list(whole["obsid"])
    assert _count(emulator, "/api/v0/invoke") == 1 + 5
    third = gateway.portal_table("Mast.Caom.Cone", M101, pagesize=500, page=3)
    assert list(third["obsid"]) == list(whole["obsid"][1000:1500])


def test_executing_answers_are_polled_and_never_cached(
    emulator: EmulatorServer, cache_dir: Path
) -> None:
    emulator.reconfigure(executing_polls=2)
    gateway = _gateway(emulator, cache_dir)
    first = gateway.portal_pages("Mast.Caom.Cone", M101)
    assert _count(emulator, "/api/v0/invoke") == 3
    again = gateway.portal_pages("Mast.Caom.Cone", M101)
    assert again == first
    assert _count(emulator, "/api/v0/invoke") == 3, "the COMPLETE page came from the HTTP cache"


def test_table_pages_pass_the_http_cache_by(emulator: EmulatorServer, cache_dir: Path) -> None:
    """portal_table's pages are typed as they come; none is kept raw in http.sqlite, so
    the same query asks MAST again (the result level serves repeats), polls included."""
    emulator.reconfigure(executing_polls=2)
    gateway = _gateway(emulator, cache_dir)
    first = gateway.portal_table("Mast.Caom.Cone", M101)
    assert _count(emulator, "/api/v0/invoke") == 3
    again = gateway.portal_table("Mast.Caom.Cone", M101)
    assert list(again["obsid"]) == list(first["obsid"])
    assert _count(emulator, "/api/v0/invoke") == 6
    gateway.transport.close()
    with sqlite3.connect(cache_dir / "http.sqlite") as http:
        urls = [row[0] for row in http.execute("SELECT key FROM responses")]
    assert len(urls) == 1, "only the columns config is in the HTTP cache"


def test_error_status_is_a_remote_service_error(settings: Settings) -> None:
    gateway = MastGateway.from_settings(settings)
    with pytest.raises(RemoteServiceError):
        gateway.portal_table("Mast.No.Such.Service", {})


def test_truncated_page_is_a_protocol_error(emulator: EmulatorServer, cache_dir: Path) -> None:
    gateway = _gateway(emulator, cache_dir, max_retries=1)
    gateway.column_config("Mast.Caom.Cone")
    emulator.set_faults("/api/v0/invoke=truncate")
    with pytest.raises(ProtocolError):
        gateway.portal_table("Mast.Caom.Cone", M101)


def test_column_config_is_memoized_per_service(emulator: EmulatorServer, cache_dir: Path) -> None:
    gateway = _gateway(emulator, cache_dir)
    config = gateway.column_config("Mast.Caom.Filtered", fetch_name="Mast.Caom.Cone")
    assert "obs_collection" in config
    assert gateway.column_config("Mast.Caom.Filtered") is config
    assert _count(emulator, "/portal/Mashup/Mashup.asmx/columnsconfig") == 1
    filters = gateway.build_filters(
        "Mast.Caom.Cone", {"obs_collection": ["HST"]}, service_name="Mast.Caom.Filtered"
    )
    assert filters == [{"paramName": "obs_collection", "separator": ";", "values": ["HST"]}]
    assert _count(emulator, "/portal/Mashup/Mashup.asmx/columnsconfig") == 1
    with pytest.raises(InvalidQueryError, match="Did you mean 'obs_collection'"):
        gateway.build_filters(
            "Mast.Caom.Cone", {"obs_colection": "HST"}, service_name="Mast.Caom.Filtered"
        )


def test_tess_config_gets_histograms_merged(settings: Settings) -> None:
    config = MastGateway.from_settings(settings).column_config("Mast.Catalogs.Tess.Cone")
    assert config and not any(
        "hist" in props for props in config.values() if isinstance(props, dict)
    )


def test_portal_json_extjs_and_metadata(settings: Settings) -> None:
    gateway = MastGateway.from_settings(settings)
    missions = gateway.portal_json("Mast.Caom.All", {}, format="extjs")
    assert missions["data"]["Tables"][0]["Columns"]
    metadata = gateway.metadata_table("Mast.Caom.Cone")
    assert "obs_collection" in list(metadata["Column Name"])


def test_resolve_batches_of_thirty(emulator: EmulatorServer, cache_dir: Path) -> None:
    gateway = _gateway(emulator, cache_dir)
    names = ["M101", "M1", "no such object"] * 12
    entries = gateway.resolve(names)
    assert _count(emulator, "/Santa-war/query") == 2
    assert entries["no such object"] == [] and entries["M101"][0]["searchString"] == "m101"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = resolver.skycoords(names, entries)
    assert isinstance(coords, dict) and set(coords) == {"M101", "M1"}


def test_resolve_with_named_resolver(settings: Settings) -> None:
    gateway = MastGateway.from_settings(settings)
    entries = gateway.resolve("M101", "ned")
    coord = resolver.skycoords("M101", entries, resolver="NED")
    assert isinstance(coord, SkyCoord) and entries["M101"]
