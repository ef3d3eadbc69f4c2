"""Vectorised synthesis of scaled CAOM observations: a whole batch of rows at once, column
by column, with the same missions, formats and value ranges `synth` gives the sky.

Every value of row `i` is drawn from the counter-based streams of (seed, i) (`draws`),
so a row never depends on its batch; only its centre is given by the caller.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mastcache.emulator.sky.draws import Draws, FloatArray, IndexArray
from mastcache.emulator.sky.geometry import region_strings
from mastcache.emulator.sky.missions import mission_facts
from mastcache.emulator.sky.products import primary_uris
from mastcache.emulator.sky.scale_ids import mission_ids, scale_names
from mastcache.emulator.sky.scale_tables import ScaleTables, objects, scale_tables
from mastcache.emulator.sky.synth import NOW_MJD, TESS_SECTOR_DAYS, TESS_START_MJD, preview_rule

Columns = dict[str, list[Any]]
Flags = dict[str, npt.NDArray[np.bool_]]
IntArray = npt.NDArray[np.int64]
Footprints = tuple[npt.NDArray[np.int8], FloatArray, FloatArray]
SCALE_OBSID_BASE: Final = 50_000_000_000
(MISSION, INSTRUMENT, FILTER, TIME, EXPTIME, LEVEL, INTENT, PROJECT) = range(1, 9)
(PI, PROPOSAL, KIND, TITLE, ROTATION, MTFLAG, SRCDEN) = range(9, 16)
GROUPED: Final = ("obs_id", "target_name", "sequence_number", "jpegURL", "dataURL")


def synthesize_batch(
    seed: int, index: IndexArray, ra: FloatArray, dec: FloatArray
) -> tuple[Columns, Footprints]:
    """Every observation column of rows `index` centred on (ra, dec), as lists, and their
    footprints (kind, size, rotation)."""
    t, d = scale_tables(), Draws(seed, index)
    mission = np.searchsorted(t.thresholds, d.uniform(MISSION), side="right").astype(np.int64)
    inst = t.instrument_choice.index(mission, d.bits(INSTRUMENT))
    band = t.filter_choice.index(inst, d.bits(FILTER))
    flags = {name: values[mission] for name, values in t.mission_flag.items()}
    size = t.mission_float["size"][mission]
    rotation = np.where(flags["square"], d.uniform(ROTATION) * (math.pi / 2), 0.0)
    columns = _times(t, inst, d, flags)
    columns.update(_labels(t, mission, inst, band, d))
    columns.update(_proposal(d, flags))
    columns.update(_extras(t, inst, d, flags, np.asarray(columns["t_obs_release"])))
    columns["s_ra"], columns["s_dec"] = np.round(ra, 9).tolist(), np.round(dec, 9).tolist()
    columns["s_region"] = region_strings(ra, dec, flags["square"], size, rotation)
    columns.update(_grouped(t, mission, inst, d, columns))
    kind = flags["square"].astype(np.int8)
    return columns, (kind, size, rotation)


def _labels(t: ScaleTables, mission: IntArray, inst: IntArray, band: IntArray, d: Draws) -> Columns:
    return {
        "intentType": np.where(d.uniform(INTENT) < 0.03, "calibration", "science").tolist(),
        "obs_collection": t.mission_text["collection"][mission].tolist(),
        "provenance_name": t.instrument_text["provenance"][inst].tolist(),
        "instrument_name": t.instrument_text["name"][inst].tolist(),
        "project": t.project_choice.pick(mission, d.bits(PROJECT)).tolist(),
        "filters": t.filter_choice.values[band].tolist(),
        "wavelength_region": t.band_text[band].tolist(),
        "target_classification": [None] * d.size,
        "dataproduct_type": t.instrument_text["product_type"][inst].tolist(),
        "calib_level": t.level_choice.pick(mission, d.bits(LEVEL)).tolist(),
        "em_min": t.band_float["em_min"][band].tolist(),
        "em_max": t.band_float["em_max"][band].tolist(),
    }


def _times(t: ScaleTables, inst: IntArray, d: Draws, flags: Flags) -> Columns:
    f = t.instrument_float
    low, high = f["era_low"][inst], f["era_high"][inst]
    sector = (d.bits(TIME) % f["sectors"][inst].astype(np.uint64)).astype(np.float64)
    tess = flags["tess"]
    start = np.where(
        tess, TESS_START_MJD + TESS_SECTOR_DAYS * sector, low + (high - low) * d.uniform(TIME)
    )
    t_min = np.round(start, 5)
    low, high = f["exp_low"][inst], f["exp_high"][inst]
    exptime = np.round(low + (high - low) * d.uniform(EXPTIME), 1)
    span = np.where(tess, TESS_SECTOR_DAYS - 1.0, exptime / 86400.0)
    t_max = np.round(t_min + span * 1.05, 5)
    release = np.round(t_max + np.where(flags["proposal"], 365.0, 180.0), 5)
    return {
        "t_min": t_min.tolist(),
        "t_max": t_max.tolist(),
        "t_exptime": exptime.tolist(),
        "t_obs_release": release.tolist(),
    }


def _proposal(d: Draws, flags: Flags) -> Columns:
    tess, none = flags["tess"], ~flags["proposal"]
    facts = mission_facts()
    pi = objects(facts.pi_names)[d.bits(PI) % np.uint64(len(facts.pi_names))]
    pi[tess] = "Ricker, George"
    numbers = 1000 + d.bits(PROPOSAL) % np.where(tess, np.uint64(7000), np.uint64(17000))
    ids = objects(list(map(str, numbers.tolist())))
    ids[tess] = "G0" + ids[tess]
    kind = objects(facts.proposal_types)[d.bits(KIND) % np.uint64(len(facts.proposal_types))]
    parts = [text.split("{t}") for text in facts.titles]
    chosen = d.bits(TITLE) % np.uint64(len(facts.titles))
    names = objects(scale_names(d.index.tolist()))
    title = objects([p[0] for p in parts])[chosen] + names + objects([p[1] for p in parts])[chosen]
    kind[~flags["typed"]] = None
    title[~flags["title"]] = None
    for values in (pi, ids, kind, title):
        values[none] = None
    return {
        "proposal_pi": pi.tolist(),
        "proposal_id": ids.tolist(),
        "proposal_type": kind.tolist(),
        "obs_title": title.tolist(),
    }


def _extras(t: ScaleTables, inst: IntArray, d: Draws, flags: Flags, release: FloatArray) -> Columns:
    obsid = SCALE_OBSID_BASE + d.index.astype(np.int64)
    density = (100 + d.bits(SRCDEN) % np.uint64(8901)).astype(np.float64).astype(object)
    imaging = t.instrument_float["imaging"][inst] > 0
    density[~(imaging & flags["title"])] = None
    return {
        "mtFlag": ((d.uniform(MTFLAG) < 0.01) & flags["moving"]).tolist(),
        "srcDen": density.tolist(),
        "obsid": obsid.tolist(),
        "objID": (obsid + 7_000_000_000).tolist(),
        "dataRights": np.where(release > NOW_MJD, "EXCLUSIVE_ACCESS", "PUBLIC").tolist(),
    }


def _grouped(
    t: ScaleTables, mission: IntArray, inst: IntArray, d: Draws, columns: Columns
) -> Columns:
    """Identifiers and URLs, made per mission (their formats differ) and put back in row
    order with one C-level gather per column."""
    filters, product_types = columns["filters"], columns["dataproduct_type"]
    t_min = np.asarray(columns["t_min"])
    parts: list[tuple[npt.NDArray[np.intp], Columns]] = []
    for m in np.unique(mission).tolist():
        rows = np.nonzero(mission == m)[0]
        picked = rows.tolist()
        collection = t.profiles[m].collection
        insts = [t.instruments[i][1] for i in inst[rows].tolist()]
        bands = [filters[i] for i in picked]
        ids = mission_ids(collection, insts, d.subset(rows), bands, t_min[rows])
        group: Columns = dict(zip(GROUPED[:3], ids, strict=True))
        kinds = [product_types[i] for i in picked]
        group.update(_urls(collection, kinds, ids[0], ids[1], bands))
        parts.append((rows, group))
    order = np.concatenate([rows for rows, _ in parts])
    inverse = np.empty(d.size, np.intp)
    inverse[order] = np.arange(d.size)
    gather = itemgetter(*inverse.tolist())
    merged: Columns = {}
    for name in GROUPED:
        values = [value for _, group in parts for value in group[name]]
        merged[name] = list(gather(values)) if d.size > 1 else values
    return merged


def _urls(
    collection: str, kinds: list[str], obs_ids: list[str], targets: list[str], filters: list[str]
) -> Columns:
    """`jpegURL` and `dataURL` from the same per-mission rules the sky uses."""
    rule = preview_rule(collection)
    previews: list[Any] = [None] * len(obs_ids)
    if rule is not None:
        previews = [
            rule(o, t) if k == "image" else None
            for o, t, k in zip(obs_ids, targets, kinds, strict=True)
        ]
    return {"jpegURL": previews, "dataURL": primary_uris(collection, obs_ids, targets, filters)}
