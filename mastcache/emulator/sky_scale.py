"""The scale knob: N synthetic rows for any cone or filtered query, generated lazily.

Row i is a pure function of (seed, i) (and, for its position, of the searched cone), so any
page can be produced without the rows before it and memory stays flat at any N.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from mastcache.emulator.sky import rng_choice
from mastcache.emulator.sky_geometry import (
    ARCSEC_PER_DEG,
    footprint_distance_deg,
    random_point_in_cone,
    random_point_on_sphere,
)
from mastcache.emulator.sky_missions import GALAXY_MIX, PROFILES, STAR_MIX
from mastcache.emulator.sky_synth import Target, synthesize

SCALE_OBSID_BASE: Final = 50_000_000_000
BATCH: Final = 1000
MASK64: Final = (1 << 64) - 1
SCALE_MIX: Final[dict[str, float]] = {
    k: STAR_MIX.get(k, 0.0) + GALAXY_MIX.get(k, 0.0) for k in set(STAR_MIX) | set(GALAXY_MIX)
}


@dataclass(frozen=True)
class Cone:
    """A searched position and radius in degrees."""

    ra: float
    dec: float
    radius: float


@dataclass(frozen=True)
class ScaleRows:
    """The `count` rows a scaled query returns, placed inside `cone` when there is one."""

    seed: int
    count: int
    cone: Cone | None

    def rows(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        """Rows start..stop-1 (clipped to count), each with `distance` when a cone is set."""
        stop = min(stop, self.count)
        for first in range(max(start, 0), stop, BATCH):
            yield from self._batch(first, min(first + BATCH, stop))

    def _batch(self, start: int, stop: int) -> list[dict[str, Any]]:
        rows = [scale_row(self.seed, i, self._centre(i)) for i in range(start, stop)]
        if self.cone is not None and rows:
            _add_distances(rows, self.cone)
        return rows

    def _centre(self, index: int) -> tuple[float, float]:
        rng = random.Random(_mix(self.seed, index, 2))
        if self.cone is None:
            return random_point_on_sphere(rng.random(), rng.random())
        c = self.cone
        return random_point_in_cone(c.ra, c.dec, c.radius, rng.random(), rng.random())


def scale_row(seed: int, index: int, centre: tuple[float, float]) -> dict[str, Any]:
    """Scaled row `index` of `seed` centred on `centre`; every other column depends on
    (seed, index) only."""
    rng = random.Random(_mix(seed, index, 1))
    mission = rng_choice(rng, SCALE_MIX)
    target = Target(f"SCALE-{index:07d}", None, 300_000_000 + index)
    return synthesize(rng, PROFILES[mission], target, SCALE_OBSID_BASE + index, centre)


def _mix(seed: int, index: int, stream: int) -> int:
    """A 64-bit seed from (seed, index, stream): splitmix64, cheaper than string seeding."""
    z = (seed * 0x9E3779B97F4A7C15 + index * 0xBF58476D1CE4E5B9 + stream) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def scale_observation(seed: int, obsid: int, count: int) -> dict[str, Any] | None:
    """The scaled observation with this obsid (for its products), or None."""
    index = obsid - SCALE_OBSID_BASE
    if not 0 <= index < count:
        return None
    return scale_row(seed, index, (0.0, 0.0))


def _add_distances(rows: list[dict[str, Any]], cone: Cone) -> None:
    shapes = [row["_footprint"] for row in rows]
    dist = footprint_distance_deg(
        cone.ra,
        cone.dec,
        (np.array([r["s_ra"] for r in rows]), np.array([r["s_dec"] for r in rows])),
        (
            np.array([s[0] for s in shapes], np.int8),
            np.array([s[1] for s in shapes]),
            np.array([s[2] for s in shapes]),
        ),
    )
    for row, d in zip(rows, dist, strict=True):
        row["distance"] = float(d) * ARCSEC_PER_DEG
