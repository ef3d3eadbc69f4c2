"""mastcache's Tesscut, Zcut and Hapcut against the emulator: each cutout is a product in the
store (files/products rows, snapshots), served again without the network (emulator log),
offline, within the position tolerance; bad input fails before any request."""

from __future__ import annotations

import io
import warnings
import zipfile
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.utils.exceptions import AstropyDeprecationWarning

import mastcache
from mastcache import runtime, snapshot
from mastcache.client import HapcutClass, TesscutClass, ZcutClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError, InvalidQueryError, NoResultsWarning

TARGET = SkyCoord(349.62609, -47.12424, unit="deg")
GOODS_N = SkyCoord(189.28065571, 62.17415175, unit="deg")
HAP = SkyCoord(351.347812, 28.497808, unit="deg")
NOWHERE = SkyCoord(0.0, 0.0, unit="deg")


def _cutout_requests(server: EmulatorServer) -> int:
    return sum(1 for r in server.requests if "/astrocut" in r.path)


def _same_hdulists(ours: list[fits.HDUList], theirs: list[fits.HDUList]) -> None:
    assert [h.filename for h in ours] == [h.filename for h in theirs]
    for mine, other in zip(ours, theirs, strict=True):
        for a, b in zip(mine, other, strict=True):
            assert a.header == b.header
            assert (
                np.array_equal(np.asarray(a.data), np.asarray(b.data))
                if a.data is not None
                else b.data is None
            )


def test_a_cutout_is_fetched_once_then_served_from_the_store(live: EmulatorServer) -> None:
    tesscut = TesscutClass()
    first = tesscut.get_cutouts(coordinates=TARGET, size=[5, 7], sector=[1, 2])
    assert len(first) == 2 and first[0][1].data["FLUX"].shape[1:] == (5, 7)
    assert _cutout_requests(live) == 1
    again = tesscut.get_cutouts(coordinates=TARGET, size=[5.0, 7.0], sector=[2, 1])
    nearby = SkyCoord(TARGET.ra + 0.01 * u.arcsec, TARGET.dec, frame="icrs")
    close = tesscut.get_cutouts(coordinates=nearby, size=[5, 7] * u.pix, sector=[1, 2])
    assert _cutout_requests(live) == 1
    _same_hdulists(again, first)
    _same_hdulists(close, first)
    tesscut.get_cutouts(coordinates=SkyCoord(TARGET.ra + 1 * u.arcsec, TARGET.dec), size=[5, 7])
    assert _cutout_requests(live) == 2  # beyond the 0.1 arcsec grid: a new cutout


def test_offline_with_the_server_gone(live: EmulatorServer) -> None:
    tesscut, zcut, hapcut = TesscutClass(), ZcutClass(), HapcutClass()
    sectors = tesscut.get_sectors(coordinates=TARGET)
    cutouts = tesscut.get_cutouts(coordinates=TARGET, size=3, sector=1)
    surveys = zcut.get_surveys(GOODS_N)
    images = zcut.get_cutouts(GOODS_N, size=[8, 6], survey="goods_north")
    hap = hapcut.get_cutouts(HAP, size=4)
    live.stop()
    runtime.configure(mode="offline")
    assert list(tesscut.get_sectors(coordinates=TARGET)["sectorName"]) == list(
        sectors["sectorName"]
    )
    _same_hdulists(tesscut.get_cutouts(coordinates=TARGET, size=3, sector=1), cutouts)
    assert zcut.get_surveys(GOODS_N) == surveys
    _same_hdulists(zcut.get_cutouts(GOODS_N, size=[8, 6], survey="goods_north"), images)
    _same_hdulists(hapcut.get_cutouts(HAP, size=4), hap)
    with pytest.raises(CacheMissError, match="offline"):
        tesscut.get_cutouts(coordinates=TARGET, size=4, sector=1)


def test_no_results_are_cached_and_warn_again(live: EmulatorServer) -> None:
    tesscut = TesscutClass()
    for _ in range(2):
        with pytest.warns(NoResultsWarning, match="No FFIs found for input target"):
            assert tesscut.get_cutouts(coordinates=NOWHERE, size=3) == []
        with pytest.warns(NoResultsWarning, match="Coordinates are not in any TESS sector"):
            assert len(tesscut.get_sectors(coordinates=NOWHERE)) == 0
    assert _cutout_requests(live) == 1
    with pytest.warns(NoResultsWarning, match="Missing HAP files"):
        assert HapcutClass().download_cutouts(SkyCoord(102.7, 70.5, unit="deg")) is not None


def test_cutouts_are_products_in_sql_views(live: EmulatorServer) -> None:
    TesscutClass().get_cutouts(coordinates=TARGET, size=3, sector=1)
    ZcutClass().get_cutouts(GOODS_N, size=5, survey="goods_north")
    files = mastcache.sql(
        "SELECT uri, size, status FROM files WHERE uri LIKE 'mastcache:cutouts/%' ORDER BY uri"
    )
    assert len(files) == 2 and set(files["status"]) == {"complete"}
    products = mastcache.sql(
        "SELECT dataURI, productType, productGroupDescription FROM products "
        "WHERE productType = 'CUTOUT' ORDER BY dataURI"
    )
    assert sorted(products["productGroupDescription"]) == ["Tesscut.Astrocut", "Zcut.Astrocut"]
    assert sorted(products["dataURI"]) == sorted(files["uri"])


def test_snapshot_with_files_replays_cutouts(live: EmulatorServer, tmp_path: Path) -> None:
    cutouts = TesscutClass().get_cutouts(coordinates=TARGET, size=3, sector=2)
    info = snapshot.create("cutouts", with_files=True, output_dir=tmp_path)
    assert info.files >= 1
    live.stop()
    runtime.configure(cache_dir=tmp_path / "elsewhere")
    with snapshot.replay(info.path):
        _same_hdulists(TesscutClass().get_cutouts(coordinates=TARGET, size=3, sector=2), cutouts)


def test_downloads_inflated_or_zipped(live: EmulatorServer, tmp_path: Path) -> None:
    tesscut = TesscutClass()
    unzipped = tesscut.download_cutouts(
        coordinates=TARGET, size=3, sector=[1, 2], path=tmp_path / "a"
    )
    zipped = tesscut.download_cutouts(
        coordinates=TARGET, size=3, sector=[1, 2], path=tmp_path / "b", inflate=False
    )
    assert _cutout_requests(live) == 1
    assert len(unzipped) == 2 and len(zipped) == 1 and zipped["Local Path"][0].endswith(".zip")
    with zipfile.ZipFile(zipped["Local Path"][0]) as archive:
        for path in unzipped["Local Path"]:
            assert Path(path).read_bytes() == archive.read(Path(path).name)
    pictures = ZcutClass().download_cutouts(
        GOODS_N, size=[10, 20], survey="3dhst_goods-n", cutout_format="jpg", path=tmp_path / "z",
        stretch="log", invert=True, ignored_option=1,
    )  # fmt: skip
    assert [Path(p).suffix for p in pictures["Local Path"]] == [".jpg"]


def test_hapcut_and_zcut_shapes(live: EmulatorServer) -> None:
    assert [h[1].data.shape for h in HapcutClass().get_cutouts(HAP, size=[2, 3])] == [(3, 2)]
    (survey,) = ZcutClass().get_cutouts(GOODS_N, size=[4, 9], survey="candels_gn_60mas")
    assert {h.data.shape for h in survey[1:]} == {(4, 9)}


def test_a_lost_zip_is_fetched_again(live: EmulatorServer, cache_dir: Path) -> None:
    tesscut = TesscutClass()
    first = tesscut.get_cutouts(coordinates=TARGET, size=3, sector=1)
    (record,) = mastcache.sql("SELECT local_path FROM files")
    blob = cache_dir / str(record["local_path"])
    blob.chmod(0o644)
    blob.unlink()
    with pytest.raises(CacheMissError, match="not in the product store"):
        tesscut.get_cutouts(coordinates=TARGET, size=3, sector=1, mode="offline")
    _same_hdulists(tesscut.get_cutouts(coordinates=TARGET, size=3, sector=1), first)
    assert _cutout_requests(live) == 2 and blob.is_file()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size=101), "too large"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size=1 * u.deg), "too large"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size=5 * u.kg), "angular"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size="five"), "pixels or angular"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size=[0, 5]), "positive"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, size=np.nan), "positive"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, sector=0), "not a TESS sector"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, sector="7"), "not a TESS sector"),
        (lambda: TesscutClass().get_cutouts(coordinates=TARGET, sector=[3, 2.5]), "whole numbers"),
        (lambda: TesscutClass().get_sectors(coordinates=TARGET, objectname="M1"), "Only one of"),
        (lambda: TesscutClass().get_cutouts(moving_target=True), "Please specify the object"),
        (lambda: ZcutClass().get_cutouts(GOODS_N, size=2001), "too large"),
        (lambda: ZcutClass().download_cutouts(GOODS_N, cutout_format="gif"), "not a Zcut format"),
        (lambda: ZcutClass().download_cutouts(GOODS_N, cutout_format="jpg", stretch=0), "stretch"),
        (lambda: HapcutClass().get_cutouts(HAP, size=3 * u.arcmin), "too large"),
    ],
)  # fmt: skip
def test_bad_input_fails_before_any_request(
    live: EmulatorServer, call: object, message: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyDeprecationWarning)
        with pytest.raises(InvalidQueryError, match=message):
            call()  # type: ignore[operator]
    assert len(live.requests) == 0


def test_product_is_deprecated_and_only_spoc(live: EmulatorServer) -> None:
    with pytest.warns(AstropyDeprecationWarning, match="product"):
        TesscutClass().get_sectors(coordinates=TARGET, product="spoc")
    with pytest.warns(AstropyDeprecationWarning), pytest.raises(InvalidQueryError, match="SPOC"):
        TesscutClass().get_cutouts(coordinates=TARGET, product="TICA")


def test_moving_target_and_named_object(live: EmulatorServer) -> None:
    tesscut = TesscutClass()
    sectors = tesscut.get_sectors(objectname="Eleonora", moving_target=True)
    assert len(sectors) > 0
    cutouts = tesscut.get_cutouts(objectname="Eleonora", moving_target=True, size=3,
                                  sector=int(sectors["sector"][0]))  # fmt: skip
    assert len(cutouts) == 1 and cutouts[0].filename.startswith(str(sectors["sectorName"][0]))
    by_name = tesscut.get_sectors(objectname="M104")
    assert by_name.colnames == ["sectorName", "sector", "camera", "ccd"]


def test_members_are_the_bytes_mast_sent(live: EmulatorServer) -> None:
    """The stored zip is MAST's body, byte for byte (sha256 in the files row)."""
    import hashlib

    import requests

    TesscutClass().get_cutouts(coordinates=TARGET, size=3, sector=1)
    (row,) = mastcache.sql("SELECT sha256 FROM files")
    body = requests.post(
        f"{live.url}/tesscut/api/v0.1/astrocut",
        data={"x": 3, "y": 3, "units": "px", "sector": 1, "ra": TARGET.ra.deg,
              "dec": TARGET.dec.deg},
    ).content  # fmt: skip
    assert hashlib.sha256(body).hexdigest() == row["sha256"]
    assert zipfile.is_zipfile(io.BytesIO(body))
