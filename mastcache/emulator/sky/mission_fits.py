"""Kepler, K2 and TESS mission products as the archive serves them, small and deterministic.

Light curves and target pixel files with the HDU layout, column names and order, units and
header keywords of the Kepler/K2 (KSCI-19081/19082) and TESS SPOC (EXP-TESS-ARC-ICD-0014)
archive manuals, TESS-SPOC and QLP FFI high-level science products, as lightkurve's readers
(io/detect.py, io/kepler.py, io/tess.py, io/qlp.py, targetpixelfile.py) expect them. Every
value follows from the file name (a seeded generator): the same URI gives the same bytes.
The flux carries a transit (period 0.837 d, depth 400 ppm), a slow trend and white noise, so
``flatten``, ``fold`` and ``bin`` have something to find.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Final

import numpy as np
from astropy.io import fits

__all__ = ["MissionFile", "mission_file", "mission_fits_bytes", "target_position"]

#: Kepler quarter -> the time stamp in its long-cadence file names (the real ones).
KEPLER_STAMPS: Final = {
    0: "2009131105131", 1: "2009166043257", 2: "2009259160929", 3: "2009350155506",
    4: "2010078095331", 5: "2010174085026", 6: "2010265121752", 7: "2010355172524",
    8: "2011073133259", 9: "2011177032512", 10: "2011271113734", 11: "2012004120508",
    12: "2012088054726", 13: "2012179063303", 14: "2012277125453", 15: "2013011073258",
    16: "2013098041711", 17: "2013131215648",
}  # fmt: skip
KEPLER_LONG_DAYS: Final = 0.0204335  # 29.4244 min
KEPLER_SHORT_DAYS: Final = 0.000681  # 58.85 s
PERIOD: Final = 0.837
DEPTH: Final = 4e-4
SIZE: Final = 5  # target pixel stamp side, pixels


@dataclass(frozen=True)
class MissionFile:
    """What a file name says: pipeline, kind, target, sequence, cadence."""

    pipeline: str  # "Kepler", "K2", "SPOC", "TESS-SPOC", "QLP"
    kind: str  # "lc" or "tp"
    target: int  # KIC, EPIC or TIC number
    sequence: int  # quarter, campaign or sector
    cadence_s: float

    @property
    def is_tess(self) -> bool:
        return self.pipeline in ("SPOC", "TESS-SPOC", "QLP")


_PATTERNS: Final = (
    (re.compile(r"^kplr(\d{9})-(\d{13})_([ls])(lc|pd-targ)\.fits(\.gz)?$"), "Kepler"),
    (re.compile(r"^ktwo(\d{9})-c(\d{2,3})_([ls])(lc|pd-targ)\.fits(\.gz)?$"), "K2"),
    (re.compile(r"^tess\d{13}-s(\d{4})-(\d{16})-\d{4}-([saf])_(fast-)?(lc|tp)\.fits$"), "SPOC"),
    (
        re.compile(r"^hlsp_tess-spoc_tess_phot_(\d{16})-s(\d{4})_tess_v1_(lc|tp)\.fits$"),
        "TESS-SPOC",
    ),
    (re.compile(r"^hlsp_qlp_tess_ffi_s(\d{4})-(\d{16})_tess_v01_llc\.fits$"), "QLP"),
)


def mission_file(filename: str) -> MissionFile | None:
    """The mission product a file name names, or None for any other file."""
    for pattern, pipeline in _PATTERNS:
        match = pattern.match(filename)
        if match is None:
            continue
        groups = match.groups()
        if pipeline == "Kepler":
            quarter = _quarter(groups[1])
            long = groups[2] == "l"
            kind = "lc" if groups[3] == "lc" else "tp"
            cadence = 1765.5 if long else 58.85
            return MissionFile(pipeline, kind, int(groups[0]), quarter, cadence)
        if pipeline == "K2":
            kind = "lc" if groups[3] == "lc" else "tp"
            cadence = 1765.5 if groups[2] == "l" else 58.85
            return MissionFile(pipeline, kind, int(groups[0]), int(groups[1]), cadence)
        if pipeline == "SPOC":
            cadence = 20.0 if groups[3] else 120.0
            return MissionFile(pipeline, groups[4], int(groups[1]), int(groups[0]), cadence)
        if pipeline == "TESS-SPOC":
            sector = int(groups[1])
            return MissionFile(pipeline, groups[2], int(groups[0]), sector, ffi_cadence(sector))
        sector = int(groups[0])
        return MissionFile(pipeline, "lc", int(groups[1]), sector, ffi_cadence(sector))
    return None


def target_position(product: MissionFile) -> tuple[float, float]:
    """Where the named object with this KIC/EPIC/TIC number is, else a fixed made-up place."""
    from mastcache.emulator.sky.objects import find  # lazy: reads the named-object table

    prefix = "TIC" if product.is_tess else ("KIC" if product.pipeline == "Kepler" else "EPIC")
    found = find(f"{prefix} {product.target}")
    if found is not None:
        return found.ra, found.dec
    seed = int.from_bytes(hashlib.sha256(str(product.target).encode()).digest()[:8], "big")
    return (seed % 36_000_000) / 1e5, ((seed >> 32) % 17_000_000) / 1e5 - 85.0


def ffi_cadence(sector: int) -> float:
    """TESS full-frame image cadence in seconds: 30 min, 10 min from sector 27, 200 s from 56."""
    return 1800.0 if sector < 27 else (600.0 if sector < 56 else 200.0)


def _quarter(stamp: str) -> int:
    for quarter, known in KEPLER_STAMPS.items():
        if known == stamp:
            return quarter
    return int(stamp[-2:]) % 18


def mission_fits_bytes(filename: str) -> bytes | None:
    """The FITS file ``filename`` names (None if it is no mission product)."""
    product = mission_file(filename)
    if product is None:
        return None
    ra, dec = target_position(product)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(filename.encode()).digest()[:8]))
    time = _times(product)
    primary = fits.PrimaryHDU(header=_primary_header(product, ra, dec))
    if product.kind == "tp":
        table = _pixel_table(product, time, rng, ra, dec)
    elif product.pipeline == "QLP":
        table = _qlp_table(time, rng, product)
    else:
        table = _curve_table(product, time, rng)
    hdus = fits.HDUList([primary, table, _aperture(product, ra, dec)])
    out = io.BytesIO()
    hdus.writeto(out)  # no CHECKSUM: astropy dates its comment, and bytes must not vary
    if filename.endswith(".gz"):  # the archive's target pixel files are gzipped FITS
        return gzip.compress(out.getvalue(), compresslevel=6, mtime=0)
    return out.getvalue()


# -- time and flux ----------------------------------------------------------------------------


def _start(product: MissionFile) -> float:
    """Start of the quarter/campaign/sector in the mission's time system (BKJD or BTJD)."""
    if product.pipeline == "Kepler":
        return 131.51 + 93.0 * max(product.sequence - 1, 0) - (11.0 if product.sequence == 0 else 0)
    if product.pipeline == "K2":
        return 1940.0 + 81.0 * product.sequence
    return 1325.3 + 27.4 * (product.sequence - 1)


def _times(product: MissionFile) -> np.ndarray:
    """A few days of cadences: small files, enough for a fold."""
    step = product.cadence_s / 86400.0
    count = int(min(1500, max(200, 4.0 / step)))
    return _start(product) + step * np.arange(count)


def _relative_flux(time: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    phase = ((time - time[0]) / PERIOD) % 1.0
    transit = np.where(np.abs(phase - 0.5) < 0.02, -DEPTH, 0.0)
    trend = 1e-3 * np.sin((time - time[0]) / 3.0)
    flux: np.ndarray = 1.0 + trend + transit + rng.normal(0.0, 1e-4, time.size)
    return flux


# -- headers ----------------------------------------------------------------------------------


def _primary_header(product: MissionFile, ra: float, dec: float) -> fits.Header:
    header = fits.Header()
    header["ORIGIN"] = ("NASA/Ames", "institution responsible for creating this file")
    header["DATE"] = ("2024-01-01", "file creation date.")
    module = (
        "TargetPixelExporterPipelineModule"
        if product.kind == "tp"
        else (
            "FluxExporter2PipelineModule"
            if not product.is_tess
            else "LightCurveExporterPipelineModule"
        )
    )
    header["CREATOR"] = (f"{12345 + product.sequence} {module}", "pipeline job and program")
    header["PROCVER"] = (
        "spoc-5.0.0" if product.is_tess else "svn+ssh://kepler 9.3.61",
        "SW version",
    )
    header["FILEVER"] = ("1.0" if product.is_tess else "6.1", "file format version")
    header["TIMVERSN"] = ("OGIP/93-003", "OGIP memo number for file format")
    if product.is_tess:
        _tess_primary(header, product)
    else:
        _kepler_primary(header, product)
    header["RADESYS"] = ("ICRS", "reference frame of celestial coordinates")
    header["RA_OBJ"] = (round(ra, 6), "[deg] right ascension")
    header["DEC_OBJ"] = (round(dec, 6), "[deg] declination")
    header["EQUINOX"] = (2000.0, "equinox of celestial coordinate system")
    header["PMRA"] = (0.0, "[arcsec/yr] RA proper motion")
    header["PMDEC"] = (0.0, "[arcsec/yr] Dec proper motion")
    header["TEFF"] = (5700, "[K] Effective temperature")
    header["LOGG"] = (4.4, "[cm/s2] log10 surface gravity")
    header["RADIUS"] = (1.0, "[solar radii] stellar radius")
    if product.pipeline == "QLP":
        header["ORIGIN"] = ("MIT/QLP", "institution responsible for creating this file")
        header["CREATOR"] = ("MIT Quick Look Pipeline", "pipeline")
    return header


def _kepler_primary(header: fits.Header, product: MissionFile) -> None:
    header["TELESCOP"] = ("Kepler", "telescope")
    header["INSTRUME"] = ("Kepler Photometer", "detector type")
    prefix = "KIC" if product.pipeline == "Kepler" else "EPIC"
    header["OBJECT"] = (f"{prefix} {product.target}", "string version of target id")
    header["KEPLERID"] = (product.target, "unique Kepler target identifier")
    header["CHANNEL"] = (1 + product.target % 84, "CCD channel")
    header["MODULE"] = (2 + product.target % 22, "CCD module")
    header["OUTPUT"] = (1 + product.target % 4, "CCD output")
    if product.pipeline == "Kepler":
        header["QUARTER"] = (product.sequence, "Observing quarter")
        header["SEASON"] = (product.sequence % 4, "mission season during which data was collected")
        header["MISSION"] = ("Kepler", "Mission name")
    else:
        header["CAMPAIGN"] = (product.sequence, "Observing campaign number")
        header["MISSION"] = ("K2", "Mission name")
    header["DATA_REL"] = (25, "data release version number")
    long = product.cadence_s > 100
    header["OBSMODE"] = ("long cadence" if long else "short cadence", "observing mode")
    header["KEPMAG"] = (13.0, "[mag] Kepler magnitude (Kp)")


def _tess_primary(header: fits.Header, product: MissionFile) -> None:
    header["TELESCOP"] = ("TESS", "telescope")
    header["INSTRUME"] = ("TESS Photometer", "detector type")
    header["OBJECT"] = (f"TIC {product.target}", "string version of target id")
    header["TICID"] = (product.target, "unique tess target identifier")
    header["SECTOR"] = (product.sequence, "Observing sector")
    header["CAMERA"] = (1 + product.target % 4, "Camera number")
    header["CCD"] = (1 + (product.target // 4) % 4, "CCD chip number")
    header["TICVER"] = (8, "TICVER")
    header["TESSMAG"] = (10.0, "[mag] TESS magnitude")
    header["DATA_REL"] = (product.sequence + 10, "data release version number")


def _time_header(header: fits.Header, product: MissionFile, time: np.ndarray) -> None:
    header["TIMEREF"] = ("SOLARSYSTEM", "barycentric correction applied to times")
    header["TASSIGN"] = ("SPACECRAFT", "where time is assigned")
    header["TIMESYS"] = ("TDB", "time system is barycentric JD")
    header["BJDREFI"] = (2457000 if product.is_tess else 2454833, "integer part of BJD reference")
    header["BJDREFF"] = (0.0, "fraction of the day in BJD reference date")
    header["TIMEUNIT"] = ("d", "time unit for TIME, TSTART and TSTOP")
    header["TSTART"] = (float(time[0]), "observation start time in BJD-BJDREF")
    header["TSTOP"] = (float(time[-1]), "observation stop time in BJD-BJDREF")
    header["TELAPSE"] = (float(time[-1] - time[0]), "[d] TSTOP - TSTART")
    header["TIMEDEL"] = (product.cadence_s / 86400.0, "[d] time resolution of data")
    header["TIMEPIXR"] = (0.5, "bin time beginning=0 middle=0.5 end=1")
    header["INT_TIME"] = (product.cadence_s * 0.8, "[s] photon accumulation time per frame")
    header["EXPOSURE"] = (float(time[-1] - time[0]) * 0.8, "[d] time on source")


# -- HDUs -------------------------------------------------------------------------------------


def _curve_table(
    product: MissionFile, time: np.ndarray, rng: np.random.Generator
) -> fits.BinTableHDU:
    n = time.size
    base = 12000.0 if product.is_tess else 45000.0
    flux = base * _relative_flux(time, rng)
    err = np.full(n, base * 1e-4, dtype=np.float32)
    quality = np.zeros(n, dtype=np.int32)
    quality[rng.integers(0, n, max(1, n // 100))] = 128  # manual exclude, masked by "default"
    cadence0 = 1000 + product.sequence * 5000
    quality_name = "QUALITY" if product.is_tess else "SAP_QUALITY"
    columns = [
        fits.Column(
            "TIME",
            "D",
            unit="BJD - 2457000, days" if product.is_tess else "BJD - 2454833",
            array=time,
        ),
        fits.Column("TIMECORR", "E", unit="d", array=np.full(n, 1e-3, dtype=np.float32)),
        fits.Column("CADENCENO", "J", array=cadence0 + np.arange(n, dtype=np.int32)),
        fits.Column("SAP_FLUX", "E", unit="e-/s", array=(flux * 0.98).astype(np.float32)),
        fits.Column("SAP_FLUX_ERR", "E", unit="e-/s", array=err),
        fits.Column("SAP_BKG", "E", unit="e-/s", array=np.full(n, 300.0, dtype=np.float32)),
        fits.Column("SAP_BKG_ERR", "E", unit="e-/s", array=np.full(n, 5.0, dtype=np.float32)),
        fits.Column("PDCSAP_FLUX", "E", unit="e-/s", array=flux.astype(np.float32)),
        fits.Column("PDCSAP_FLUX_ERR", "E", unit="e-/s", array=err),
        fits.Column(quality_name, "J", array=quality),
        fits.Column("PSF_CENTR1", "D", unit="pixel", array=np.full(n, np.nan)),
        fits.Column(
            "PSF_CENTR1_ERR", "E", unit="pixel", array=np.full(n, np.nan, dtype=np.float32)
        ),
        fits.Column("PSF_CENTR2", "D", unit="pixel", array=np.full(n, np.nan)),
        fits.Column(
            "PSF_CENTR2_ERR", "E", unit="pixel", array=np.full(n, np.nan, dtype=np.float32)
        ),
        fits.Column("MOM_CENTR1", "D", unit="pixel", array=500.0 + rng.normal(0, 0.01, n)),
        fits.Column("MOM_CENTR1_ERR", "E", unit="pixel", array=np.full(n, 0.01, dtype=np.float32)),
        fits.Column("MOM_CENTR2", "D", unit="pixel", array=800.0 + rng.normal(0, 0.01, n)),
        fits.Column("MOM_CENTR2_ERR", "E", unit="pixel", array=np.full(n, 0.01, dtype=np.float32)),
        fits.Column("POS_CORR1", "E", unit="pixel", array=np.zeros(n, dtype=np.float32)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=np.zeros(n, dtype=np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    _time_header(hdu.header, product, time)
    hdu.header["PDCMETHD"] = ("msMap", "PDC algorithm used for target")
    hdu.header["CROWDSAP"] = (0.99, "Ratio of target flux to total flux in op. ap.")
    hdu.header["FLFRCSAP"] = (0.9, "Frac. of target flux w/in the op. aperture")
    hdu.header["CDPP0_5"] = (60.0, "[ppm] RMS CDPP on 0.5-hr time scales")
    hdu.header["CDPP1_0"] = (45.0, "[ppm] RMS CDPP on 1.0-hr time scales")
    hdu.header["CDPP2_0"] = (35.0, "[ppm] RMS CDPP on 2.0-hr time scales")
    return hdu


def _qlp_table(
    time: np.ndarray, rng: np.random.Generator, product: MissionFile
) -> fits.BinTableHDU:
    n = time.size
    flux = _relative_flux(time, rng)
    err = np.full(n, 2e-4, dtype=np.float32)
    columns = [
        fits.Column("TIME", "D", unit="BJD - 2457000, days", array=time),
        fits.Column("CADENCENO", "J", array=np.arange(n, dtype=np.int32)),
        fits.Column("SAP_FLUX", "E", array=(flux * 1.001).astype(np.float32)),
        fits.Column("KSPSAP_FLUX", "E", array=flux.astype(np.float32)),
        fits.Column("KSPSAP_FLUX_ERR", "E", array=err),
        fits.Column("QUALITY", "J", array=np.zeros(n, dtype=np.int32)),
        fits.Column("ORBITID", "I", array=np.ones(n, dtype=np.int16)),
        fits.Column("SAP_X", "E", unit="pixel", array=np.full(n, 1000.0, dtype=np.float32)),
        fits.Column("SAP_Y", "E", unit="pixel", array=np.full(n, 1000.0, dtype=np.float32)),
        fits.Column("SAP_BKG", "E", array=np.full(n, 0.01, dtype=np.float32)),
        fits.Column("SAP_BKG_ERR", "E", array=np.full(n, 0.001, dtype=np.float32)),
        fits.Column("KSPSAP_FLUX_SML", "E", array=flux.astype(np.float32)),
        fits.Column("KSPSAP_FLUX_LAG", "E", array=flux.astype(np.float32)),
    ]
    if product.sequence >= 56:
        for column in columns:
            column.name = column.name.replace("KSPSAP_", "DET_")
    hdu = fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")
    _time_header(hdu.header, product, time)
    return hdu


def _pixel_table(
    product: MissionFile, time: np.ndarray, rng: np.random.Generator, ra: float, dec: float
) -> fits.BinTableHDU:
    n = min(time.size, 400)
    time = time[:n]
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    psf = np.exp(-((xx - 2.0) ** 2 + (yy - 2.0) ** 2) / 1.5)
    psf /= psf.sum()
    total = (12000.0 if product.is_tess else 45000.0) * _relative_flux(time, rng)
    flux = (total[:, None, None] * psf[None]).astype(np.float32) + np.float32(20.0)
    flux += rng.normal(0.0, 1.0, flux.shape).astype(np.float32)
    shape = f"{SIZE * SIZE}"
    dim = f"({SIZE},{SIZE})"
    columns = [
        fits.Column(
            "TIME",
            "D",
            unit="BJD - 2457000, days" if product.is_tess else "BJD - 2454833",
            array=time,
        ),
        fits.Column("TIMECORR", "E", unit="d", array=np.full(n, 1e-3, dtype=np.float32)),
        fits.Column("CADENCENO", "J", array=1000 + np.arange(n, dtype=np.int32)),
        fits.Column(
            "RAW_CNTS", f"{shape}J", unit="count", dim=dim, array=(flux * 6).astype(np.int32)
        ),
        fits.Column("FLUX", f"{shape}E", unit="e-/s", dim=dim, array=flux),
        fits.Column("FLUX_ERR", f"{shape}E", unit="e-/s", dim=dim, array=np.sqrt(np.abs(flux))),
        fits.Column("FLUX_BKG", f"{shape}E", unit="e-/s", dim=dim, array=np.full_like(flux, 20.0)),
        fits.Column("FLUX_BKG_ERR", f"{shape}E", unit="e-/s", dim=dim, array=np.ones_like(flux)),
    ]
    if not product.is_tess:
        columns.append(
            fits.Column("COSMIC_RAYS", f"{shape}E", unit="e-/s", dim=dim, array=np.zeros_like(flux))
        )
    columns += [
        fits.Column("QUALITY", "J", array=np.zeros(n, dtype=np.int32)),
        fits.Column("POS_CORR1", "E", unit="pixel", array=np.zeros(n, dtype=np.float32)),
        fits.Column("POS_CORR2", "E", unit="pixel", array=np.zeros(n, dtype=np.float32)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, name="TARGETTABLES")
    _time_header(hdu.header, product, time)
    _pixel_wcs(hdu.header, ra, dec, product.is_tess)
    return hdu


def _pixel_wcs(header: fits.Header, ra: float, dec: float, tess: bool) -> None:
    """The per-column WCS of the FLUX column (5), as the pipelines write it."""
    scale = (21.0 if tess else 3.98) / 3600.0
    for col in (4, 5, 6, 7, 8):
        header[f"1CTYP{col}"] = ("RA---TAN", "right ascension coordinate type")
        header[f"2CTYP{col}"] = ("DEC--TAN", "declination coordinate type")
        header[f"1CRPX{col}"] = (SIZE / 2 + 0.5, "[pixel] reference pixel along image axis 1")
        header[f"2CRPX{col}"] = (SIZE / 2 + 0.5, "[pixel] reference pixel along image axis 2")
        header[f"1CRVL{col}"] = (ra, "[deg] right ascension at reference pixel")
        header[f"2CRVL{col}"] = (dec, "[deg] declination at reference pixel")
        header[f"1CUNI{col}"] = ("deg", "physical unit in column dimension")
        header[f"2CUNI{col}"] = ("deg", "physical unit in row dimension")
        header[f"1CDLT{col}"] = (-scale, "[deg] pixel scale in RA dimension")
        header[f"2CDLT{col}"] = (scale, "[deg] pixel scale in Dec dimension")
        header[f"11PC{col}"] = (1.0, "linear transformation matrix element")
        header[f"12PC{col}"] = (0.0, "linear transformation matrix element")
        header[f"21PC{col}"] = (0.0, "linear transformation matrix element")
        header[f"22PC{col}"] = (1.0, "linear transformation matrix element")
        header[f"WCSN{col}P"] = ("PHYSICAL", "table column WCS name")
        header[f"WCAX{col}P"] = (2, "table column physical WCS dimensions")
        header[f"1CTY{col}P"] = ("RAWX", "table column physical WCS axis 1 type, CCD col")
        header[f"2CTY{col}P"] = ("RAWY", "table column physical WCS axis 2 type, CCD row")
        header[f"1CUN{col}P"] = ("PIXEL", "table column physical WCS axis 1 unit")
        header[f"2CUN{col}P"] = ("PIXEL", "table column physical WCS axis 2 unit")
        header[f"1CRV{col}P"] = (500, "table column physical WCS ax 1 ref value")
        header[f"2CRV{col}P"] = (800, "table column physical WCS ax 2 ref value")
        header[f"1CDL{col}P"] = (1.0, "table column physical WCS a1 step")
        header[f"2CDL{col}P"] = (1.0, "table column physical WCS a2 step")
        header[f"1CRP{col}P"] = (1, "table column physical WCS a1 reference")
        header[f"2CRP{col}P"] = (1, "table column physical WCS a2 reference")


def _aperture(product: MissionFile, ra: float, dec: float) -> fits.ImageHDU:
    """Bit 1: collected, bit 2: optimal aperture (the pipeline mask), bit 4: background."""
    mask = np.full((SIZE, SIZE), 1 | 4, dtype=np.int32)
    mask[1:4, 1:4] = 1 | 2
    hdu = fits.ImageHDU(mask, name="APERTURE")
    scale = (21.0 if product.is_tess else 3.98) / 3600.0
    hdu.header["CTYPE1"] = ("RA---TAN", "right ascension coordinate type")
    hdu.header["CTYPE2"] = ("DEC--TAN", "declination coordinate type")
    hdu.header["CRPIX1"] = (SIZE / 2 + 0.5, "[pixel] reference pixel along image axis 1")
    hdu.header["CRPIX2"] = (SIZE / 2 + 0.5, "[pixel] reference pixel along image axis 2")
    hdu.header["CRVAL1"] = (ra, "[deg] right ascension at reference pixel")
    hdu.header["CRVAL2"] = (dec, "[deg] declination at reference pixel")
    hdu.header["CUNIT1"] = ("deg", "physical unit in column dimension")
    hdu.header["CUNIT2"] = ("deg", "physical unit in row dimension")
    hdu.header["CDELT1"] = (-scale, "[deg] pixel scale in RA dimension")
    hdu.header["CDELT2"] = (scale, "[deg] pixel scale in DEC dimension")
    hdu.header["CRVAL1P"] = (500, "value at reference CCD column")
    hdu.header["CRVAL2P"] = (800, "value at reference CCD row")
    hdu.header["NPIXSAP"] = (9, "Number of pixels in optimal aperture")
    return hdu
