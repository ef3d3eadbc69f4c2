"""Counter-based random draws for batches of scaled rows.

Stream `k` of row `i` is splitmix64 of (seed, i, k), computed for a whole batch at once with
numpy, so any row's values are a pure function of (seed, row, stream): independent of the
batch it is generated in, of the page size and of every other row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

IndexArray = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
MASK64: Final = (1 << 64) - 1
GOLDEN: Final = 0x9E3779B97F4A7C15
MIX1: Final = np.uint64(0xBF58476D1CE4E5B9)
MIX2: Final = np.uint64(0x94D049BB133111EB)
UNIT: Final = 2.0**-53


class Draws:
    """The random streams of a batch of rows (`index` holds the row numbers)."""

    def __init__(self, seed: int, index: IndexArray) -> None:
        self.seed = seed
        self.index = index
        self._cache: dict[int, IndexArray] = {}
        self._parent: tuple[Draws, npt.NDArray[np.intp]] | None = None

    @property
    def size(self) -> int:
        """How many rows the batch holds."""
        return int(self.index.shape[0])

    def subset(self, rows: npt.NDArray[np.intp]) -> Draws:
        """The draws of some rows of this batch (same values as in the whole batch); streams
        are computed once for the whole batch and shared."""
        child = Draws(self.seed, self.index[rows])
        child._parent = (self, rows)
        return child

    def bits(self, stream: int) -> IndexArray:
        """64 random bits per row for `stream`."""
        if self._parent is not None:
            parent, rows = self._parent
            return parent.bits(stream)[rows]
        found = self._cache.get(stream)
        if found is None:
            found = self._cache[stream] = splitmix(self.seed, self.index, stream)
        return found

    def uniform(self, stream: int) -> FloatArray:
        """Uniform floats in [0, 1) per row."""
        return (self.bits(stream) >> np.uint64(11)).astype(np.float64) * UNIT

    def pick(self, stream: int, count: int) -> IntArray:
        """Uniform integers in 0..count-1 per row."""
        return (self.bits(stream) % np.uint64(count)).astype(np.int64)

    def integers(self, stream: int, low: int, high: int) -> IntArray:
        """Uniform integers in low..high (inclusive) per row, as Python-sized ints."""
        return low + self.pick(stream, high - low + 1)

    def choose(self, stream: int, options: Sequence[Any]) -> list[Any]:
        """One of `options` per row."""
        table = np.empty(len(options), dtype=object)
        table[:] = list(options)
        return list(table[self.pick(stream, len(options))])


def splitmix(seed: int, index: IndexArray, stream: int) -> IndexArray:
    """splitmix64 of (seed, index, stream) for every index."""
    offset = np.uint64((seed * GOLDEN + stream) & MASK64)
    z = index * MIX1 + offset
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))
