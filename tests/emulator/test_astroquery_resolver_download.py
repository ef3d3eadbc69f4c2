"""Stock astroquery 0.4.11 against the emulator: name resolution (through the proxy) and
product downloads, read back with astropy."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import ModuleType

import pytest
from astropy.io import fits

from mastcache.emulator import EmulatorServer
from mastcache.emulator.sky.fitsgen import product_size
from mastcache.emulator.sky.objects import NAMED_OBJECTS, find


def _arcsec(coord: object, ra: float, dec: float) -> float:
    from astropy.coordinates import SkyCoord

    return float(coord.separation(SkyCoord(ra, dec, unit="deg")).arcsec)  # type: ignore[attr-defined]


def test_resolve_one_name(astroquery_mast: ModuleType) -> None:
    coord = astroquery_mast.Mast.resolve_object("M101")
    assert _arcsec(coord, 210.802429, 54.34875) < 1e-6


@pytest.mark.parametrize("resolver", ["SIMBAD", "NED"])
def test_resolve_with_each_resolver(astroquery_mast: ModuleType, resolver: str) -> None:
    coord = astroquery_mast.Mast.resolve_object("M1", resolver=resolver)
    entry = find("M1").entry(resolver)  # type: ignore[union-attr]
    assert entry is not None
    assert _arcsec(coord, entry.ra, entry.dec) < 1e-6


def test_resolve_all(astroquery_mast: ModuleType) -> None:
    coords = astroquery_mast.Mast.resolve_object("M101", resolve_all=True)
    assert set(coords) == {"SIMBAD", "SIMBADCFA", "NED"}
    assert 0.0 < coords["SIMBAD"].separation(coords["NED"]).arcsec < 5.0


def test_resolve_a_catalog_id_with_a_resolver_gives_no_warning(astroquery_mast: ModuleType) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coord = astroquery_mast.Mast.resolve_object("TIC 307210830", resolver="SIMBAD")
    assert _arcsec(coord, 124.5317560026638, -68.3130014904408) < 1e-6


def test_forty_names_are_resolved_in_batches_of_thirty(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    names = [obj.name for obj in NAMED_OBJECTS[100:140]]
    before = len(astroquery_emulator.requests.matching("/Santa-war/query"))
    coords = astroquery_mast.Mast.resolve_object(names)
    assert list(coords) == names
    for name in names:
        obj = find(name)
        assert obj is not None and _arcsec(coords[name], obj.ra, obj.dec) < 1e-6
    batches = astroquery_emulator.requests.matching("/Santa-war/query")[before:]
    assert [entry.query.count("name=") for entry in batches] == [30, 10]
    assert {entry.header("host") for entry in batches} == {"mastresolver.stsci.edu"}


def test_an_unknown_name_raises_resolver_error(astroquery_mast: ModuleType) -> None:
    from astroquery.exceptions import ResolverError

    with pytest.raises(ResolverError, match="Could not resolve"):
        astroquery_mast.Mast.resolve_object("Not A Real Object 123")


def test_download_products_and_read_them_back(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer, tmp_path: Path
) -> None:
    observations = astroquery_mast.Observations
    obs = observations.query_criteria(
        objectname="M101", radius="0.2 deg", obs_collection=["HST", "JWST"]
    )
    assert len(obs) > 0
    products = observations.get_product_list(obs[:2])
    science = observations.filter_products(products, extension="fits", productType="SCIENCE")
    assert len(science) > 0
    before = len(astroquery_emulator.requests.matching("/api/v0.1/Download/file"))
    manifest = observations.download_products(science, download_dir=str(tmp_path))
    assert set(manifest["Status"]) == {"COMPLETE"}
    calls = astroquery_emulator.requests.matching("/api/v0.1/Download/file")[before:]
    assert [c.method for c in calls] == ["HEAD", "GET"] * len(science)
    for path, uri in zip(manifest["Local Path"], science["dataURI"], strict=True):
        assert Path(path).stat().st_size == product_size(uri)
        with fits.open(path) as hdus:
            assert hdus[0].header["TELESCOP"] == uri.split(":")[1].split("/")[0]
            assert hdus[1].data is not None
