"""Per-mission facts the synthetic sky draws from (``data/missions.json``): instruments,
filters and their wavelength ranges (nm), eras (MJD), exposure times, footprints, mission
mixes per object family, and the PI names and titles proposals are drawn from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from mastcache.emulator.sky.geometry import CIRCLE, SQUARE

__all__ = ["Instrument", "MissionFacts", "MissionProfile", "mission_facts"]

FACTS_FILE: Final = Path(__file__).resolve().parent / "data" / "missions.json"
SHAPES: Final = {"circle": CIRCLE, "square": SQUARE}


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


@dataclass(frozen=True)
class MissionFacts:
    """Everything in data/missions.json (read-only: copy a mix before changing it).

    ``bands``: filter -> (em_min nm, em_max nm, wavelength_region); the mixes give each
    mission's relative frequency per object family (stars favour time series and UV spectra).
    """

    bands: dict[str, tuple[float, float, str]]
    profiles: dict[str, MissionProfile]
    star_mix: dict[str, float]
    galaxy_mix: dict[str, float]
    background_mix: dict[str, float]
    pi_names: tuple[str, ...]
    proposal_types: tuple[str, ...]
    titles: tuple[str, ...]


@cache
def mission_facts() -> MissionFacts:
    """The facts, read once on first use."""
    with FACTS_FILE.open("rb") as handle:
        facts: dict[str, Any] = json.load(handle)
    return MissionFacts(
        bands={name: (low, high, region) for name, (low, high, region) in facts["bands"].items()},
        profiles={name: _profile(p) for name, p in facts["missions"].items()},
        star_mix=facts["star_mix"],
        galaxy_mix=facts["galaxy_mix"],
        background_mix=facts["background_mix"],
        pi_names=tuple(facts["pi_names"]),
        proposal_types=tuple(facts["proposal_types"]),
        titles=tuple(facts["titles"]),
    )


def _profile(fields: dict[str, Any]) -> MissionProfile:
    shape, size = fields["footprint"]
    return MissionProfile(
        collection=fields["collection"],
        instruments=tuple(map(_instrument, fields["instruments"])),
        projects=tuple(fields["projects"]),
        footprint=(SHAPES[shape], size),
        jitter_deg=fields["jitter_deg"],
        obsid_base=fields["obsid_base"],
        calib_levels=tuple(fields["calib_levels"]),
        has_proposal=fields["has_proposal"],
        has_title=fields["has_title"],
    )


def _instrument(fields: dict[str, Any]) -> Instrument:
    low, high = fields["era"]
    shortest, longest = fields["exptime"]
    return Instrument(
        name=fields["name"],
        filters=tuple(fields["filters"]),
        product_type=fields["product_type"],
        provenance=fields["provenance"],
        era=(low, high),
        exptime=(shortest, longest),
        id_letter=fields["id_letter"],
    )
