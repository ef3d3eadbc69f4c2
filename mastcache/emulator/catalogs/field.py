"""A catalog's synthetic sources, stored as numpy columns sorted by declination.

The field of one (seed, catalog) holds one source on each named object (a TIC named object
keeps its TIC id), a cluster of sources around each named object, and a sparse all-sky
background; it is built once, vectorised. With the `rows` scale knob, a cone instead returns
that many sources generated inside it (`scaled_cone`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mastcache.emulator.catalogs.schema import CatalogSchema
from mastcache.emulator.catalogs.values import Column, FloatArray, generate, make_batch
from mastcache.emulator.sky.geometry import arcsin, arctan, arctan2, cos, separation_deg, sin

Index = npt.NDArray[np.intp]
CLUSTER_RADIUS_DEG: Final = 0.3
SERIAL_BASE: Final = 1_000_000_000
SCALE_BASE: Final = 3_000_000_000
SAME_SOURCE_DEG: Final = 1.0 / 3600.0


@dataclass(frozen=True)
class ConeHits:
    """Rows found by a cone (indices into the field) and their distances in degrees."""

    index: Index
    distance_deg: FloatArray


@dataclass(frozen=True)
class SourceField:
    """All sources of one catalog: columns by name, rows sorted by declination."""

    schema: CatalogSchema
    ra: FloatArray
    dec: FloatArray
    columns: MutableMapping[str, Column]

    def __len__(self) -> int:
        return int(self.ra.size)

    def cone(self, ra: float, dec: float, radius_deg: float) -> ConeHits:
        """Sources within `radius_deg` of (ra, dec), nearest first (ties by row)."""
        lo = int(np.searchsorted(self.dec, dec - radius_deg, side="left"))
        hi = int(np.searchsorted(self.dec, dec + radius_deg, side="right"))
        dist = separation_deg(ra, dec, self.ra[lo:hi], self.dec[lo:hi])
        inside = np.nonzero(dist <= radius_deg)[0]
        order = np.lexsort((inside, dist[inside]))
        return ConeHits((lo + inside[order]).astype(np.intp), dist[inside][order])

    def everything(self) -> Index:
        """Every row, in the field's stable order (by declination)."""
        return np.arange(len(self), dtype=np.intp)


_FIELDS: dict[tuple[int, str], SourceField] = {}
_LOCK = threading.Lock()


def field_for(seed: int, schema: CatalogSchema) -> SourceField:
    """The field of (seed, catalog), built on first use and kept for the process."""
    key = (seed, schema.key)
    with _LOCK:
        found = _FIELDS.get(key)
        if found is None:
            found = build_field(seed, schema, named_anchors(schema))
            _FIELDS[key] = found
        return found


def build_field(seed: int, schema: CatalogSchema, anchors: Sequence[Anchor]) -> SourceField:
    """Sources on the anchors, clusters around them and an all-sky background."""
    rng = np.random.default_rng(stream_seed(seed, schema.layout_key, "layout"))
    hosts_ra = np.array([a.ra for a in anchors], np.float64)
    hosts_dec = np.array([a.dec for a in anchors], np.float64)
    c_ra, c_dec = _clusters(rng, hosts_ra, hosts_dec, schema.per_object)
    b_ra, b_dec = _sphere(rng, schema.background)
    ra = np.concatenate([hosts_ra, c_ra, b_ra])
    dec = np.concatenate([hosts_dec, c_dec, b_dec])
    serial = np.arange(ra.size - len(anchors), dtype=np.int64) + SERIAL_BASE
    ids = np.concatenate([np.array([a.ident for a in anchors], np.int64), serial])
    return _sorted_field(schema, stream_seed(seed, schema.key, "values"), ra, dec, ids)


@lru_cache(maxsize=2)
def scaled_cone(
    seed: int, schema: CatalogSchema, cone: tuple[float, float, float], count: int
) -> SourceField:
    """`count` sources spread uniformly inside `cone` (ra, dec, radius in degrees)."""
    rng = np.random.default_rng(stream_seed(seed, schema.layout_key, f"scale:{cone}:{count}"))
    ra, dec = points_in_cone(rng, np.array([cone[0]]), np.array([cone[1]]), cone[2], count)
    ids = np.arange(count, dtype=np.int64) + SCALE_BASE
    return _sorted_field(
        schema, stream_seed(seed, schema.key, f"scale-values:{cone}"), ra, dec, ids
    )


def _sorted_field(
    schema: CatalogSchema, seed: int, ra: FloatArray, dec: FloatArray, ids: Column
) -> SourceField:
    order = np.lexsort((ids, dec))
    ra, dec, ids = ra[order], dec[order], ids[order]
    columns = generate(schema, make_batch(seed, ra, dec, ids))
    return SourceField(schema, ra, dec, columns)


def _clusters(
    rng: np.random.Generator, ra: FloatArray, dec: FloatArray, per_object: int
) -> tuple[FloatArray, FloatArray]:
    if per_object <= 0 or ra.size == 0:
        return np.empty(0), np.empty(0)
    counts = rng.integers(per_object // 2, per_object * 3 // 2 + 1, ra.size)
    return points_in_cone(rng, np.repeat(ra, counts), np.repeat(dec, counts), CLUSTER_RADIUS_DEG)


def points_in_cone(
    rng: np.random.Generator,
    ra: FloatArray,
    dec: FloatArray,
    radius: float,
    count: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Uniform points within `radius` degrees of each centre (or `count` around one centre)."""
    size = ra.size if count is None else count
    centre_ra = ra if count is None else np.broadcast_to(ra, (size,))
    centre_dec = dec if count is None else np.broadcast_to(dec, (size,))
    r = np.radians(radius * np.sqrt(rng.random(size)) * 0.999)
    theta = rng.random(size) * 2.0 * np.pi
    return _inverse_gnomonic(centre_ra, centre_dec, r * cos(theta), r * sin(theta))


def _inverse_gnomonic(
    ra: FloatArray, dec: FloatArray, x: FloatArray, y: FloatArray
) -> tuple[FloatArray, FloatArray]:
    a0, d0 = np.radians(ra), np.radians(dec)
    rho = np.hypot(x, y)
    c = arctan(rho)
    safe = np.where(rho > 0, rho, 1.0)
    new_dec = arcsin(cos(c) * sin(d0) + y * sin(c) * cos(d0) / safe)
    den = rho * cos(d0) * cos(c) - y * sin(d0) * sin(c)
    new_ra = a0 + arctan2(x * sin(c), den)
    return np.degrees(new_ra) % 360.0, np.degrees(new_dec)


def _sphere(rng: np.random.Generator, count: int) -> tuple[FloatArray, FloatArray]:
    ra = rng.random(count) * 360.0
    dec = np.degrees(arcsin(2.0 * rng.random(count) - 1.0))
    return ra, dec


@dataclass(frozen=True)
class Anchor:
    """A source placed exactly on a named object, with its catalog id."""

    ra: float
    dec: float
    ident: int


def named_anchors(schema: CatalogSchema) -> list[Anchor]:
    """One source per distinct named position; TIC-named objects keep their TIC number."""
    from mastcache.emulator.sky.objects import named_objects  # lazy: nothing at import time
    from mastcache.emulator.sky.observations import catalog_id

    ordered = sorted(named_objects(), key=lambda o: not o.name.upper().startswith("TIC "))
    anchors: list[Anchor] = []
    for obj in ordered:
        if any(_near(a, obj.ra, obj.dec) for a in anchors):
            continue
        ident = (
            catalog_id(obj.name) if schema.key in {"tic", "ctl"} else SERIAL_BASE - 1 - len(anchors)
        )
        anchors.append(Anchor(obj.ra, obj.dec, ident))
    return anchors


def _near(anchor: Anchor, ra: float, dec: float) -> bool:
    if abs(anchor.dec - dec) > SAME_SOURCE_DEG:
        return False
    return float(separation_deg(ra, dec, np.array([anchor.ra]), np.array([anchor.dec]))[0]) < (
        SAME_SOURCE_DEG
    )


def stream_seed(seed: int, *parts: Any) -> int:
    """A 64-bit seed for one named random stream of `seed`."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
