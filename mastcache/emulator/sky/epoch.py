"""The sky moved forward in time: ``sky_epoch=N`` (``mastcache emulator serve --sky-epoch N``).

Epoch 0 is today's sky, untouched: every byte the emulator serves stays the same. Each later
epoch applies one more year of archive life to every named object's cluster of observations,
drawn from a generator seeded by (seed, epoch step, target), so the same epoch is always the
same sky: a new visit is added, an observation is withdrawn, one has its metadata revised
(release date, source density), and a quarter have their products reprocessed (a new
``prvversion``).
A snapshot of epoch 0 diffed against epoch N therefore drifts in every way ``snapshot diff``
reports. Background fields (single observations) are left alone.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

__all__ = ["evolve", "reprocess"]

#: Days a visit of a later epoch is moved forward per epoch (a year of archive life).
DAYS_PER_EPOCH: Final = 365.25
RELEASE_DELAY_DAYS: Final = 30.0


def evolve(
    rows: Sequence[dict[str, Any]], seed: int, epoch: int
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    """The sky's rows after ``epoch`` epochs, and how often each obsid's products were
    reprocessed. Epoch 0 returns the rows themselves (no copy, nothing changed)."""
    if epoch == 0:
        return list(rows), {}
    current = [dict(row) for row in rows]
    reprocessed: dict[int, int] = {}
    next_obsid = max(int(row["obsid"]) for row in current) + 1
    for step in range(1, epoch + 1):
        current, next_obsid = _one_epoch(current, seed, step, next_obsid, reprocessed)
    return current, reprocessed


def reprocess(products: Iterable[dict[str, Any]], times: int) -> list[dict[str, Any]]:
    """Product rows of an observation reprocessed ``times`` times: a new pipeline version."""
    if times == 0:
        return list(products)
    return [dict(p, prvversion=f"{p['prvversion']} (reprocessed {times}x)") for p in products]


def _one_epoch(
    rows: list[dict[str, Any]], seed: int, step: int, next_obsid: int, reprocessed: dict[int, int]
) -> tuple[list[dict[str, Any]], int]:
    withdrawn: set[int] = set()
    added: list[dict[str, Any]] = []
    for target, members in _clusters(rows).items():
        rng = random.Random(f"mastcache-sky-epoch:{seed}:{step}:{target}")
        ordered = sorted(members, key=lambda row: int(row["obsid"]))
        added.append(_new_visit(rng.choice(ordered), step, next_obsid))
        next_obsid += 1
        _revise(rng.choice(ordered), step)
        for row in rng.sample(ordered, max(1, len(ordered) // 4)):
            obsid = int(row["obsid"])
            reprocessed[obsid] = reprocessed.get(obsid, 0) + 1
        if len(ordered) > 2:
            withdrawn.add(int(rng.choice(ordered)["obsid"]))
    kept = [row for row in rows if int(row["obsid"]) not in withdrawn]
    return kept + added, next_obsid


def _clusters(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Observations grouped by target; only targets observed more than once (named objects)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row["target_name"])].append(row)
    return {t: members for t, members in sorted(groups.items()) if len(members) > 1}


def _new_visit(model: Mapping[str, Any], step: int, obsid: int) -> dict[str, Any]:
    """Another visit like ``model``, a year later per epoch, with its own ids."""
    shift = DAYS_PER_EPOCH * step
    old_id, new_id = str(model["obs_id"]), f"{model['obs_id']}e{step}"
    visit = dict(model)
    visit.update(obsid=type(model["obsid"])(obsid), obs_id=new_id)
    if visit.get("objID") is not None:  # synth.py: objID = obsid + 7e9, same type
        visit["objID"] = type(model["objID"])(int(model["objID"]) - int(model["obsid"]) + obsid)
    for name in ("t_min", "t_max", "t_obs_release"):
        if visit.get(name) is not None:
            visit[name] = float(visit[name]) + shift
    for name in ("dataURL", "jpegURL"):
        if isinstance(visit.get(name), str):
            visit[name] = visit[name].replace(old_id, new_id)
    return visit


def _revise(row: dict[str, Any], step: int) -> None:
    """Revised metadata: the release date moved, the source density recomputed."""
    if row.get("t_obs_release") is not None:
        row["t_obs_release"] = float(row["t_obs_release"]) + RELEASE_DELAY_DAYS * step
    if row.get("srcDen") is not None:
        row["srcDen"] = round(float(row["srcDen"]) * 1.1 + step, 6)
