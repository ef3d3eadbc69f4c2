"""Column values of synthetic catalog sources, generated with numpy for a whole batch at once.

Every column of a schema gets an array: positions and their galactic/ecliptic forms are
computed, magnitudes follow one brightness per source, errors are small, ids come from the
caller, and the rest are plausible values of the column's type. Nulls are None (or the
schema's `null_marker`, e.g. Pan-STARRS's -999).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, replace
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mastcache.emulator.catalogs.schema import CatalogSchema
from mastcache.emulator.catalogs.text import STRING_RULES, iau_designation
from mastcache.emulator.sky.geometry import arcsin, arctan2, cos, sin

FloatArray = npt.NDArray[np.float64]
Column = npt.NDArray[Any]
RA_NAMES: Final = frozenset({"ra", "matchra", "sourcera", "ra_cent", "ramean", "rastack"})
DEC_NAMES: Final = frozenset({"dec", "matchdec", "sourcedec", "dec_cent", "decmean", "decstack"})
GALACTIC: Final = {"gallong": 0, "gallat": 1, "glon": 0, "glat": 1, "l": 0, "b": 1}
ECLIPTIC: Final = {"eclong": 0, "eclat": 1, "lambda": 0, "beta": 1, "ecl_lon": 0, "ecl_lat": 1}
ERROR_RE: Final = re.compile(r"(^e_|err|sigma|sig|_error$|std$)", re.IGNORECASE)
MAG_RE: Final = re.compile(r"(mag|^[a-z0-9]+_f\d+[a-z]+$|^[a-z]mean\w*mag)", re.IGNORECASE)
BAND_OFFSETS: Final = {"u": 1.4, "b": 0.7, "g": 0.4, "v": 0.0, "r": -0.3, "i": -0.5, "z": -0.6}
NULL_FRACTION: Final = 0.15
ZONE_HEIGHT_DEG: Final = 0.0083333
NAME_IDS: Final = frozenset({"designation", "iauname", "objname"})
# fmt: off
_GAL_MATRIX: Final = np.array([
    [-0.0548755604162154, -0.8734370902348850, -0.4838350155487132],
    [+0.4941094278755837, -0.4448296299600112, +0.7469822444972189],
    [-0.8676661490190047, -0.1980763734312015, +0.4559837761750669],
])
# fmt: on
_OBLIQUITY: Final = np.radians(23.4392911)


@dataclass(frozen=True)
class Batch:
    """The sources being generated: positions, ids, brightness and the random stream."""

    seed: int
    rng: np.random.Generator
    ra: FloatArray
    dec: FloatArray
    ids: Column
    brightness: FloatArray

    @property
    def size(self) -> int:
        return int(self.ra.size)

    def stream(self, name: str) -> Batch:
        """The batch with the random stream of column `name` (independent of other columns)."""
        rng = np.random.default_rng((self.seed, zlib.crc32(name.encode())))
        return replace(self, rng=rng)


def make_batch(seed: int, ra: FloatArray, dec: FloatArray, ids: Column) -> Batch:
    """A batch whose every value depends on `seed` and the inputs only."""
    rng = np.random.default_rng(seed)
    brightness = np.clip(rng.normal(16.5, 2.6, ra.size), 4.0, 23.5)
    return Batch(seed, rng, ra, dec, ids, brightness)


class LazyColumns(MutableMapping[str, Column]):
    """A schema's columns for one batch, each generated on first use (then kept)."""

    def __init__(self, schema: CatalogSchema, batch: Batch) -> None:
        self._schema = schema
        self._batch = batch
        self._kinds = {name: kind.lower() for name, kind in schema.fields}
        self._values: dict[str, Column] = {}
        if not _own_id_rule(schema, schema.id_column):
            self._values[schema.id_column] = batch.ids
        if schema.ra_column in self._kinds:
            self._values[schema.ra_column] = batch.ra
            self._values[schema.dec_column] = batch.dec

    def __getitem__(self, name: str) -> Column:
        found = self._values.get(name)
        if found is None:
            if name not in self._kinds:
                raise KeyError(name)
            found = _column(self._schema, self._batch.stream(name), name, self._kinds[name])
            self._values[name] = found
        return found

    def __setitem__(self, name: str, values: Column) -> None:
        self._values[name] = values

    def __delitem__(self, name: str) -> None:
        del self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._kinds or name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._kinds), **dict.fromkeys(self._values)})

    def __len__(self) -> int:
        return len(set(self._kinds) | set(self._values))


def generate(schema: CatalogSchema, batch: Batch) -> LazyColumns:
    """Every column of `schema` for the batch, by name (generated when first read)."""
    return LazyColumns(schema, batch)


def _own_id_rule(schema: CatalogSchema, name: str) -> bool:
    """Whether an id column is computed from the position rather than numbered."""
    return name.lower() in NAME_IDS or (schema.object_id_from_position and name == "objID")


def _column(schema: CatalogSchema, batch: Batch, name: str, kind: str) -> Column:
    lower = name.lower()
    if schema.object_id_from_position and name == "objID":
        return zone_object_ids(batch)
    if name in STRING_RULES:
        return STRING_RULES[name](batch.rng, batch.ra, batch.dec, batch.ids)
    if lower in RA_NAMES or lower in DEC_NAMES:
        return _position(batch, lower in RA_NAMES)
    if lower in GALACTIC or lower in ECLIPTIC:
        return _sky_frame(batch, lower)
    if lower in NAME_IDS:
        return iau_designation(batch.ra, batch.dec, _designation_prefix(schema, lower))
    maker = _by_kind(kind)
    return maker(schema, batch, name)


def zone_object_ids(batch: Batch) -> Column:
    """PS1-style objIDs: declination zone, then RA, then a rank among equal (zone, RA)."""
    zone = np.floor((batch.dec + 90.0) / ZONE_HEIGHT_DEG).astype(np.int64)
    base = zone * 10**13 + np.floor(batch.ra * 1e5).astype(np.int64) * 100
    order = np.argsort(base, kind="stable")
    ranked = base[order]
    starts = np.r_[0, np.nonzero(np.diff(ranked))[0] + 1]
    rank = np.arange(batch.size) - np.repeat(starts, np.diff(np.r_[starts, batch.size]))
    ident = np.empty_like(base)
    ident[order] = ranked + rank
    return ident


def _position(batch: Batch, is_ra: bool) -> FloatArray:
    jitter = batch.rng.normal(0.0, 1e-6, batch.size)
    return np.mod(batch.ra + jitter, 360.0) if is_ra else np.clip(batch.dec + jitter, -90, 90)


def _sky_frame(batch: Batch, name: str) -> FloatArray:
    if name in GALACTIC:
        lon, lat = galactic(batch.ra, batch.dec)
        return lon if GALACTIC[name] == 0 else lat
    lon, lat = ecliptic(batch.ra, batch.dec)
    return lon if ECLIPTIC[name] == 0 else lat


def _designation_prefix(schema: CatalogSchema, name: str) -> str:
    if name == "objname":
        return "PSO J"
    return {"galex": "GALEX J", "gaiadr1": "Gaia DR1 ", "gaiadr2": "Gaia DR2 "}.get(schema.key, "J")


def _by_kind(kind: str) -> Callable[[CatalogSchema, Batch, str], Column]:
    if kind in {"float", "double", "decimal", "real"}:
        return _float_column
    if kind in {"int", "long", "short", "number", "integer", "unsignedbyte"}:
        return _int_column
    if kind in {"boolean", "binary"}:
        return lambda schema, batch, name: np.full(batch.size, None, dtype=object)
    return _string_column


def _float_column(schema: CatalogSchema, batch: Batch, name: str) -> Column:
    if ERROR_RE.search(name):
        values = np.round(batch.rng.gamma(2.0, 0.02, batch.size), 5)
    elif MAG_RE.search(name):
        values = np.round(batch.brightness + _band_offset(name) + _noise(batch, 0.05), 4)
    else:
        values = np.round(batch.rng.lognormal(1.0, 1.0, batch.size), 5)
    return _with_nulls(schema, batch, values)


def _int_column(schema: CatalogSchema, batch: Batch, name: str) -> Column:
    high = 4 if name.endswith(("_N", "Npt", "Flag", "flag", "ID")) else 60
    return batch.rng.integers(0, high, batch.size, dtype=np.int64)


def _string_column(schema: CatalogSchema, batch: Batch, name: str) -> Column:
    codes = np.array(["A", "B", "C", "D"], dtype=object)
    return codes[batch.rng.integers(0, codes.size, batch.size)]


def _band_offset(name: str) -> float:
    letter = name.removeprefix("e_").lower()[:1]
    return BAND_OFFSETS.get(letter, 0.2 * (sum(map(ord, name)) % 7 - 3))


def _noise(batch: Batch, scale: float) -> FloatArray:
    return batch.rng.normal(0.0, scale, batch.size)


def _with_nulls(schema: CatalogSchema, batch: Batch, values: FloatArray) -> Column:
    """Some values missing: NaN here, written as the schema's null marker or JSON null."""
    missing = batch.rng.random(batch.size) < NULL_FRACTION
    if schema.null_marker is not None:
        return np.where(missing, schema.null_marker, values)
    return np.where(missing, np.nan, values)


def galactic(ra: FloatArray, dec: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Galactic longitude and latitude (degrees) of ICRS positions."""
    return _rotate(_GAL_MATRIX, ra, dec)


def ecliptic(ra: FloatArray, dec: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ecliptic longitude and latitude (degrees, J2000 obliquity)."""
    c, s = cos(_OBLIQUITY), sin(_OBLIQUITY)
    matrix = np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])
    return _rotate(matrix, ra, dec)


def _rotate(matrix: FloatArray, ra: FloatArray, dec: FloatArray) -> tuple[FloatArray, FloatArray]:
    a, d = np.radians(ra), np.radians(dec)
    xyz = np.stack([cos(d) * cos(a), cos(d) * sin(a), sin(d)])
    x, y, z = matrix @ xyz
    lon: FloatArray = np.degrees(arctan2(y, x)) % 360.0
    lat: FloatArray = np.degrees(arcsin(np.clip(z, -1.0, 1.0)))
    return np.round(lon, 6), np.round(lat, 6)


def to_json_values(column: Column) -> list[Any]:
    """A column as JSON-ready Python values: NaN becomes None, numpy scalars become Python."""
    if column.dtype.kind == "f":
        missing = np.isnan(column)
        if missing.any():
            values = column.astype(object)
            values[missing] = None
            return list(values.tolist())
    return list(column.tolist())
