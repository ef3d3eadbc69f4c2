"""Mission-style identifiers of scaled rows, a whole batch of one instrument at a time:
`obs_id`, `target_name` and `sequence_number` in the formats `synth` uses for the sky.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import numpy as np

from mastcache.emulator.sky.draws import Draws, FloatArray
from mastcache.emulator.sky.missions import Instrument
from mastcache.emulator.sky.synth import TESS_SECTOR_DAYS, TESS_START_MJD

Ids = tuple[list[str], list[str], list[int | None]]
ALNUM: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
MJD_ZERO: Final = datetime(1858, 11, 17)
ID_STREAM: Final = 40
GALEX_LOW: Final = 6_000_000_000_000_000_000
GALEX_SPAN: Final = 1_000_000_000_000_000_000


def scale_names(index: list[int]) -> list[str]:
    """The anonymous target name of each scaled row."""
    return [f"SCALE-{i:07d}" for i in index]


def catalog_ids(index: list[int]) -> list[int]:
    """The catalogue number of each scaled row's target."""
    return [300_000_000 + i for i in index]


def mission_ids(
    mission: str, insts: list[Instrument], draws: Draws, filters: list[str], t_min: FloatArray
) -> Ids:
    """(obs_id, target_name, sequence_number) lists for rows of one mission; `insts` holds
    each row's instrument."""
    index = draws.index.tolist()
    if mission in {"TESS", "Kepler", "K2"}:
        return _timeseries(mission, catalog_ids(index), t_min)
    nothing: list[int | None] = [None] * draws.size
    if mission in {"GALEX", "PS1"}:
        obs_ids, fields = _survey_fields(mission, draws, filters)
        return obs_ids, fields, nothing
    names = scale_names(index)
    if mission == "HST":
        return _hst(insts, draws), names, nothing
    if mission in {"HLA", "JWST"}:
        return _hubble_family(mission, insts, draws, filters), names, nothing
    return _pointed(mission, insts, draws), names, nothing


def _numbers(draws: Draws, stream: int, low: int, high: int) -> list[int]:
    return list(draws.integers(ID_STREAM + stream, low, high).tolist())


def _hst(insts: list[Instrument], draws: Draws) -> list[str]:
    chars = [draws.choose(ID_STREAM + 10 + k, ALNUM) for k in range(5)]
    visit = _numbers(draws, 20, 1, 99)
    final = draws.choose(ID_STREAM + 21, "QMT0")
    return [
        f"{i.id_letter}{a}{b}{c}{v:02d}{d}{e}{q}"
        for i, a, b, c, v, d, e, q in zip(insts, *chars[:3], visit, *chars[3:], final, strict=True)
    ]


def _hubble_family(
    mission: str, insts: list[Instrument], draws: Draws, filters: list[str]
) -> list[str]:
    if mission == "HLA":
        visits = _numbers(draws, 0, 5000, 16999), _numbers(draws, 1, 1, 99)
        return [
            f"hst_{v}_{s:02d}_{i.name.lower().replace('/', '_')}_{f.lower()}"
            for v, s, i, f in zip(*visits, insts, filters, strict=True)
        ]
    parts = _numbers(draws, 0, 1000, 6999), _numbers(draws, 1, 1, 99), _numbers(draws, 2, 1, 30)
    return [
        f"jw{p:05d}-o{o:03d}_t{t:03d}_{i.name.split('/')[0].lower()}_clear-"
        f"{f.lower().replace(';', '-')}"
        for p, o, t, i, f in zip(*parts, insts, filters, strict=True)
    ]


def _timeseries(mission: str, cids: list[int], t_min: FloatArray) -> Ids:
    times = t_min.tolist()
    if mission == "TESS":
        sectors = [round((t - TESS_START_MJD) / TESS_SECTOR_DAYS) + 1 for t in times]
        stamps = [(MJD_ZERO + timedelta(days=t)).strftime("%Y%j%H%M%S") for t in times]
        ids = [
            f"tess{st}-s{s:04d}-{c % 10**16:016d}-0{120 + s}-s"
            for st, s, c in zip(stamps, sectors, cids, strict=True)
        ]
        return ids, [str(c) for c in cids], list[int | None](sectors)
    if mission == "Kepler":
        quarters = [int((t - 54953.0) / 90.0) + 1 for t in times]
        kplr = [f"kplr{c % 10**9:09d}" for c in cids]
        ids = [f"{k}_lc_Q{q:02d}" for k, q in zip(kplr, quarters, strict=True)]
        return ids, kplr, list[int | None](quarters)
    campaigns = [int((t - 56725.0) / 80.0) for t in times]
    ktwo = [f"ktwo{201_000_000 + c % 50_000_000}" for c in cids]
    ids = [f"{k}-c{n:02d}_lc" for k, n in zip(ktwo, campaigns, strict=True)]
    return ids, ktwo, list[int | None](campaigns)


def _survey_fields(mission: str, draws: Draws, filters: list[str]) -> tuple[list[str], list[str]]:
    """GALEX tiles and PS1 sky cells: (obs_id, target_name) lists."""
    if mission == "GALEX":
        tile = _numbers(draws, 0, 1, 400), _numbers(draws, 1, 1, 2), _numbers(draws, 2, 1, 99)
        tiles = [f"AIS_{a}_{b}_{c}" for a, b, c in zip(*tile, strict=True)]
        big = draws.bits(ID_STREAM + 30) % np.uint64(GALEX_SPAN)
        return [str(GALEX_LOW + b) for b in big.tolist()], tiles
    parts = _numbers(draws, 0, 635, 2643), _numbers(draws, 1, 0, 99)
    cells = [f"skycell.{a:04d}.{b:03d}" for a, b in zip(*parts, strict=True)]
    return [f"rings.v3.{c}.stk.{f}" for c, f in zip(cells, filters, strict=True)], cells


def _pointed(mission: str, insts: list[Instrument], draws: Draws) -> list[str]:
    """SWIFT, IUE and FUSE-style observation ids."""
    if mission == "SWIFT":
        parts = _numbers(draws, 0, 30000, 3999999), _numbers(draws, 1, 1, 40)
        return [f"{a:08d}{b:03d}" for a, b in zip(*parts, strict=True)]
    if mission == "IUE":
        numbers = _numbers(draws, 0, 1000, 56000)
        return [f"{i.name.lower()}{v:05d}" for i, v in zip(insts, numbers, strict=True)]
    letters = draws.choose(ID_STREAM + 22, "ABCDGPSUZ")
    program = _numbers(draws, 0, 0, 999), _numbers(draws, 1, 1, 99), _numbers(draws, 2, 1, 9)
    return [f"{c}{a:03d}{b:02d}{d:02d}000" for c, a, b, d in zip(letters, *program, strict=True)]
