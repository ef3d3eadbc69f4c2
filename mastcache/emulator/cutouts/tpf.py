"""TESScut target pixel files: small, deterministic FITS shaped like MAST's astrocut output.

One file per sector/camera/CCD: PRIMARY (the keys MAST writes), PIXELS (TIME, TIMECORR,
CADENCENO, RAW_CNTS, FLUX, FLUX_ERR, FLUX_BKG, FLUX_BKG_ERR, QUALITY, POS_CORR1/2, FFI_FILE;
image cells of shape (ny, nx) with their column WCS) and APERTURE, whose celestial WCS is
centred on the requested position. Every value derives from the request (no clock, no
checksums), and the cadence count shrinks with the cutout so files stay small.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from mastcache.emulator.cutouts.images import celestial_wcs, seeded_rng, star_field
from mastcache.emulator.cutouts.tess import PIXEL_DEG, Placement, sector_start_tjd
from mastcache.emulator.sky.synth import TESS_SECTOR_DAYS

if TYPE_CHECKING:
    from astropy.io import fits

__all__ = ["cadence_count", "tpf_bytes"]

#: Pixels x cadences per file: 5x5 cutouts get 300 cadences, 100x100 ones 10.
PIXEL_CADENCE_BUDGET: Final = 120_000
MAX_CADENCES: Final = 300
MIN_CADENCES: Final = 10
MJD_EPOCH: Final = datetime(1858, 11, 17)
TJD_TO_MJD: Final = 56999.5
IMAGE_COLUMNS: Final = ("RAW_CNTS", "FLUX", "FLUX_ERR", "FLUX_BKG", "FLUX_BKG_ERR")


def cadence_count(nx: int, ny: int) -> int:
    """How many cadences a cutout of nx x ny pixels holds."""
    return max(MIN_CADENCES, min(MAX_CADENCES, PIXEL_CADENCE_BUDGET // (nx * ny)))


def tpf_bytes(placement: Placement, ra: float, dec: float, nx: int, ny: int) -> bytes:
    """The whole FITS file for one cutout of nx x ny pixels around (ra, dec)."""
    from astropy.io import fits

    seed = f"tesscut|{placement.sector_name}|{ra:.7f}|{dec:.7f}|{nx}x{ny}"
    primary = fits.PrimaryHDU(header=_primary_header(placement, ra, dec))
    pixels = _pixels_hdu(placement, ra, dec, nx, ny, seed)
    aperture = _aperture_hdu(placement, ra, dec, nx, ny)
    out = io.BytesIO()
    fits.HDUList([primary, pixels, aperture]).writeto(out, output_verify="silentfix")
    return out.getvalue()


def _times(sector: int) -> tuple[float, float]:
    start = sector_start_tjd(sector)
    return start, start + TESS_SECTOR_DAYS - 1.0


def _iso(tjd: float) -> str:
    moment = MJD_EPOCH + timedelta(days=tjd + TJD_TO_MJD)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ffi_stamp(tjd: float) -> str:
    moment = MJD_EPOCH + timedelta(days=tjd + TJD_TO_MJD)
    return moment.strftime("%Y%j%H%M%S")


def _primary_header(p: Placement, ra: float, dec: float) -> fits.Header:
    from astropy.io import fits

    start, stop = _times(p.sector)
    cards: list[tuple[str, Any, str]] = [
        ("NEXTEND", 2, "number of standard extensions"),
        ("EXTNAME", "PRIMARY", "name of extension"),
        ("EXTVER", 1, "extension version number (not format version)"),
        ("SIMDATA", False, "file is based on simulated data"),
        ("ORIGIN", "STScI/MAST", "institution responsible for creating this file"),
        ("DATE", _iso(stop + 40.0)[:10], "file creation date."),
        ("TSTART", start, "observation start time in TJD"),
        ("TSTOP", stop, "observation stop time in TJD"),
        ("DATE-OBS", _iso(start), "TSTART as UTC calendar date"),
        ("DATE-END", _iso(stop), "TSTOP as UTC calendar date"),
        ("CREATOR", "114 FfiExporter", "pipeline job and program used to produce this f"),
        ("PROCVER", "spoc-5.0.0-20210301", "SW version"),
        ("FILEVER", "1.0", "file format version"),
        ("TIMVERSN", "OGIP/93-003", "OGIP memo number for file format"),
        ("TELESCOP", "TESS", "telescope"),
        ("INSTRUME", "TESS Photometer", "detector type"),
        ("DATA_REL", p.sector, "data release version number"),
        ("ASTATE", True, "archive state F indicates single orbit processi"),
        ("SCCONFIG", 120 + p.sector - 1, "spacecraft configuration ID"),
        ("RADESYS", "ICRS", "reference frame of celestial coordinates"),
        ("EQUINOX", 2000.0, "equinox of celestial coordinate system"),
        ("CRMITEN", True, "spacecraft cosmic ray mitigation enabled"),
        ("CRBLKSZ", 10, "[exposures] s/c cosmic ray mitigation block siz"),
        ("CRSPOC", False, "SPOC cosmic ray cleaning enabled"),
        ("SECTOR", p.sector, "Observing sector"),
        ("CAMERA", p.camera, "Camera number"),
        ("CCD", p.ccd, "CCD chip number"),
        ("RA_OBJ", ra, "[deg] right ascension"),
        ("DEC_OBJ", dec, "[deg] declination"),
        ("OBJECT", "", "string version of target id"),
        ("TCID", 0, "unique tess target identifier"),
        ("PXTABLE", 0, "pixel table id"),
    ]
    cards += [(key, 0.0, note) for key, note in _STELLAR]
    cards.append(("TICVER", 0, "TICVER"))
    return fits.Header(cards)


_STELLAR: Final = (
    ("PMRA", "[mas/yr] RA proper motion"),
    ("PMDEC", "[mas/yr] Dec proper motion"),
    ("PMTOTAL", "[mas/yr] total proper motion"),
    ("TESSMAG", "[mag] TESS magnitude"),
    ("TEFF", "[K] Effective temperature"),
    ("LOGG", "[cm/s2] log10 surface gravity"),
    ("MH", "[log10([M/H])] metallicity"),
    ("RADIUS", "[solar radii] stellar radius"),
)


def _pixels_hdu(
    p: Placement, ra: float, dec: float, nx: int, ny: int, seed: str
) -> fits.BinTableHDU:
    from astropy.io import fits

    n = cadence_count(nx, ny)
    start, stop = _times(p.sector)
    time = start + (np.arange(n) + 0.5) * (stop - start) / n
    rng = seeded_rng(seed)
    flux, error, background, background_error = _fluxes(rng, p, nx, ny, n, seed)
    shape = (n, ny, nx)
    dim = f"({nx},{ny})"
    columns = [
        fits.Column("TIME", "D", "BJD - 2457000, days", disp="D14.7", array=time),
        fits.Column("TIMECORR", "E", "d", disp="E14.7", array=_timecorr(time)),
        fits.Column("CADENCENO", "J", disp="I10", array=np.arange(1, n + 1, dtype=np.int32)),
        fits.Column("RAW_CNTS", f"{nx * ny}J", "count", null=-1, disp="I8", dim=dim,
                    array=np.full(shape, -1, np.int32)),
        fits.Column("FLUX", f"{nx * ny}E", "e-/s", disp="E14.7", dim=dim, array=flux),
        fits.Column("FLUX_ERR", f"{nx * ny}E", "e-/s", disp="E14.7", dim=dim, array=error),
        fits.Column("FLUX_BKG", f"{nx * ny}E", "e-/s", disp="E14.7", dim=dim, array=background),
        fits.Column("FLUX_BKG_ERR", f"{nx * ny}E", "e-/s", disp="E14.7", dim=dim,
                    array=background_error),
        fits.Column("QUALITY", "J", disp="B16.16", array=_quality(rng, n)),
        fits.Column("POS_CORR1", "E", "pixel", disp="E14.7", array=_jitter(rng, n)),
        fits.Column("POS_CORR2", "E", "pixel", disp="E14.7", array=_jitter(rng, n)),
        fits.Column("FFI_FILE", "38A", disp="A38", array=_ffi_files(p, time)),
    ]  # fmt: skip
    hdu = fits.BinTableHDU.from_columns(columns, name="PIXELS")
    _add_column_wcs(hdu.header, p, ra, dec, nx, ny)
    _add_inherited(hdu.header, p, start, stop)
    return hdu


def _fluxes(
    rng: np.random.Generator, p: Placement, nx: int, ny: int, n: int, seed: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    crpix = _crpix(p, nx, ny)
    scene = star_field(seed, nx, ny, (crpix[0] - 1.0, crpix[1] - 1.0), sigma=0.9)
    period = 0.5 + 5.0 * rng.random()
    phase = 2.0 * math.pi * np.arange(n) / max(1.0, period * 48.0)
    variation = 1.0 + 0.01 * np.sin(phase)
    flux = scene[None, :, :] * variation[:, None, None] + rng.normal(0.0, 2.0, (n, ny, nx))
    error = np.sqrt(np.abs(flux) + 4.0) / 30.0
    background = 20.0 + rng.normal(0.0, 0.5, (n, ny, nx))
    background_error = np.full((n, ny, nx), 0.05) + 0.01 * rng.random((n, ny, nx))
    as32 = (a.astype(np.float32) for a in (flux, error, background, background_error))
    return tuple(as32)  # type: ignore[return-value]


def _timecorr(time: np.ndarray) -> np.ndarray:
    return (-0.0005 + 0.0001 * np.sin(time / 13.7)).astype(np.float32)


def _quality(rng: np.random.Generator, n: int) -> np.ndarray:
    flags = np.zeros(n, np.int32)
    flags[rng.random(n) < 0.03] = 32
    return flags


def _jitter(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.normal(0.0, 0.01, n).astype(np.float32)


def _ffi_files(p: Placement, time: np.ndarray) -> list[str]:
    config = f"{120 + p.sector - 1:04d}"
    return [f"tess{_ffi_stamp(t)}-s{p.sector:04d}-{p.camera}-{p.ccd}-{config}-s_ffi" for t in time]


def _crpix(p: Placement, nx: int, ny: int) -> tuple[float, float]:
    """The target sits in the central pixel, at its CCD sub-pixel offset."""
    return (nx + 1) / 2.0 + (p.column % 1.0 - 0.5), (ny + 1) / 2.0 + (p.row % 1.0 - 0.5)


def _corner(p: Placement, nx: int, ny: int) -> tuple[int, int]:
    """CCD column and row of the cutout's first pixel."""
    return math.floor(p.column) - (nx - 1) // 2, math.floor(p.row) - (ny - 1) // 2


def _add_column_wcs(header: fits.Header, p: Placement, ra: float, dec: float, nx: int,
                    ny: int) -> None:  # fmt: skip
    matrix = _pc(p.roll)
    crpix = _crpix(p, nx, ny)
    corner = _corner(p, nx, ny)
    for index, name in enumerate(header[f"TTYPE{i}"] for i in range(1, 13)):
        if name not in IMAGE_COLUMNS:
            continue
        n = index + 1
        header[f"WCAX{n}"] = (2, "number of WCS axes")
        header[f"1CTYP{n}"] = ("RA---TAN", "right ascension coordinate type")
        header[f"2CTYP{n}"] = ("DEC--TAN", "declination coordinate type")
        header[f"1CRPX{n}"] = (crpix[0], "[pixel] reference pixel along image axis 1")
        header[f"2CRPX{n}"] = (crpix[1], "[pixel] reference pixel along image axis 2")
        header[f"1CRVL{n}"] = (ra, "[deg] right ascension at reference pixel")
        header[f"2CRVL{n}"] = (dec, "[deg] declination at reference pixel")
        header[f"1CUNI{n}"] = ("deg", "physical unit in column dimension")
        header[f"2CUNI{n}"] = ("deg", "physical unit in row dimension")
        header[f"1CDLT{n}"] = (1.0, "[deg] pixel scale in RA dimension")
        header[f"2CDLT{n}"] = (1.0, "[deg] pixel scale in DEC dimension")
        for (i, j), value in np.ndenumerate(matrix):
            header[f"{i + 1}{j + 1}PC{n}"] = (float(value), "linear transformation matrix element")
        header[f"1CRV{n}P"] = (corner[0], "table column physical WCS ax 1 ref value")
        header[f"2CRV{n}P"] = (corner[1], "table column physical WCS ax 2 ref value")


def _add_inherited(header: fits.Header, p: Placement, start: float, stop: float) -> None:
    header["INHERIT"] = True
    header["TELESCOP"] = ("TESS", "telescope")
    header["INSTRUME"] = ("TESS Photometer", "detector type")
    header["TIMEREF"] = ("SOLARSYSTEM", "barycentric correction applied to times")
    header["TIMESYS"] = ("TDB", "time system is Barycentric Dynamical Time (TDB)")
    header["BJDREFI"] = (2457000, "integer part of BTJD reference date")
    header["BJDREFF"] = (0.0, "fraction of the day in BTJD reference date")
    header["TIMEUNIT"] = ("d", "time unit for TIME, TSTART and TSTOP")
    header["TSTART"] = (start, "observation start time in TJD")
    header["TSTOP"] = (stop, "observation stop time in TJD")
    header["SECTOR"] = (p.sector, "Observing sector")
    header["CAMERA"] = (p.camera, "Camera number")
    header["CCD"] = (p.ccd, "CCD chip number")


def _pc(roll: float) -> np.ndarray:
    """Pixel axes -> (east, north) degrees: rows along position angle ``roll``."""
    theta = math.radians(roll)
    c, s = math.cos(theta), math.sin(theta)
    return PIXEL_DEG * np.array([[-c, s], [s, c]])


def _aperture_hdu(p: Placement, ra: float, dec: float, nx: int, ny: int) -> fits.ImageHDU:
    from astropy.io import fits

    wcs = celestial_wcs(ra, dec, _crpix(p, nx, ny), _pc(p.roll))
    header = wcs.to_header()
    corner = _corner(p, nx, ny)
    for axis, (kind, value) in enumerate((("RAWX", corner[0]), ("RAWY", corner[1])), start=1):
        header[f"CTYPE{axis}P"] = (kind, f"physical WCS axis {axis} type CCD col/row")
        header[f"CUNIT{axis}P"] = ("PIXEL", f"physical WCS axis {axis} unit")
        header[f"CRPIX{axis}P"] = (1, "reference CCD column/row")
        header[f"CRVAL{axis}P"] = (value, "value at reference CCD column/row")
        header[f"CDELT{axis}P"] = (1.0, f"physical WCS axis {axis} step")
    header["WCSNAMEP"] = ("PHYSICAL", "name of world coordinate system alternate P")
    header["INHERIT"] = True
    return fits.ImageHDU(np.ones((ny, nx), np.float64), header=header, name="APERTURE")
