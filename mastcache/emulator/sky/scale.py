"""The scale knob: N synthetic rows for any cone or filtered query, generated lazily.

Row i is a pure function of (seed, i) (and, for its position, of the searched cone), so any
page can be produced without the rows before it and memory stays flat at any N. Rows are
made a batch at a time, column by column (`scale_synth`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from mastcache.emulator.sky.columns import OBSERVATION_COLUMNS
from mastcache.emulator.sky.draws import Draws, FloatArray
from mastcache.emulator.sky.geometry import (
    ARCSEC_PER_DEG,
    footprint_distance_deg,
    random_points_in_cone,
    random_points_on_sphere,
)
from mastcache.emulator.sky.scale_synth import SCALE_OBSID_BASE, synthesize_batch

__all__ = ["SCALE_OBSID_BASE", "Cone", "ScaleBatch", "ScaleRows", "scale_observation"]

BATCH: Final = 1000
CENTRE_U: Final = 60
CENTRE_V: Final = 61


@dataclass(frozen=True)
class Cone:
    """A searched position and radius in degrees."""

    ra: float
    dec: float
    radius: float


@dataclass(frozen=True)
class ScaleBatch:
    """Consecutive scaled rows as columns (name -> list of values, all of length `size`)."""

    size: int
    columns: dict[str, list[Any]]

    def rows(self) -> Iterator[dict[str, Any]]:
        """The batch row by row, as column -> value mappings."""
        names = list(self.columns)
        for values in zip(*self.columns.values(), strict=True):
            yield dict(zip(names, values, strict=True))


@dataclass(frozen=True)
class ScaleRows:
    """The `count` rows a scaled query returns, placed inside `cone` when there is one."""

    seed: int
    count: int
    cone: Cone | None

    def batches(self, start: int, stop: int) -> Iterator[ScaleBatch]:
        """Rows start..stop-1 (clipped to count) in batches of at most BATCH rows; each row
        has `distance` (arcsec) when a cone is set, else null."""
        stop = min(stop, self.count)
        for first in range(max(start, 0), stop, BATCH):
            yield self._batch(first, min(first + BATCH, stop))

    def rows(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        """Rows start..stop-1 (clipped to count) one by one."""
        for batch in self.batches(start, stop):
            yield from batch.rows()

    def _batch(self, start: int, stop: int) -> ScaleBatch:
        index = np.arange(start, stop, dtype=np.uint64)
        ra, dec = self._centres(index)
        made, shapes = synthesize_batch(self.seed, index, ra, dec)
        columns = {name: made[name] for name in OBSERVATION_COLUMNS}
        columns["distance"] = [None] * (stop - start)
        if self.cone is not None:
            dist = footprint_distance_deg(self.cone.ra, self.cone.dec, (ra, dec), shapes)
            columns["distance"] = (dist * ARCSEC_PER_DEG).tolist()
        return ScaleBatch(stop - start, columns)

    def _centres(self, index: np.ndarray[Any, Any]) -> tuple[FloatArray, FloatArray]:
        draws = Draws(self.seed, index)
        u, v = draws.uniform(CENTRE_U), draws.uniform(CENTRE_V)
        if self.cone is None:
            return random_points_on_sphere(u, v)
        return random_points_in_cone(self.cone.ra, self.cone.dec, self.cone.radius, u, v)


def scale_observation(seed: int, obsid: int, count: int) -> dict[str, Any] | None:
    """The scaled observation with this obsid (for its products), or None."""
    index = obsid - SCALE_OBSID_BASE
    if not 0 <= index < count:
        return None
    return next(ScaleRows(seed, count, None).rows(index, index + 1))
