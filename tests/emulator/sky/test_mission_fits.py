"""Kepler/K2/TESS products in the missions' own format, and TESS FFI observations.

lightkurve itself reads every one of these files in tests/lightkurve (its own process); here
the layout is checked with astropy alone: HDUs, columns in order, units, the keywords
lightkurve's ``detect_filetype`` and readers use, determinism, and exact sizes.
"""

from __future__ import annotations

import gzip
import io

import pytest
from astropy.io import fits

from mastcache.emulator.cutouts.tess import sectors_at
from mastcache.emulator.sky import fitsgen
from mastcache.emulator.sky.ffi import ffi_rows
from mastcache.emulator.sky.mission_fits import mission_file, mission_fits_bytes

KEPLER_LC = "kplr011904151-2010078095331_llc.fits"
CASES = {
    KEPLER_LC: ("Kepler", "FluxExporter2", "LIGHTCURVE", "SAP_QUALITY", 2454833),
    "kplr011904151-2010078095331_lpd-targ.fits.gz": (
        "Kepler", "TargetPixelExporter", "TARGETTABLES", "COSMIC_RAYS", 2454833,
    ),
    "ktwo201912552-c01_llc.fits": ("Kepler", "FluxExporter2", "LIGHTCURVE", "SAP_QUALITY", 2454833),
    "tess2020107000000-s0024-0000000261136679-0144-s_lc.fits": (
        "TESS", "LightCurveExporter", "LIGHTCURVE", "QUALITY", 2457000,
    ),
    "tess2020107000000-s0024-0000000261136679-0144-s_tp.fits": (
        "TESS", "TargetPixelExporter", "TARGETTABLES", "POS_CORR2", 2457000,
    ),
    "hlsp_tess-spoc_tess_phot_0000000261136679-s0024_tess_v1_lc.fits": (
        "TESS", "LightCurveExporter", "LIGHTCURVE", "PDCSAP_FLUX", 2457000,
    ),
    "hlsp_qlp_tess_ffi_s0024-0000000261136679_tess_v01_llc.fits": (
        "TESS", "Quick Look", "LIGHTCURVE", "KSPSAP_FLUX", 2457000,
    ),
}  # fmt: skip


def _open(name: str) -> fits.HDUList:
    data = mission_fits_bytes(name)
    assert data is not None
    if name.endswith(".gz"):
        assert data[:2] == b"\x1f\x8b"
        data = gzip.decompress(data)
    return fits.open(io.BytesIO(data))


@pytest.mark.parametrize("name", sorted(CASES))
def test_layout_and_keywords_are_the_missions(name: str) -> None:
    telescope, creator, extname, column, bjdrefi = CASES[name]
    with _open(name) as hdus:
        assert [h.name for h in hdus] == ["PRIMARY", extname, "APERTURE"]
        primary, table = hdus[0].header, hdus[1]
        assert primary["TELESCOP"] == telescope and creator in primary["CREATOR"]
        assert table.header["BJDREFI"] == bjdrefi and table.columns.names[0] == "TIME"
        assert column in table.columns.names
        if extname == "TARGETTABLES":
            assert table.columns.names[4] == "FLUX" and table.header["TUNIT5"] == "e-/s"
            assert table.data["FLUX"].shape[1:] == (5, 5)
            assert (hdus[2].data & 2).any()  # the pipeline (optimal) aperture
        product = mission_file(name)
        assert product is not None
        key = "TICID" if product.is_tess else "KEPLERID"
        assert primary[key] == product.target


def test_files_are_deterministic_and_sizes_exact() -> None:
    uri = f"mast:KEPLER/product/{KEPLER_LC}"
    assert fitsgen.product_bytes(uri) == mission_fits_bytes(KEPLER_LC)
    assert fitsgen.product_size(uri) == len(fitsgen.product_bytes(uri))
    assert mission_fits_bytes("kplr011904151_q04_llc.fits") is None  # not the real pattern


def test_ffi_observations_agree_with_tesscut_sectors() -> None:
    ra, dec = 84.29126, -80.46916  # TIC 261136679, in the southern continuous viewing zone
    rows = ffi_rows(ra, dec, 0.0)
    places = sectors_at(ra, dec, 0.0)
    assert [r["obs_id"] for r in rows] == [p.sector_name for p in places]
    assert len(rows) > 10 and {r["target_name"] for r in rows} == {"TESS FFI"}
    assert {r["t_exptime"] for r in rows if r["sequence_number"] < 27} == {1800.0}
    assert len({r["obsid"] for r in rows}) == len(rows)
