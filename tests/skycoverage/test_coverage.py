"""coverage(): MOCs equal to mocpy's own from the same footprints, filters, counts, MOC files."""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from mocpy import MOC

import mastcache
from mastcache.errors import ConfigurationError, SQLError
from mastcache.settings import Settings
from mastcache.skycoverage import coverage

ORDER = 12


def polygon(lon: list[float], lat: list[float]) -> MOC:
    return MOC.from_polygon_skycoord(SkyCoord(lon, lat, unit="deg"), max_depth=ORDER)


def cone(ra: float, dec: float, radius: float) -> MOC:
    return MOC.from_cone(ra * u.deg, dec * u.deg, radius=radius * u.deg, max_depth=ORDER)


#: mocpy built directly from each cached observation's footprint (conftest.OBSERVATIONS)
EXPECTED = {
    1: lambda: polygon([359.95, 0.05, 0.05, 359.95], [10.0, 10.0, 10.1, 10.1]),
    2: lambda: polygon([150.0, 150.1, 150.1], [2.0, 2.0, 2.1]).union(
        polygon([150.2, 150.3, 150.3], [2.0, 2.0, 2.1])
    ),
    3: lambda: cone(45.0, 89.5, 1.0),
    4: lambda: polygon([10, 100, 190, 280], [-88, -88, -88, -88]),
    5: lambda: cone(200.0, -30.0, 0.5).union(polygon([201, 201.2, 201.2], [-30, -30, -29.8])),
    6: lambda: cone(300.0, 20.0, 1 / 60),
}


def expected(*obsids: int) -> MOC:
    mocs = [EXPECTED[i]() for i in obsids]
    return mocs[0].union(*mocs[1:]) if len(mocs) > 1 else mocs[0]


def test_whole_cache_equals_mocpy_from_the_same_footprints(footprint_cache: Settings) -> None:
    result = coverage(settings=footprint_cache)
    assert result.moc == expected(1, 2, 3, 4, 5, 6)
    assert (result.observations, result.points, result.unplaced) == (6, 1, 1)
    assert result.products == 4  # obsids 1, 1, 2, 3; product of 99 belongs to nothing cached
    assert result.sky_fraction == pytest.approx(result.moc.sky_fraction)
    assert result.order == ORDER and result.moc.max_order == ORDER


def test_footprint_across_ra_zero_covers_both_sides_only(footprint_cache: Settings) -> None:
    moc = coverage(settings=footprint_cache, collection="HST").moc
    inside = moc.contains_lonlat([359.97, 0.03] * u.deg, [10.05, 10.05] * u.deg)
    assert list(inside) == [True, True]
    assert not moc.contains_lonlat([180.0] * u.deg, [10.05] * u.deg)[0]  # no wrong-way round
    assert moc.sky_fraction < 1e-5


def test_footprints_at_the_poles(footprint_cache: Settings) -> None:
    moc = coverage(settings=footprint_cache, collection="TESS").moc
    assert moc == expected(3, 4)
    # (225, 89.6) is 0.9 degrees from the cone's centre across the pole
    near_poles = moc.contains_lonlat([0, 123, 225] * u.deg, [89.9, -89.9, 89.6] * u.deg)
    assert list(near_poles) == [True, True, True]
    assert not moc.contains_lonlat([0] * u.deg, [0] * u.deg)[0]


@pytest.mark.parametrize(
    ("options", "obsids", "products"),
    [
        ({"collection": "hst"}, (1, 2), 3),
        ({"collection": ["TESS", "GALEX"]}, (3, 4, 5), 1),
        ({"instrument": "WFC3"}, (1,), 2),
        ({"instrument": "acs/wfc"}, (2,), 1),
        ({"where": "t_exptime >= 300 AND obs_collection <> 'GALEX'"}, (3, 4, 6), 1),
        ({"start": 59550.0}, (4, 6), 0),
        ({"start": "2020-06-02", "end": "2022-01-01"}, (2, 3), 2),  # MJD 59002 .. 59580
    ],
)
def test_filters(
    footprint_cache: Settings, options: dict[str, object], obsids: tuple[int, ...], products: int
) -> None:
    result = coverage(settings=footprint_cache, **options)  # type: ignore[arg-type]
    assert result.moc == expected(*obsids)
    assert result.products == products
    assert result.selection.is_filtered


def test_per_collection_mocs_and_targets(footprint_cache: Settings) -> None:
    result = coverage(settings=footprint_cache)
    names = {c.name: c.observations for c in result.collections}
    assert names == {"HST": 2, "TESS": 2, "GALEX": 1, "JWST": 1}
    union = result.collections[0].moc.union(*(c.moc for c in result.collections[1:]))
    assert union == result.moc
    assert [(t.name, t.ra, t.dec) for t in result.targets] == [("TARGET ONE", 150.1, 2.05)]
    assert "4 products" in result.summary() and "<table>" in result._repr_html_()


def test_a_coarser_order(footprint_cache: Settings) -> None:
    result = coverage(settings=footprint_cache, order=8)
    assert result.moc.max_order == 8
    assert result.moc == expected(1, 2, 3, 4, 5, 6).degrade_to_order(8) or (
        result.moc.sky_fraction <= expected(1, 2, 3, 4, 5, 6).degrade_to_order(8).sky_fraction
    )


def test_save_writes_a_moc_file_mocpy_reads(footprint_cache: Settings, tmp_path: Path) -> None:
    result = coverage(settings=footprint_cache)
    path = result.save(tmp_path / "cache.fits")
    assert MOC.from_fits(path) == result.moc
    assert [p.name for p in tmp_path.iterdir()] == ["cache.fits"]  # no temp file left
    assert path.stat().st_mode & 0o044  # readable by others, like any written file


def test_mistakes_are_errors_of_the_tree(footprint_cache: Settings, tmp_path: Path) -> None:
    with pytest.raises(SQLError, match="no_such_column"):
        coverage("no_such_column > 1", settings=footprint_cache)
    with pytest.raises(SQLError):
        coverage("1=1; DELETE FROM observations", settings=footprint_cache)
    with pytest.raises(ConfigurationError, match="cannot read the time"):
        coverage(settings=footprint_cache, start="yesterday-ish")
    with pytest.raises(mastcache.StoreError, match="cannot write"):
        coverage(settings=footprint_cache).save(tmp_path / "missing" / "x.fits")


def test_empty_cache_covers_nothing(tmp_path: Path) -> None:
    result = coverage(settings=Settings.from_env({}, cache_dir=tmp_path / "empty"))
    assert result.sky_fraction == 0.0 and result.observations == 0 and result.products == 0
    assert np.isclose(result.square_degrees, 0.0)


def test_public_name_is_lazy() -> None:
    assert mastcache.coverage is coverage
