"""Mission-style identifiers of scaled rows, a whole batch of one instrument at a time:
`obs_id`, `target_name` and `sequence_number` in the formats `sky_synth` uses for the sky.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

import numpy as np

from mastcache.emulator.sky_draws import Draws, FloatArray
from mastcache.emulator.sky_missions import Instrument
from mastcache.emulator.sky_synth import TESS_SECTOR_DAYS, TESS_START_MJD

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
    mission: str, inst: Instrument, draws: Draws, filters: list[str], t_min: FloatArray
) -> Ids:
    """(obs_id, target_name, sequence_number) lists for rows of one mission and instrument."""
    index = draws.index.tolist()
    names = scale_names(index)
    if mission in {"TESS", "Kepler", "K2"}:
        return _timeseries(mission, catalog_ids(index), t_min)
    nothing: list[int | None] = [None] * draws.size
    ints = [draws.integers(ID_STREAM + k, 0, 1 << 40).tolist() for k in range(4)]
    if mission == "HST":
        return _hst(inst.id_letter, draws), names, nothing
    if mission == "HLA":
        slug = inst.name.lower().replace("/", "_")
        visit = _ranged(ints[0], 5000, 16999), _ranged(ints[1], 1, 99)
        ids = [
            f"hst_{v}_{s:02d}_{slug}_{f.lower()}" for v, s, f in zip(*visit, filters, strict=True)
        ]
        return ids, names, nothing
    if mission == "JWST":
        return _jwst(inst, ints, filters), names, nothing
    return _survey(mission, inst, draws, filters, names, ints)


def _ranged(values: list[int], low: int, high: int) -> list[int]:
    span = high - low + 1
    return [low + v % span for v in values]


def _hst(letter: str, draws: Draws) -> list[str]:
    chars = [draws.choose(ID_STREAM + 10 + k, ALNUM) for k in range(5)]
    visit = draws.integers(ID_STREAM + 20, 1, 99).tolist()
    final = draws.choose(ID_STREAM + 21, "QMT0")
    return [
        f"{letter}{a}{b}{c}{v:02d}{d}{e}{q}"
        for a, b, c, v, d, e, q in zip(*chars[:3], visit, *chars[3:], final, strict=True)
    ]


def _jwst(inst: Instrument, ints: list[list[int]], filters: list[str]) -> list[str]:
    name = inst.name.split("/")[0].lower()
    parts = _ranged(ints[0], 1000, 6999), _ranged(ints[1], 1, 99), _ranged(ints[2], 1, 30)
    return [
        f"jw{p:05d}-o{o:03d}_t{t:03d}_{name}_clear-{f.lower().replace(';', '-')}"
        for p, o, t, f in zip(*parts, filters, strict=True)
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


def _survey(
    mission: str,
    inst: Instrument,
    draws: Draws,
    filters: list[str],
    names: list[str],
    ints: list[list[int]],
) -> Ids:
    nothing: list[int | None] = [None] * draws.size
    if mission == "GALEX":
        tiles = [
            f"AIS_{a}_{b}_{c}"
            for a, b, c in zip(
                _ranged(ints[0], 1, 400),
                _ranged(ints[1], 1, 2),
                _ranged(ints[2], 1, 99),
                strict=True,
            )
        ]
        big = draws.bits(ID_STREAM + 30) % np.uint64(GALEX_SPAN)
        return [str(GALEX_LOW + int(b)) for b in big.tolist()], tiles, nothing
    if mission == "PS1":
        cells = [
            f"skycell.{a:04d}.{b:03d}"
            for a, b in zip(_ranged(ints[0], 635, 2643), _ranged(ints[1], 0, 99), strict=True)
        ]
        return (
            [f"rings.v3.{c}.stk.{f}" for c, f in zip(cells, filters, strict=True)],
            cells,
            nothing,
        )
    if mission == "SWIFT":
        parts = _ranged(ints[0], 30000, 3999999), _ranged(ints[1], 1, 40)
        return [f"{a:08d}{b:03d}" for a, b in zip(*parts, strict=True)], names, nothing
    if mission == "IUE":
        camera = inst.name.lower()
        return [f"{camera}{v:05d}" for v in _ranged(ints[0], 1000, 56000)], names, nothing
    return _program_ids(draws, ints), names, nothing


def _program_ids(draws: Draws, ints: list[list[int]]) -> list[str]:
    letters = draws.choose(ID_STREAM + 22, "ABCDGPSUZ")
    parts = _ranged(ints[0], 0, 999), _ranged(ints[1], 1, 99), _ranged(ints[2], 1, 9)
    return [f"{c}{a:03d}{b:02d}{d:02d}000" for c, a, b, d in zip(letters, *parts, strict=True)]
