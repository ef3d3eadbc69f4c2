"""The deterministic synthetic sky: CAOM observations clustered around the named objects
plus a sparse all-sky background, built once per seed and indexed by declination.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol

import numpy as np

from mastcache.emulator.sky.columns import OBSERVATION_COLUMNS
from mastcache.emulator.sky.geometry import (
    ARCSEC_PER_DEG,
    footprint_distance_deg,
    offset_position,
    random_point_on_sphere,
)
from mastcache.emulator.sky.missions import mission_facts
from mastcache.emulator.sky.synth import Target, synthesize

BACKGROUND_COUNT: Final = 2000
CLUSTER_SIZE: Final = (8, 28)
MAX_FOOTPRINT_DEG: Final = 1.0
STAR_WORDS: Final = ("star", "*", "binary", "variable", "dwarf", "giant", "pulsar", "tic")

ObsRow = tuple[Any, ...]


class NamedObjectLike(Protocol):
    """What the sky reads from `mastcache.emulator.sky.objects.named_objects()`."""

    @property
    def name(self) -> str: ...
    @property
    def ra(self) -> float: ...
    @property
    def dec(self) -> float: ...
    @property
    def object_type(self) -> str: ...


@dataclass(frozen=True)
class ConeMatch:
    """An observation found by a cone: its row number and MAST's `distance` (arcsec)."""

    index: int
    distance: float


class Sky:
    """All observations of one seed, sorted by declination for fast cones."""

    def __init__(
        self,
        seed: int,
        rows: Sequence[dict[str, Any]],
        reprocessed: Mapping[int, int] | None = None,
    ) -> None:
        ordered = sorted(rows, key=lambda r: (r["s_dec"], r["obsid"]))
        self.seed = seed
        #: obsid -> how many times its products were reprocessed (sky_epoch > 0 only)
        self.reprocessed: Mapping[int, int] = reprocessed or {}
        self.rows: tuple[ObsRow, ...] = tuple(_as_tuple(r) for r in ordered)
        self.dec = np.array([r["s_dec"] for r in ordered], np.float64)
        self.ra = np.array([r["s_ra"] for r in ordered], np.float64)
        shapes = [r["_footprint"] for r in ordered]
        self.kind = np.array([s[0] for s in shapes], np.int8)
        self.size = np.array([s[1] for s in shapes], np.float64)
        self.rotation = np.array([s[2] for s in shapes], np.float64)
        obsids = [int(r["obsid"]) for r in ordered]
        self.position_of = {obsid: i for i, obsid in enumerate(obsids)}
        self.obsid_order: tuple[int, ...] = tuple(int(i) for i in np.argsort(obsids))

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> dict[str, Any]:
        """Observation `index` as a column -> value mapping."""
        return dict(zip(OBSERVATION_COLUMNS, self.rows[index], strict=True))

    def columns(self, indices: Sequence[int]) -> dict[str, tuple[Any, ...]]:
        """Observations `indices` as columns: name -> values in the order given."""
        if not indices:
            return {}
        chosen = [self.rows[i] for i in indices]
        return dict(zip(OBSERVATION_COLUMNS, zip(*chosen, strict=True), strict=True))

    def find(self, obsid: int) -> dict[str, Any] | None:
        """The observation with this obsid, or None."""
        index = self.position_of.get(obsid)
        return None if index is None else self.row(index)

    def cone(self, ra: float, dec: float, radius_deg: float) -> list[ConeMatch]:
        """Observations whose footprint lies within `radius_deg`, by distance then obsid."""
        lo, hi = self._band(dec, radius_deg + MAX_FOOTPRINT_DEG)
        span = slice(lo, hi)
        dist = footprint_distance_deg(
            ra,
            dec,
            (self.ra[span], self.dec[span]),
            (self.kind[span], self.size[span], self.rotation[span]),
        )
        hits = np.nonzero(dist <= radius_deg + 1e-12)[0]
        matches = [ConeMatch(lo + int(i), float(dist[i]) * ARCSEC_PER_DEG) for i in hits]
        obsid_at = OBSERVATION_COLUMNS.index("obsid")
        return sorted(matches, key=lambda m: (m.distance, self.rows[m.index][obsid_at]))

    def _band(self, dec: float, half_width: float) -> tuple[int, int]:
        lo = int(np.searchsorted(self.dec, dec - half_width, side="left"))
        hi = int(np.searchsorted(self.dec, dec + half_width, side="right"))
        return lo, hi

    def in_obsid_order(self) -> Iterator[int]:
        """Every row number, ordered by obsid (the Filtered services' stable order)."""
        return iter(self.obsid_order)


_CACHE: dict[tuple[int, int], Sky] = {}
_LOCK = threading.Lock()


def sky_for_seed(seed: int, epoch: int = 0) -> Sky:
    """The sky of `seed` moved `epoch` epochs forward (0: today's), built on first use and
    kept for the life of the process."""
    with _LOCK:
        sky = _CACHE.get((seed, epoch))
        if sky is None:
            sky = build_sky(seed, _named_objects(), epoch)
            _CACHE[(seed, epoch)] = sky
        return sky


def _named_objects() -> Sequence[NamedObjectLike]:
    from mastcache.emulator.sky.objects import named_objects  # lazy: nothing at import time

    return named_objects()


def build_sky(seed: int, objects: Iterable[NamedObjectLike], epoch: int = 0) -> Sky:
    """Generate the observations of `seed`: clusters on `objects`, then the background;
    then `epoch` epochs of archive life (:mod:`.epoch`)."""
    rng = random.Random(f"mastcache-sky:{seed}")
    rows: list[dict[str, Any]] = []
    for obj in objects:
        rows.extend(_cluster(rng, obj, len(rows)))
    for k in range(BACKGROUND_COUNT):
        rows.append(_background(rng, k, len(rows)))
    if epoch == 0:
        return Sky(seed, rows)
    from mastcache.emulator.sky.epoch import evolve

    moved, reprocessed = evolve(rows, seed, epoch)
    return Sky(seed, moved, reprocessed)


def _cluster(rng: random.Random, obj: NamedObjectLike, serial: int) -> list[dict[str, Any]]:
    star = is_star(obj.name, obj.object_type)
    target = Target(obj.name, classification(obj.object_type), catalog_id(obj.name))
    mix = _mission_mix(star, obj.ra, obj.dec)
    count = rng.randint(*CLUSTER_SIZE)
    return [
        _observe(rng, rng_choice(rng, mix), target, serial + i, (obj.ra, obj.dec))
        for i in range(count)
    ]


def _background(rng: random.Random, k: int, serial: int) -> dict[str, Any]:
    ra, dec = random_point_on_sphere(rng.random(), rng.random())
    mission = rng_choice(rng, mission_facts().background_mix)
    name = f"FIELD-{k:05d}"
    target = Target(name, None, catalog_id(name))
    return _observe(rng, mission, target, serial, (ra, dec))


def _observe(
    rng: random.Random, mission: str, target: Target, serial: int, aim: tuple[float, float]
) -> dict[str, Any]:
    profile = mission_facts().profiles[mission]
    r = profile.jitter_deg * math.sqrt(rng.random())
    angle = rng.uniform(0.0, 2.0 * math.pi)
    centre = offset_position(aim[0], aim[1], r * math.cos(angle), r * math.sin(angle))
    row_rng = random.Random(f"{rng.random()}:{serial}")
    return synthesize(row_rng, profile, target, profile.obsid_base + serial, centre)


def _mission_mix(star: bool, ra: float, dec: float) -> dict[str, float]:
    facts = mission_facts()
    mix = dict(facts.star_mix if star else facts.galaxy_mix)
    if star and 280.0 <= ra <= 302.0 and 36.0 <= dec <= 52.0:
        mix["Kepler"] = 4.0
    if star and abs(ecliptic_latitude(ra, dec)) < 12.0:
        mix["K2"] = 2.0
    if dec < -30.0:
        mix.pop("PS1", None)
    return mix


def rng_choice(rng: random.Random, weights: dict[str, float]) -> str:
    """A key of `weights` drawn with probability proportional to its weight."""
    keys = sorted(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def ecliptic_latitude(ra: float, dec: float) -> float:
    """Ecliptic latitude in degrees (J2000 obliquity)."""
    eps = math.radians(23.4393)
    a, d = math.radians(ra), math.radians(dec)
    sin_b = math.sin(d) * math.cos(eps) - math.cos(d) * math.sin(eps) * math.sin(a)
    return math.degrees(math.asin(sin_b))


def is_star(name: str, object_type: str) -> bool:
    """Whether a named object is stellar (drives the mission mix)."""
    text = f"{name} {object_type}".lower()
    return any(word in text for word in STAR_WORDS) or name.upper().startswith(("TIC", "KIC"))


CLASSIFICATIONS: Final[dict[str, str]] = {
    "Galaxy": "GALAXY",
    "GinPair": "GALAXY;INTERACTING GALAXIES",
    "SyG": "GALAXY;SEYFERT GALAXY",
    "StarburstG": "GALAXY;STARBURST GALAXY",
    "ClG": "CLUSTER OF GALAXIES",
    "GroupG": "GALAXY;GROUP OF GALAXIES",
    "GlobCluster": "STAR CLUSTER;GLOBULAR CLUSTER",
    "OpenCluster": "STAR CLUSTER;OPEN CLUSTER",
    "PlanetaryNeb": "ISM;PLANETARY NEBULA",
    "HIIReg": "ISM;HII REGION",
    "SNRemnant": "ISM;SUPERNOVA REMNANT",
    "QSO": "QUASAR",
    "Star": "STAR",
}


def classification(object_type: str) -> str | None:
    """MAST-style upper-case `target_classification` (`;`-separated) for a SIMBAD type."""
    text = object_type.strip()
    if not text:
        return None
    if text in CLASSIFICATIONS:
        return CLASSIFICATIONS[text]
    return f"STAR;{text.rstrip('*').upper()}" if "*" in text else text.upper()


def catalog_id(name: str) -> int:
    """A stable catalogue number: the TIC/KIC/EPIC number itself, else one from the name."""
    parts = name.split()
    if len(parts) == 2 and parts[0].upper() in {"TIC", "KIC", "EPIC"} and parts[1].isdigit():
        return int(parts[1])
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return 10_000_000 + int.from_bytes(digest[:4], "big") % 400_000_000


def _as_tuple(row: dict[str, Any]) -> ObsRow:
    return tuple(row[name] for name in OBSERVATION_COLUMNS)
