"""Per-mission facts the synthetic sky draws from: instruments, filters and their
wavelength ranges (nm), eras (MJD), exposure times, footprints and identifier formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from mastcache.emulator.sky.geometry import CIRCLE, SQUARE

# filter -> (em_min nm, em_max nm, wavelength_region)
BANDS: Final[dict[str, tuple[float, float, str]]] = {
    "F275W": (240.0, 310.0, "UV"),
    "F336W": (310.0, 360.0, "UV"),
    "F435W": (360.0, 480.0, "OPTICAL"),
    "F438W": (410.0, 465.0, "OPTICAL"),
    "F555W": (460.0, 620.0, "OPTICAL"),
    "F606W": (470.0, 720.0, "OPTICAL"),
    "F775W": (690.0, 860.0, "OPTICAL"),
    "F814W": (700.0, 960.0, "OPTICAL"),
    "F850LP": (830.0, 1100.0, "OPTICAL"),
    "F105W": (900.0, 1200.0, "INFRARED"),
    "F125W": (1100.0, 1400.0, "INFRARED"),
    "F160W": (1400.0, 1700.0, "INFRARED"),
    "G430L": (290.0, 570.0, "OPTICAL"),
    "G750L": (524.0, 1027.0, "OPTICAL"),
    "G130M": (90.0, 145.0, "UV"),
    "G160M": (140.0, 178.0, "UV"),
    "F090W": (795.0, 1005.0, "INFRARED"),
    "F150W": (1331.0, 1668.0, "INFRARED"),
    "F200W": (1755.0, 2227.0, "INFRARED"),
    "F277W": (2416.0, 3127.0, "INFRARED"),
    "F356W": (3140.0, 3980.0, "INFRARED"),
    "F444W": (3880.0, 4986.0, "INFRARED"),
    "F770W": (6600.0, 8700.0, "INFRARED"),
    "F1130W": (10950.0, 11650.0, "INFRARED"),
    "F2100W": (17900.0, 23400.0, "INFRARED"),
    "G140H;F100LP": (970.0, 1890.0, "INFRARED"),
    "TESS": (600.0, 1000.0, "OPTICAL"),
    "KEPLER": (420.0, 900.0, "OPTICAL"),
    "NUV": (169.3, 300.8, "UV"),
    "FUV": (134.0, 180.6, "UV"),
    "g": (394.0, 559.0, "OPTICAL"),
    "r": (538.0, 704.0, "OPTICAL"),
    "i": (678.0, 830.0, "OPTICAL"),
    "z": (803.0, 935.0, "OPTICAL"),
    "y": (910.0, 1084.0, "OPTICAL"),
    "UVW2": (160.0, 260.0, "UV"),
    "UVM2": (170.0, 250.0, "UV"),
    "UVW1": (220.0, 350.0, "UV"),
    "U": (300.0, 390.0, "OPTICAL"),
    "B": (380.0, 500.0, "OPTICAL"),
    "V": (500.0, 600.0, "OPTICAL"),
    "LOW DISP": (115.0, 198.0, "UV"),
    "HIGH DISP": (185.0, 335.0, "UV"),
    "LWRS": (90.5, 118.7, "UV"),
    "MDRS": (90.5, 118.7, "UV"),
}


@dataclass(frozen=True)
class Instrument:
    """One instrument (or instrument/detector) and what it observes with."""

    name: str
    filters: tuple[str, ...]
    product_type: str
    provenance: str
    era: tuple[float, float]
    exptime: tuple[float, float]
    id_letter: str = ""


@dataclass(frozen=True)
class MissionProfile:
    """How one MAST collection's observations look."""

    collection: str
    instruments: tuple[Instrument, ...]
    projects: tuple[str, ...]
    footprint: tuple[int, float]
    jitter_deg: float
    obsid_base: int
    calib_levels: tuple[int, ...]
    has_proposal: bool
    has_title: bool


def _inst(
    name: str,
    filters: str,
    product: str,
    prov: str,
    era: tuple[float, float],
    exptime: tuple[float, float] = (30.0, 3000.0),
    letter: str = "",
) -> Instrument:
    return Instrument(name, tuple(filters.split(",")), product, prov, era, exptime, letter)


HST_ERA_WFC3 = (55000.0, 60600.0)
PROFILES: Final[dict[str, MissionProfile]] = {
    "HST": MissionProfile(
        "HST",
        (
            _inst(
                "WFC3/UVIS",
                "F275W,F336W,F438W,F555W,F606W,F814W",
                "image",
                "CALWF3",
                HST_ERA_WFC3,
                letter="I",
            ),
            _inst("WFC3/IR", "F105W,F125W,F160W", "image", "CALWF3", HST_ERA_WFC3, letter="I"),
            _inst(
                "ACS/WFC",
                "F435W,F606W,F775W,F814W,F850LP",
                "image",
                "CALACS",
                (52340.0, 60600.0),
                letter="J",
            ),
            _inst("STIS/CCD", "G430L,G750L", "spectrum", "CALSTIS", (50870.0, 60600.0), letter="O"),
            _inst("COS/FUV", "G130M,G160M", "spectrum", "CALCOS", (55000.0, 60600.0), letter="L"),
            _inst(
                "WFPC2/WFC",
                "F336W,F555W,F814W",
                "image",
                "CALWFPC2",
                (49330.0, 54960.0),
                letter="U",
            ),
        ),
        ("HST",),
        (SQUARE, 0.025),
        0.01,
        2_003_000_000,
        (1, 2, 3, 3),
        True,
        True,
    ),
    "HLA": MissionProfile(
        "HLA",
        (
            _inst("ACS/WFC", "F435W,F606W,F814W", "image", "HLA", (52340.0, 60000.0)),
            _inst("WFC3/UVIS", "F336W,F606W,F814W", "image", "HLA", HST_ERA_WFC3),
        ),
        ("HLA",),
        (SQUARE, 0.03),
        0.01,
        2_100_000_000,
        (3,),
        True,
        True,
    ),
    "JWST": MissionProfile(
        "JWST",
        (
            _inst(
                "NIRCAM/IMAGE",
                "F090W,F150W,F200W,F277W,F356W,F444W",
                "image",
                "CALJWST",
                (59750.0, 60600.0),
                (100.0, 5000.0),
            ),
            _inst(
                "MIRI/IMAGE",
                "F770W,F1130W,F2100W",
                "image",
                "CALJWST",
                (59750.0, 60600.0),
                (100.0, 5000.0),
            ),
            _inst(
                "NIRSPEC/IFU",
                "G140H;F100LP",
                "cube",
                "CALJWST",
                (59750.0, 60600.0),
                (500.0, 8000.0),
            ),
        ),
        ("JWST",),
        (SQUARE, 0.02),
        0.005,
        87_000_000,
        (1, 2, 3),
        True,
        True,
    ),
    "TESS": MissionProfile(
        "TESS",
        (
            _inst(
                "Photometer",
                "TESS",
                "timeseries",
                "SPOC",
                (58324.8, 60600.0),
                (1_800_000.0, 2_400_000.0),
            ),
        ),
        ("TESS",),
        (CIRCLE, 0.01),
        0.0,
        60_000_000,
        (3,),
        True,
        False,
    ),
    "Kepler": MissionProfile(
        "Kepler",
        (
            _inst(
                "Kepler",
                "KEPLER",
                "timeseries",
                "Kepler",
                (54953.0, 56423.0),
                (7_000_000.0, 8_000_000.0),
            ),
        ),
        ("Kepler",),
        (CIRCLE, 0.01),
        0.0,
        9_000_000,
        (2,),
        True,
        False,
    ),
    "K2": MissionProfile(
        "K2",
        (
            _inst(
                "Kepler",
                "KEPLER",
                "timeseries",
                "K2",
                (56725.0, 58420.0),
                (6_000_000.0, 7_000_000.0),
            ),
        ),
        ("K2",),
        (CIRCLE, 0.01),
        0.0,
        14_000_000,
        (2,),
        True,
        False,
    ),
    "GALEX": MissionProfile(
        "GALEX",
        (_inst("GALEX", "NUV,FUV", "image", "AIS", (52700.0, 56000.0), (80.0, 30000.0)),),
        ("AIS", "MIS", "DIS", "GII"),
        (CIRCLE, 0.625),
        0.3,
        1_000_000_000,
        (2,),
        False,
        False,
    ),
    "PS1": MissionProfile(
        "PS1",
        (_inst("GPC1", "g,r,i,z,y", "image", "3PI", (55000.0, 56800.0), (40.0, 1200.0)),),
        ("3PI",),
        (SQUARE, 0.2),
        0.15,
        24_000_000,
        (3,),
        False,
        False,
    ),
    "SWIFT": MissionProfile(
        "SWIFT",
        (
            _inst(
                "UVOT", "UVW2,UVM2,UVW1,U,B,V", "cube", "SWIFT", (53400.0, 60600.0), (100.0, 4000.0)
            ),
        ),
        ("SWIFT",),
        (CIRCLE, 0.14),
        0.03,
        31_000_000,
        (2,),
        True,
        False,
    ),
    "IUE": MissionProfile(
        "IUE",
        (
            _inst("SWP", "LOW DISP,HIGH DISP", "spectrum", "IUE", (43600.0, 50080.0)),
            _inst("LWP", "LOW DISP,HIGH DISP", "spectrum", "IUE", (43600.0, 50080.0)),
            _inst("LWR", "LOW DISP,HIGH DISP", "spectrum", "IUE", (43600.0, 47000.0)),
        ),
        ("IUE",),
        (CIRCLE, 0.003),
        0.001,
        3_000_000,
        (1, 2),
        True,
        True,
    ),
    "FUSE": MissionProfile(
        "FUSE",
        (_inst("FUSE", "LWRS,MDRS", "spectrum", "CALFUSE", (51380.0, 54380.0)),),
        ("FUSE",),
        (CIRCLE, 0.008),
        0.001,
        4_000_000,
        (2,),
        True,
        True,
    ),
}

# Relative frequency per object family (stars favour time series and UV spectra).
STAR_MIX: Final[dict[str, float]] = {
    "TESS": 5,
    "HST": 3,
    "SWIFT": 2,
    "IUE": 2,
    "FUSE": 1,
    "GALEX": 2,
    "PS1": 1,
    "JWST": 1,
}
GALAXY_MIX: Final[dict[str, float]] = {
    "HST": 5,
    "HLA": 2,
    "JWST": 3,
    "GALEX": 2,
    "PS1": 2,
    "SWIFT": 2,
    "IUE": 1,
}
BACKGROUND_MIX: Final[dict[str, float]] = {
    "TESS": 4,
    "GALEX": 4,
    "PS1": 3,
    "HST": 2,
    "SWIFT": 1,
    "HLA": 1,
}

PI_NAMES: Final[tuple[str, ...]] = (
    "Adams",
    "Bianchi",
    "Calzetti",
    "Dalcanton",
    "Ellis",
    "Freedman",
    "Gehrels",
    "Holland",
    "Illingworth",
    "Jansen",
    "Kennicutt",
    "Leitherer",
    "Madau",
    "Nota",
    "Osten",
    "Peeples",
    "Riess",
    "Sahu",
    "Tumlinson",
    "Urry",
    "van der Marel",
    "Windhorst",
    "Xu",
    "Yan",
    "Zezas",
    "Ricker",
    "Borucki",
    "Howell",
    "Martin",
    "Chambers",
)
PROPOSAL_TYPES: Final[tuple[str, ...]] = ("GO", "GO", "GO", "GTO", "SNAP", "DD", "CAL")
TITLES: Final[tuple[str, ...]] = (
    "A multiwavelength survey of {t}",
    "Resolved stellar populations in {t}",
    "Ultraviolet spectroscopy of {t}",
    "Time-domain monitoring of {t}",
    "The star formation history of {t}",
    "Dust and gas in {t}",
)
