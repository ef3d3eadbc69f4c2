"""Synthesis of one CAOM observation row from a random stream, a mission and a target.

Every draw comes from the `random.Random` handed in, so a row is a pure function of its
seed string; the centre is given by the caller, so rows can be placed anywhere.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mastcache.emulator.sky.geometry import SQUARE, region_string
from mastcache.emulator.sky.missions import Instrument, MissionProfile, mission_facts
from mastcache.emulator.sky.products import primary_uri

NOW_MJD = 61000.0
TESS_START_MJD = 58324.8
TESS_SECTOR_DAYS = 27.4
Row = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """What an observation points at: a named object or an anonymous field."""

    name: str
    classification: str | None
    catalog_id: int


@dataclass(frozen=True)
class Draw:
    """The mission-independent choices made for one observation."""

    instrument: Instrument
    filter: str
    t_min: float
    exptime: float
    calib_level: int


def synthesize(
    rng: random.Random,
    profile: MissionProfile,
    target: Target,
    obsid: int,
    centre: tuple[float, float],
) -> Row:
    """One complete observation row (every column of OBSERVATION_FIELDS)."""
    draw = _draw(rng, profile)
    row: Row = {"intentType": "calibration" if rng.random() < 0.03 else "science"}
    row["obs_collection"] = profile.collection
    row["provenance_name"] = draw.instrument.provenance
    row["instrument_name"] = draw.instrument.name
    row["project"] = rng.choice(profile.projects)
    row["filters"] = draw.filter
    em_min, em_max, region = mission_facts().bands[draw.filter]
    row["wavelength_region"] = region
    row.update(_identity(rng, profile, draw, target))
    row["s_ra"], row["s_dec"] = round(centre[0], 9), round(centre[1], 9)
    row["dataproduct_type"] = draw.instrument.product_type
    row.update(_proposal(rng, profile, target))
    row["calib_level"] = draw.calib_level
    row.update(_times(profile, draw))
    row["em_min"], row["em_max"] = em_min, em_max
    row.update(_extras(rng, profile, draw, obsid, centre))
    row["dataRights"] = "EXCLUSIVE_ACCESS" if row["t_obs_release"] > NOW_MJD else "PUBLIC"
    row["jpegURL"] = preview_url(row)
    row["dataURL"] = primary_uri(row)
    return row


def preview_url(row: Row) -> str | None:
    """Preview image URLs in each mission's real style; None where MAST has none."""
    if row["dataproduct_type"] != "image":
        return None
    rule = preview_rule(str(row["obs_collection"]))
    return None if rule is None else rule(str(row["obs_id"]), str(row["target_name"]))


def preview_rule(mission: str) -> Callable[[str, str], str] | None:
    """How a mission's image previews are named: (obs_id, target_name) -> URL, or None."""
    if mission == "HST":
        return lambda obs_id, tile: (
            f"https://archive.stsci.edu/hst/previews/{obs_id[:4]}/{obs_id}.jpg"
        )
    if mission == "JWST":
        return lambda obs_id, tile: f"mast:JWST/product/{obs_id}_i2d.jpg"
    if mission == "GALEX":
        return lambda obs_id, tile: (
            f"http://galex.stsci.edu/data/GR6/pipe/02-vsn/qa/{tile}-xd-int_2color.jpg"
        )
    return None


def _draw(rng: random.Random, profile: MissionProfile) -> Draw:
    instrument = rng.choice(profile.instruments)
    era = instrument.era
    if profile.collection == "TESS":
        sectors = int((era[1] - TESS_START_MJD) / TESS_SECTOR_DAYS)
        t_min = TESS_START_MJD + TESS_SECTOR_DAYS * rng.randrange(sectors)
    else:
        t_min = rng.uniform(*era)
    exptime = float(round(rng.uniform(*instrument.exptime), 1))
    level = rng.choice(profile.calib_levels)
    return Draw(instrument, rng.choice(instrument.filters), round(t_min, 5), exptime, level)


#: Days one observation of a time-series mission spans (a Kepler quarter, a K2 campaign, a
#: TESS sector), whose ``t_exptime`` is the cadence (1800 s long cadence, 120 s SPOC 2-min).
SEQUENCE_DAYS = {"TESS": TESS_SECTOR_DAYS, "Kepler": 90.0, "K2": 80.0}
#: EPIC identifiers of K2 targets (KSCI-19082): a named object's own number is kept.
EPIC_RANGE = (201_000_000, 252_000_000)


def _times(profile: MissionProfile, draw: Draw) -> Row:
    span = draw.exptime / 86400.0
    if profile.collection in SEQUENCE_DAYS:  # t_exptime is the cadence; a sequence is long
        span = SEQUENCE_DAYS[profile.collection] - 1.0
    t_max = round(draw.t_min + span * 1.05, 5)
    release = round(t_max + (365.0 if profile.has_proposal else 180.0), 5)
    return {
        "t_min": draw.t_min,
        "t_max": t_max,
        "t_exptime": draw.exptime,
        "t_obs_release": release,
    }


def _identity(rng: random.Random, profile: MissionProfile, draw: Draw, target: Target) -> Row:
    obs_id, target_name, sequence = _ids(rng, profile, draw, target)
    classification = None if profile.collection in {"GALEX", "PS1"} else target.classification
    return {
        "target_name": target_name,
        "target_classification": classification,
        "obs_id": obs_id,
        "sequence_number": sequence,
    }


def _ids(
    rng: random.Random, profile: MissionProfile, draw: Draw, target: Target
) -> tuple[str, str, int | None]:
    mission = profile.collection
    hst_name = target.name.upper().replace(" ", "-")
    if mission == "HST":
        return _hst_id(rng, draw.instrument.id_letter), hst_name, None
    if mission == "HLA":
        slug = draw.instrument.name.lower().replace("/", "_")
        visit = f"{rng.randint(5000, 16999)}_{rng.randint(1, 99):02d}"
        return f"hst_{visit}_{slug}_{draw.filter.lower()}", hst_name, None
    if mission == "JWST":
        return _jwst_id(rng, draw), hst_name, None
    if mission in {"TESS", "Kepler", "K2"}:
        return _timeseries_id(mission, draw, target)
    return _survey_id(rng, mission, draw, target)


def _hst_id(rng: random.Random, letter: str) -> str:
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    program = "".join(rng.choice(alnum) for _ in range(3))
    exposure = "".join(rng.choice(alnum) for _ in range(2))
    return f"{letter}{program}{rng.randint(1, 99):02d}{exposure}{rng.choice('QMT0')}"


def _jwst_id(rng: random.Random, draw: Draw) -> str:
    inst = draw.instrument.name.split("/")[0].lower()
    element = draw.filter.lower().replace(";", "-")
    prefix = f"jw{rng.randint(1000, 6999):05d}-o{rng.randint(1, 99):03d}"
    return f"{prefix}_t{rng.randint(1, 30):03d}_{inst}_clear-{element}"


def _timeseries_id(mission: str, draw: Draw, target: Target) -> tuple[str, str, int | None]:
    cid = target.catalog_id
    if mission == "TESS":
        sector = round((draw.t_min - TESS_START_MJD) / TESS_SECTOR_DAYS) + 1
        stamp = (datetime(1858, 11, 17) + timedelta(days=draw.t_min)).strftime("%Y%j%H%M%S")
        return f"tess{stamp}-s{sector:04d}-{cid % 10**16:016d}-0{120 + sector}-s", str(cid), sector
    if mission == "Kepler":
        # MAST's Kepler obs_id carries an 18-character map of the quarters (Q0..Q17) it holds
        quarter = min(17, int((draw.t_min - 54953.0) / 90.0) + 1)
        quarters = "".join("1" if q == quarter else "0" for q in range(18))
        return f"kplr{cid % 10**9:09d}_lc_Q{quarters}", f"kplr{cid % 10**9:09d}", quarter
    campaign = int((draw.t_min - 56725.0) / 80.0)
    epic = cid if EPIC_RANGE[0] <= cid < EPIC_RANGE[1] else 201_000_000 + cid % 50_000_000
    return f"ktwo{epic}-c{campaign:02d}_lc", f"ktwo{epic}", campaign


def _survey_id(
    rng: random.Random, mission: str, draw: Draw, target: Target
) -> tuple[str, str, int | None]:
    if mission == "GALEX":
        tile = f"AIS_{rng.randint(1, 400)}_{rng.randint(1, 2)}_{rng.randint(1, 99)}"
        return str(rng.randint(6_000_000_000_000_000_000, 6_999_999_999_999_999_999)), tile, None
    if mission == "PS1":
        cell = f"skycell.{rng.randint(635, 2643):04d}.{rng.randint(0, 99):03d}"
        return f"rings.v3.{cell}.stk.{draw.filter}", cell, None
    if mission == "SWIFT":
        return f"{rng.randint(30000, 3999999):08d}{rng.randint(1, 40):03d}", target.name, None
    if mission == "IUE":
        return f"{draw.instrument.name.lower()}{rng.randint(1000, 56000):05d}", target.name, None
    prog = f"{rng.choice('ABCDGPSUZ')}{rng.randint(0, 999):03d}{rng.randint(1, 99):02d}"
    return f"{prog}{rng.randint(1, 9):02d}000", target.name.upper().replace(" ", ""), None


def _proposal(rng: random.Random, profile: MissionProfile, target: Target) -> Row:
    if not profile.has_proposal:
        return {"proposal_pi": None, "proposal_id": None, "proposal_type": None, "obs_title": None}
    mission = profile.collection
    facts = mission_facts()
    pi = "Ricker, George" if mission == "TESS" else rng.choice(facts.pi_names)
    pid = f"G0{rng.randint(1000, 7999)}" if mission == "TESS" else str(rng.randint(1000, 17999))
    kind = rng.choice(facts.proposal_types) if mission in {"HST", "JWST", "HLA"} else None
    title = rng.choice(facts.titles).format(t=target.name) if profile.has_title else None
    return {"proposal_pi": pi, "proposal_id": pid, "proposal_type": kind, "obs_title": title}


def _extras(
    rng: random.Random,
    profile: MissionProfile,
    draw: Draw,
    obsid: int,
    centre: tuple[float, float],
) -> Row:
    kind, size = profile.footprint
    rotation = rng.uniform(0.0, math.pi / 2) if kind == SQUARE else 0.0
    imaging = draw.instrument.product_type == "image"
    return {
        "s_region": region_string(centre[0], centre[1], kind, size, rotation),
        "jpegURL": None,
        "mtFlag": profile.collection in {"HST", "JWST"} and rng.random() < 0.01,
        "srcDen": float(rng.randint(100, 9000)) if imaging and profile.has_title else None,
        "obsid": obsid,
        "objID": obsid + 7_000_000_000,
        "_footprint": (kind, size, rotation),
    }
