"""Text and identifier columns of the synthetic catalogs (TIC, Disk Detective, HSC, Gaia,
GALEX, PLATO, Pan-STARRS), in the formats the recorded samples show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Column = npt.NDArray[Any]
StringRule = Callable[[np.random.Generator, FloatArray, FloatArray, Column], Column]


def _choice(values: Sequence[Any], weights: Sequence[float] | None = None) -> StringRule:
    pool = np.array(list(values), dtype=object)
    p = None if weights is None else np.asarray(weights, float) / float(sum(weights))

    def rule(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
        return pool[rng.choice(pool.size, ra.size, p=p)]

    return rule


def _sometimes(rule: StringRule, fraction: float) -> StringRule:
    """`rule`'s values for a `fraction` of the rows, None for the others."""

    def sparse(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
        values = rule(rng, ra, dec, ids).astype(object)
        values[rng.random(ra.size) >= fraction] = None
        return values

    return sparse


def _from_ids(template: str) -> StringRule:
    def rule(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
        return np.array([template.format(i) for i in ids.tolist()], dtype=object)

    return rule


def _numbers(low: int, high: int) -> StringRule:
    def rule(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
        return rng.integers(low, high, ra.size, dtype=np.int64)

    return rule


def _two_mass(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
    """2MASS designations, e.g. ``16573094-0405387``."""
    return sexagesimal(ra, dec, 2, 1, "", "")


def _allwise(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
    return iau_designation(ra, dec, "J")


def _crval(rng: np.random.Generator, ra: FloatArray, dec: FloatArray, ids: Column) -> Column:
    text = np.char.add(np.char.add(np.char.mod("%.8f", ra), " "), np.char.mod("%.8f", dec))
    return text.astype(object)


def iau_designation(ra: FloatArray, dec: FloatArray, prefix: str, digits: int = 3) -> Column:
    """IAU-style names `<prefix>hhmmss.sss+ddmmss.ss` for each position (vectorised)."""
    return sexagesimal(ra, dec, digits, digits - 1, ".", prefix)


def sexagesimal(
    ra: FloatArray, dec: FloatArray, ra_digits: int, dec_digits: int, point: str, prefix: str
) -> Column:
    """`<prefix>hhmmss<point>f…±ddmmss<point>f…` strings for each position."""
    ra_text = _sexa(np.asarray(ra) / 15.0, ra_digits, point)
    sign = np.where(np.asarray(dec) < 0, "-", "+")
    dec_text = _sexa(np.abs(dec), dec_digits, point)
    joined = np.char.add(np.char.add(ra_text, sign), dec_text)
    return np.char.add(prefix, joined).astype(object)


def _sexa(value: FloatArray, digits: int, point: str) -> npt.NDArray[np.str_]:
    scale = 10**digits
    ticks = np.floor(np.asarray(value, np.float64) * 3600.0 * scale).astype(np.int64)
    whole, frac = np.divmod(ticks, scale)
    units, rest = np.divmod(whole, 3600)
    minutes, seconds = np.divmod(rest, 60)
    parts = [_padded(units, 2), _padded(minutes, 2), _padded(seconds, 2)]
    if digits:
        parts += [np.full(value.shape, point), _padded(frac, digits)]
    text = parts[0]
    for part in parts[1:]:
        text = np.char.add(text, part)
    return text


def _padded(values: npt.NDArray[np.int64], width: int) -> npt.NDArray[np.str_]:
    return np.char.zfill(values.astype(str), width)


HLA_DETECTORS: Final = ("ACS/WFC", "WFC3/UVIS", "WFC3/IR", "WFPC2")
STRING_RULES: Final[dict[str, StringRule]] = {
    # TIC / CTL (tic.json)
    "version": _choice(["20190415"]),
    "HIP": _sometimes(_numbers(1, 120_000), 0.02),
    "TYC": _sometimes(_from_ids("{0:04d}-00{0:03d}-1"), 0.1),
    "UCAC": _sometimes(_from_ids("{0:09d}"), 0.4),
    "TWOMASS": _sometimes(_two_mass, 0.9),
    "SDSS": _sometimes(_numbers(1_237_640_000_000_000_000, 1_237_680_000_000_000_000), 0.2),
    "ALLWISE": _sometimes(_allwise, 0.5),
    "GAIA": _sometimes(_from_ids("{}2"), 0.8),
    "APASS": _sometimes(_from_ids("{}"), 0.3),
    "KIC": _sometimes(_numbers(1_000_000, 12_999_999), 0.01),
    "objType": _choice(["STAR", "EXTENDED"], [0.9, 0.1]),
    "typeSrc": _choice(["tmgaia2", "2mass", "hip", "tmmgaia2"], [6, 2, 1, 1]),
    "POSflag": _choice(["tmgaia2", "2MASSEXT", "hip", "gaia2"], [6, 1, 1, 2]),
    "PMflag": _sometimes(_choice(["gaia2", "tgas", "ucac4"], [8, 1, 1]), 0.8),
    "PARflag": _sometimes(_choice(["gaia2", "tgas"], [9, 1]), 0.7),
    "TWOMflag": _choice(["AAA-222-111-000-0-0", "AAA-222-111-000-0-1", "   -   -   -  0-0- "]),
    "TESSflag": _sometimes(_choice(["gbprp", "rered", "tor_jhk", "vjk"]), 0.9),
    "SPFlag": _sometimes(_choice(["cdwrf", "spect", "gaia2"]), 0.6),
    "lumclass": _sometimes(_choice(["DWARF", "GIANT", "SUBGIANT"], [7, 2, 1]), 0.7),
    "disposition": _sometimes(_choice(["ARTIFACT", "DUPLICATE", "SPLIT"]), 0.01),
    "duplicate_id": _sometimes(_from_ids("{}"), 0.01),
    "objID": _numbers(100_000_000, 999_999_999),
    # Disk Detective (dd.json)
    "ZooniverseID": _from_ids("AWI{:07x}"),
    "A_objid": _from_ids("{}"),
    "G_source_id": _from_ids("43{:017d}"),
    "G_objid": _from_ids("43{:017d}"),
    "previewURL": _from_ids("http://mastweb.stsci.edu/CasOutPut/DD/WZ_advanced_seds/{}_thumb.png"),
    "sedURL": _from_ids("http://mastweb.stsci.edu/CasOutPut/DD/WZ_advanced_seds/{}.png"),
    "ZooniverseURL": _from_ids("https://talk.diskdetective.org/#/subjects/AWI{:07x}"),
    # HSC summary, matches and spectra (hsc.json, matchid.json, spectra.json)
    "AbsCorr": _choice(["Y", "N"], [9, 1]),
    "SpectrumFlag": _choice(["N", "Y"], [19, 1]),
    "Det": _choice(["Y", "N"], [9, 1]),
    "Instrument": _choice(["ACS", "WFC3", "WFPC2"]),
    "Mode": _choice(["ACCUM"]),
    "Detector": _choice(HLA_DETECTORS),
    "Aperture": _choice(["UVIS-CENTER", "WFC", "IR", "WFALL", ""]),
    "Filter": _choice(["F275W", "F336W", "F438W", "F606W", "F814W", "F160W"]),
    "naxis": _choice(["6188 6156", "4096 4096", "1014 1014"]),
    "crpix": _choice(["3094.00 3078.00", "2048.00 2048.00", "507.00 507.00"]),
    "cd_matrix": _choice(["-1.1005e-005 3.55625e-010 3.55625e-010 1.1005e-005"]),
    "ObjectType": _choice(["", "STAR", "GALAXY"], [6, 2, 2]),
    "Notes": _choice(["ACS  GRISM G800L", "WFC3 GRISM G141", "WFC3 GRISM G102"]),
    "SpectralElement": _choice(["G800L", "G141", "G102"]),
    "HSCMatch": _choice(["Y", "N"], [4, 1]),
    "TargetName": _from_ids("FIELD-{:06d}"),
    "ImageName": _from_ids("hst_{:05d}_01_wfc3_uvis_f275w"),
    "DatasetName": _from_ids("HAG_J{:08d}_V01.SPEC1D"),
    "crval": _crval,
    # Gaia, GALEX, PLATO, Pan-STARRS
    "phot_variable_flag": _choice(["NOT_AVAILABLE", "VARIABLE"], [19, 1]),
    "survey": _choice(["AIS", "MIS", "DIS", "GII"], [6, 2, 1, 1]),
    "SSAPFitsFile": _sometimes(_from_ids("http://galex.stsci.edu/data/GR6/{}-xg-fd.fits"), 0.1),
    "field": _choice(["LOPS2", "LOPN1"]),
    "objAltName1": _sometimes(_from_ids("{}"), 0.0),
    "objAltName2": _sometimes(_from_ids("{}"), 0.0),
    "objAltName3": _sometimes(_from_ids("{}"), 0.0),
}
