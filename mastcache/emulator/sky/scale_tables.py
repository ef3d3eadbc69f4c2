"""Lookup tables of the scaled missions, flattened into numpy arrays so a batch of rows can
read per-mission, per-instrument and per-filter facts with one indexing operation each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from mastcache.emulator.sky.missions import Instrument, MissionProfile, mission_facts
from mastcache.emulator.sky.synth import TESS_SECTOR_DAYS, TESS_START_MJD

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
ObjectArray = npt.NDArray[np.object_]


def objects(values: Sequence[Any]) -> ObjectArray:
    """A 1-d object array holding `values` as they are (strings stay Python strings)."""
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


@dataclass(frozen=True)
class Choices:
    """Per-mission option lists flattened: row options are offset[m] .. offset[m]+count[m]-1."""

    offset: IntArray
    count: IntArray
    values: ObjectArray

    def pick(self, owner: IntArray, bits: npt.NDArray[np.uint64]) -> ObjectArray:
        """One option of each row's owner, chosen by the row's random bits."""
        count = self.count[owner].astype(np.uint64)
        return self.values[self.offset[owner] + (bits % count).astype(np.int64)]

    def index(self, owner: IntArray, bits: npt.NDArray[np.uint64]) -> IntArray:
        """Like `pick`, but the flat index of the chosen option."""
        count = self.count[owner].astype(np.uint64)
        return self.offset[owner] + (bits % count).astype(np.int64)


def choices(groups: Sequence[Sequence[Any]]) -> Choices:
    """Flatten one option list per owner."""
    counts = np.array([len(g) for g in groups], np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    return Choices(offsets, counts, objects([v for g in groups for v in g]))


@dataclass(frozen=True)
class ScaleTables:
    """Everything a batch looks up, indexed by mission (m), instrument (i) or filter (f)."""

    thresholds: FloatArray
    profiles: tuple[MissionProfile, ...]
    instruments: tuple[tuple[str, Instrument], ...]
    instrument_choice: Choices
    filter_choice: Choices
    project_choice: Choices
    level_choice: Choices
    mission_text: dict[str, ObjectArray]
    mission_float: dict[str, FloatArray]
    mission_flag: dict[str, npt.NDArray[np.bool_]]
    instrument_text: dict[str, ObjectArray]
    instrument_float: dict[str, FloatArray]
    band_text: ObjectArray
    band_float: dict[str, FloatArray]


@cache
def scale_tables() -> ScaleTables:
    """The tables (built on first use)."""
    facts = mission_facts()
    mix = _scale_mix()
    profiles = tuple(facts.profiles[m] for m in mix)
    weights = np.cumsum(list(mix.values()))
    flat = tuple((p.collection, inst) for p in profiles for inst in p.instruments)
    insts = [inst for _, inst in flat]
    offsets, start = [], 0
    for p in profiles:
        offsets.append(list(range(start, start + len(p.instruments))))
        start += len(p.instruments)
    bands = [facts.bands[f] for inst in insts for f in inst.filters]
    return ScaleTables(
        thresholds=weights[:-1] / weights[-1],
        profiles=profiles,
        instruments=flat,
        instrument_choice=choices(offsets),
        filter_choice=choices([inst.filters for inst in insts]),
        project_choice=choices([p.projects for p in profiles]),
        level_choice=choices([p.calib_levels for p in profiles]),
        mission_text={
            "collection": objects([p.collection for p in profiles]),
            "size_text": objects([f"{p.footprint[1]:.6g}" for p in profiles]),
        },
        mission_float={"size": np.array([p.footprint[1] for p in profiles])},
        mission_flag=_mission_flags(profiles),
        instrument_text={
            "provenance": objects([i.provenance for i in insts]),
            "name": objects([i.name for i in insts]),
            "product_type": objects([i.product_type for i in insts]),
        },
        instrument_float=_instrument_floats(insts),
        band_text=objects([b[2] for b in bands]),
        band_float={
            "em_min": np.array([b[0] for b in bands]),
            "em_max": np.array([b[1] for b in bands]),
        },
    )


def _scale_mix() -> dict[str, float]:
    """Each scaled mission's weight (star plus galaxy frequency), missions sorted by name."""
    facts = mission_facts()
    star, galaxy = facts.star_mix, facts.galaxy_mix
    return {m: star.get(m, 0.0) + galaxy.get(m, 0.0) for m in sorted(set(star) | set(galaxy))}


def _mission_flags(profiles: Sequence[MissionProfile]) -> dict[str, npt.NDArray[np.bool_]]:
    def flag(test: Any) -> npt.NDArray[np.bool_]:
        return np.array([bool(test(p)) for p in profiles])

    return {
        "tess": flag(lambda p: p.collection == "TESS"),
        "square": flag(lambda p: p.footprint[0] != 0),
        "proposal": flag(lambda p: p.has_proposal),
        "title": flag(lambda p: p.has_title),
        "typed": flag(lambda p: p.collection in {"HST", "JWST", "HLA"}),
        "moving": flag(lambda p: p.collection in {"HST", "JWST"}),
    }


def _instrument_floats(insts: Sequence[Instrument]) -> dict[str, FloatArray]:
    return {
        "era_low": np.array([i.era[0] for i in insts]),
        "era_high": np.array([i.era[1] for i in insts]),
        "exp_low": np.array([i.exptime[0] for i in insts]),
        "exp_high": np.array([i.exptime[1] for i in insts]),
        "sectors": np.array(
            [max(1, int((i.era[1] - TESS_START_MJD) / TESS_SECTOR_DAYS)) for i in insts], np.float64
        ),
        "imaging": np.array([i.product_type == "image" for i in insts], np.float64),
    }
