"""The emulator's cutout services over real HTTP: TESScut sectors and target pixel files,
Zcut surveys and cutouts (FITS, JPEG, PNG), HAPcut; MAST's no-result and error answers;
byte-identical answers for identical requests; stock astroquery accepts them."""

from __future__ import annotations

import io
import warnings
import zipfile
from types import ModuleType

import numpy as np
import pytest
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from mastcache.client import cutouts_request
from mastcache.emulator import EmulatorServer
from mastcache.emulator.cutouts import tess as cutouts_tess
from mastcache.emulator.cutouts import wire as cutouts_wire
from mastcache.emulator.cutouts.routes import NO_FFIS, NO_HAP, NO_SURVEY

TESS_TARGET = {"ra": "349.62609", "dec": "-47.12424"}
GOODS_N = {"ra": "189.28065571", "dec": "62.17415175"}
HAP_TARGET = {"ra": 351.347812, "dec": 28.497808}


def _zip(response: requests.Response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.text
    return zipfile.ZipFile(io.BytesIO(response.content))


def _open(archive: zipfile.ZipFile, index: int = 0) -> fits.HDUList:
    return fits.open(io.BytesIO(archive.read(archive.namelist()[index])))


def test_sector_model_agrees_with_the_recorded_samples() -> None:
    """tess_sector.json (s1 cam 1 CCD 3) and the astrocut sample (s1 cam 4 CCD 3)."""
    assert cutouts_tess.sectors_at(324.24368, -27.01029)[0].sector_name == "tess-s0001-1-3"
    assert cutouts_tess.sectors_at(107.27, -70.0)[0].sector_name == "tess-s0001-4-3"
    assert cutouts_tess.sectors_at(0.0, 0.0) == []  # on the ecliptic: never observed


def test_client_and_emulator_share_the_size_limits() -> None:
    for service, limit in cutouts_wire.LIMITS.items():
        theirs = cutouts_request.LIMITS[service]
        assert (limit.max_pixels, limit.max_degrees) == (theirs.max_pixels, theirs.max_degrees)


def test_sector_lookup_returns_strings_and_honours_radius(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/tesscut/api/v0.1/sector"
    rows = requests.post(url, data={**TESS_TARGET, "radius": 0}).json()["results"]
    assert rows and all(isinstance(v, str) for row in rows for v in row.values())
    assert rows[0] == {"sectorName": "tess-s0001-2-3", "sector": "1", "camera": "2", "ccd": "3"}
    wider = requests.get(url, params={**TESS_TARGET, "radius": 10}).json()["results"]
    assert len(wider) > len(rows)
    assert requests.post(url, data={"ra": 0, "dec": 0}).json() == {"results": []}


def test_tesscut_zip_holds_target_pixel_files(emulator: EmulatorServer) -> None:
    form = {"x": 7, "y": 5, "units": "px", "sector": [1, 2], **TESS_TARGET}
    archive = _zip(requests.post(f"{emulator.url}/tesscut/api/v0.1/astrocut", data=form))
    assert archive.namelist() == [
        "tess-s0001-2-3_349.626090_-47.124240_7x5_astrocut.fits",
        "tess-s0002-2-4_349.626090_-47.124240_7x5_astrocut.fits",
    ]
    assert {info.date_time for info in archive.infolist()} == {cutouts_wire.ZIP_DATE}
    hdus = _open(archive)
    assert [h.name for h in hdus] == ["PRIMARY", "PIXELS", "APERTURE"]
    assert (hdus[0].header["SECTOR"], hdus[0].header["CAMERA"], hdus[0].header["CCD"]) == (1, 2, 3)
    pixels = hdus[1].data
    expected = ["TIME", "TIMECORR", "CADENCENO", "RAW_CNTS", "FLUX", "FLUX_ERR", "FLUX_BKG",
                "FLUX_BKG_ERR", "QUALITY", "POS_CORR1", "POS_CORR2", "FFI_FILE"]  # fmt: skip
    assert pixels.columns.names == expected
    assert pixels["FLUX"].shape == (300, 5, 7) and hdus[2].data.shape == (5, 7)
    assert np.all(np.diff(pixels["TIME"]) > 0)
    assert (
        hdus[0].header["TSTART"]
        <= pixels["TIME"][0]
        < pixels["TIME"][-1]
        <= hdus[0].header["TSTOP"]
    )


def test_tesscut_wcs_is_centred_on_the_target(emulator: EmulatorServer) -> None:
    form = {"x": 9, "y": 9, "units": "px", "sector": 1, **TESS_TARGET}
    hdus = _open(_zip(requests.post(f"{emulator.url}/tesscut/api/v0.1/astrocut", data=form)))
    wcs = WCS(hdus["APERTURE"].header)
    x, y = wcs.world_to_pixel(SkyCoord(349.62609, -47.12424, unit="deg"))
    assert abs(x - 4) <= 0.5 and abs(y - 4) <= 0.5  # inside the central pixel (0-based 4)
    scale = np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600
    assert scale == pytest.approx(21.0)


def test_sizes_in_degrees_become_whole_pixels(emulator: EmulatorServer) -> None:
    form = {"x": 0.02, "y": 1 / 60, "units": "d", "sector": 1, **TESS_TARGET}
    hdus = _open(_zip(requests.post(f"{emulator.url}/tesscut/api/v0.1/astrocut", data=form)))
    assert hdus["APERTURE"].data.shape == (3, 4)  # 60"/21" -> 3 rows, 72"/21" -> 4 columns


def test_identical_requests_get_identical_bytes(emulator: EmulatorServer) -> None:
    base = f"{emulator.url}/tesscut/api/v0.1/astrocut"
    form = {"x": 5, "y": 5, "units": "px", "sector": [28, 68], **TESS_TARGET}
    posted = requests.post(base, data=form).content
    query = "x=5&y=5&units=px&sector=[28, 68]&ra=349.62609&dec=-47.12424"
    assert requests.get(f"{base}?{query}").content == posted
    assert requests.post(base, data=form).content == posted
    assert _zip(requests.post(base, data=form)).namelist()[0].startswith("tess-s0028-2-4")


def test_no_sector_and_bad_requests(emulator: EmulatorServer) -> None:
    base = f"{emulator.url}/tesscut/api/v0.1/astrocut"
    off = requests.post(base, data={"x": 5, "y": 5, "units": "px", "ra": 0, "dec": 0})
    assert off.status_code == 200 and off.json() == {"msg": NO_FFIS, "results": []}
    unknown = requests.post(base, data={"x": 5, "y": 5, "sector": 999, **TESS_TARGET})
    assert unknown.json()["msg"] == NO_FFIS
    for bad in ({"x": 500, "y": 5}, {"x": 5, "y": 5, "units": "arcmin"}, {"x": -1, "y": 5},
                {"x": 5, "y": 5, "sector": "one"}, {"x": 5}):  # fmt: skip
        answer = requests.post(base, data={**bad, **TESS_TARGET})
        assert answer.status_code == 400 and answer.json()["msg"], bad


def test_moving_targets_have_sectors_and_cutouts(emulator: EmulatorServer) -> None:
    rows = requests.post(
        f"{emulator.url}/tesscut/api/v0.1/moving_target/sector", data={"obj_id": "Eleonora"}
    ).json()["results"]
    assert rows and rows[0]["sectorName"].startswith("tess-s")
    sector = rows[0]["sector"]
    form = {"x": 3, "y": 3, "units": "px", "sector": sector, "obj_id": "Eleonora"}
    archive = _zip(
        requests.post(f"{emulator.url}/tesscut/api/v0.1/moving_target/astrocut", data=form)
    )
    assert archive.namelist() == [f"{rows[0]['sectorName']}_Eleonora_3x3_astrocut.fits"]
    bad = requests.post(
        f"{emulator.url}/tesscut/api/v0.1/moving_target/sector",
        data={"obj_id": "Eleonora", "obj_type": "planetoid"},
    )  # fmt: skip
    assert bad.status_code == 400


def test_zcut_surveys_and_fits_cutouts(emulator: EmulatorServer) -> None:
    surveys = requests.post(f"{emulator.url}/zcut/api/v0.1/survey", data={**GOODS_N, "radius": 0})
    assert surveys.json()["surveys"] == ["candels_gn_60mas", "goods_north", "3dhst_goods-n"]
    empty = requests.post(f"{emulator.url}/zcut/api/v0.1/survey", data={"ra": 57.1, "dec": -30.1})
    assert empty.json() == {"surveys": []}
    query = {
        **GOODS_N,
        "y": 20,
        "x": 30,
        "units": "px",
        "survey": "candels_gn_60mas",
        "format": "fits",
    }
    hdus = _open(_zip(requests.get(f"{emulator.url}/zcut/api/v0.1/astrocut", params=query)))
    assert [h.name for h in hdus] == ["PRIMARY", "CUTOUT", "CUTOUT", "CUTOUT"]
    assert hdus[1].data.shape == (20, 30) and hdus[1].data.dtype.kind == "f"
    x, y = WCS(hdus[1].header).world_to_pixel(SkyCoord(189.28065571, 62.17415175, unit="deg"))
    assert abs(x - 14.5) <= 0.5 and abs(y - 9.5) <= 0.5
    missing = {**query, "survey": "candels_gn_30mas"}
    answer = requests.get(f"{emulator.url}/zcut/api/v0.1/astrocut", params=missing)
    assert answer.status_code == 200 and answer.json()["msg"] == NO_SURVEY


@pytest.mark.parametrize(("image_format", "magic"), [("jpg", b"\xff\xd8\xff"), ("png", b"\x89PNG")])
def test_zcut_pictures(emulator: EmulatorServer, image_format: str, magic: bytes) -> None:
    from PIL import Image

    query = {**GOODS_N, "y": 20, "x": 30, "units": "px", "survey": "3dhst_goods-n",
             "format": image_format, "stretch": "sqrt", "invert": "True"}  # fmt: skip
    archive = _zip(requests.get(f"{emulator.url}/zcut/api/v0.1/astrocut", params=query))
    (name,) = archive.namelist()
    assert name.endswith(f"_astrocut.{image_format}") and archive.read(name).startswith(magic)
    assert Image.open(io.BytesIO(archive.read(name))).size == (30, 20)
    bad = requests.get(f"{emulator.url}/zcut/api/v0.1/astrocut", params={**query, "stretch": "x"})
    assert bad.status_code == 400


def test_hapcut_json_and_get_with_its_axis_quirk(emulator: EmulatorServer) -> None:
    url = f"{emulator.url}/hapcut/api/v0.1/astrocut"
    posted = _zip(requests.post(url, json={"x": 3.0, "y": 2.0, "units": "px", **HAP_TARGET}))
    hdus = _open(posted)
    assert hdus[1].data.shape == (3, 2)  # rows from x, as the live service (astroquery tests)
    fetched = _zip(requests.get(url, params={**HAP_TARGET, "x": 3.0, "y": 2.0, "units": "px"}))
    assert fetched.namelist() == posted.namelist()
    arcsec = _open(_zip(requests.post(url, json={"x": 5 / 3600, "y": 5 / 3600, "units": "d",
                                                 **HAP_TARGET})))  # fmt: skip
    assert arcsec[1].data.shape == (42, 42)
    off = requests.post(url, json={"x": 5.0, "y": 5.0, "units": "px", "ra": 102.7, "dec": 70.5})
    assert off.json() == {"msg": NO_HAP, "results": []}


def test_stock_astroquery_reads_the_answers(
    astroquery_mast: ModuleType, astroquery_emulator: EmulatorServer
) -> None:
    coord = SkyCoord(349.62609, -47.12424, unit="deg")
    sectors = astroquery_mast.Tesscut.get_sectors(coordinates=coord)
    assert list(sectors["sector"][:2]) == [1, 2]
    cutouts = astroquery_mast.Tesscut.get_cutouts(coordinates=coord, size=3, sector=2)
    assert cutouts[0].filename == "tess-s0002-2-4_349.626090_-47.124240_3x3_astrocut.fits"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert (
            astroquery_mast.Hapcut.get_cutouts(coordinates=SkyCoord(102.7, 70.5, unit="deg")) == []
        )
    assert NO_HAP in [str(w.message) for w in caught]
    shapes = [h[1].data.shape for h in astroquery_mast.Hapcut.get_cutouts(
        coordinates=SkyCoord(351.347812, 28.497808, unit="deg"), size=[2, 3])]  # fmt: skip
    assert shapes and set(shapes) == {(3, 2)}
