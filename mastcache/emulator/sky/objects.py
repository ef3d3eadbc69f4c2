"""Named objects the emulator's SANTA resolver knows, at their real J2000 positions.

Each object carries the entries its resolvers answer with (SIMBAD, SIMBADCFA, NED, or the
TIC/KEPLER/K2 catalogs), preferred resolver first. The objects are the rows of
``data/named_objects.csv``; names recorded in ``shared/mast-samples/resolver.json`` answer
exactly as recorded (``data/recorded_answers.json``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

__all__ = [
    "NAMED_OBJECTS",
    "RECORDED",
    "NamedObject",
    "ResolverEntry",
    "find",
    "named_objects",
    "normalize_name",
    "recorded_answers",
]

if TYPE_CHECKING:  # module attributes computed on first use (``__getattr__``)
    NAMED_OBJECTS: tuple[NamedObject, ...]
    RECORDED: dict[str, tuple[ResolverEntry, ...]]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
CATALOG_RESOLVERS = {"TIC": "TIC", "KIC": "KEPLER", "EPIC": "K2"}
NED_TYPES = {
    "Galaxy": "G",
    "GinPair": "G",
    "StarburstG": "G",
    "SyG": "G",
    "GlobCluster": "*Cl",
    "OpenCluster": "*Cl",
    "PlanetaryNeb": "PN",
    "HIIReg": "HII",
    "SNRemnant": "SNR",
    "ClG": "GClstr",
    "QSO": "QSO",
}


@dataclass(frozen=True)
class ResolverEntry:
    """One resolver's answer for an object (the fields of a SANTA ``resolvedCoordinate``)."""

    resolver: str
    canonical_name: str
    ra: float
    dec: float
    object_type: str | None = None
    search_radius: float = -1.0
    is_cached: bool = True
    resolver_time: int = 290
    extra: tuple[tuple[str, float], ...] = ()
    cache_date: str | None = None


@dataclass(frozen=True)
class NamedObject:
    """A resolvable object: its name, aliases, position (degrees) and resolver entries."""

    name: str
    aliases: tuple[str, ...]
    ra: float
    dec: float
    object_type: str
    entries: tuple[ResolverEntry, ...] = field(default=())

    def entry(self, resolver: str) -> ResolverEntry | None:
        """The entry of one resolver (``SIMBAD``, ``NED``, ``TIC``...), or None."""
        wanted = resolver.upper()
        return next((e for e in self.entries if e.resolver == wanted), None)


@cache
def recorded_answers() -> dict[str, tuple[ResolverEntry, ...]]:
    """The answers recorded in shared/mast-samples/resolver.json, served exactly, by name."""
    with (DATA_DIR / "recorded_answers.json").open("rb") as handle:
        document: dict[str, list[dict[str, Any]]] = json.load(handle)
    return {name: tuple(map(_entry, entries)) for name, entries in document.items()}


def _entry(fields: dict[str, Any]) -> ResolverEntry:
    return ResolverEntry(**{**fields, "extra": tuple(fields["extra"].items())})


def normalize_name(name: str) -> str:
    """The lookup key of a name: lower case, no whitespace (``"M  101"`` == ``"m101"``)."""
    return re.sub(r"\s+", "", name).lower()


def _sexagesimal(text: str, scale: float) -> float:
    parts = [float(p) for p in text.strip().lstrip("+-").split()]
    value = parts[0] + parts[1] / 60 + (parts[2] if len(parts) > 2 else 0.0) / 3600
    return (-value if text.strip().startswith("-") else value) * scale


def _jitter(name: str, salt: str) -> tuple[float, float]:
    """A deterministic offset of a few tenths of an arcsecond to ~2 arcsec (in degrees)."""
    digest = hashlib.sha256(f"{salt}:{name}".encode()).digest()
    return ((digest[0] - 127.5) / 127.5 * 2 / 3600, (digest[1] - 127.5) / 127.5 * 2 / 3600)


def _ned_name(name: str) -> str:
    match = re.fullmatch(r"M (\d+)", name)
    if match:
        return f"MESSIER {int(match.group(1)):03d}"
    return name.upper()


def _simbad_name(name: str) -> str:
    match = re.fullmatch(r"(M|NGC|IC) (\d+)", name)
    if match:
        width = 3 if match.group(1) == "M" else 4
        return f"{match.group(1)} {match.group(2):>{width}}"
    return name if " " in name or "-" in name else f"NAME {name}"


def _synthesized(name: str, ra: float, dec: float, kind: str) -> tuple[ResolverEntry, ...]:
    simbad = ResolverEntry("SIMBAD", _simbad_name(name), ra, dec, kind, resolver_time=290)
    d_ra, d_dec = _jitter(name, "NED")
    ned_ra = (ra + d_ra / max(0.05, abs(_cos_deg(dec)))) % 360.0
    ned_dec = max(-90.0, min(90.0, dec + d_dec))
    ned = ResolverEntry(
        "NED", _ned_name(name), ned_ra, ned_dec, NED_TYPES.get(kind, "*"), is_cached=False,
        resolver_time=1200,
    )  # fmt: skip
    if kind in ("Galaxy", "GinPair", "StarburstG", "SyG"):
        cfa = ResolverEntry("SIMBADCFA", simbad.canonical_name, ra, dec, kind, resolver_time=289)
        return (simbad, cfa, ned)
    return (simbad, ned)


def _cos_deg(dec: float) -> float:
    return math.cos(math.radians(dec))


def _catalog_object(catalog_id: str, host: NamedObject) -> NamedObject:
    entries = recorded_answers().get(catalog_id)
    if entries is not None:
        return NamedObject(catalog_id, (), entries[0].ra, entries[0].dec, host.object_type, entries)
    prefix = catalog_id.split()[0]
    d_ra, d_dec = _jitter(catalog_id, "CATALOG")
    ra, dec = host.ra + d_ra / 10, host.dec + d_dec / 10  # within 0.2 arcsec of SIMBAD
    own = ResolverEntry(
        CATALOG_RESOLVERS[prefix], catalog_id, ra, dec, None, search_radius=0.000333,
        is_cached=False, resolver_time=2,
    )  # fmt: skip
    host_entries = tuple(e for e in host.entries if e.resolver.startswith("SIMBAD"))
    return NamedObject(catalog_id, (), ra, dec, host.object_type, (own, *host_entries))


def _parse_row(row: list[str]) -> tuple[NamedObject, list[str]]:
    name, aliases, ra_text, dec_text, kind, catalog_ids = row
    entries = recorded_answers().get(name)
    if entries is None:
        ra, dec = _sexagesimal(ra_text, 15.0), _sexagesimal(dec_text, 1.0)
        entries = _synthesized(name, ra, dec, kind)
    ra, dec = entries[0].ra, entries[0].dec
    alias_list = tuple(a.strip() for a in aliases.split(";") if a.strip())
    return NamedObject(name, alias_list, ra, dec, kind, entries), catalog_ids.split(";")


@cache
def named_objects() -> tuple[NamedObject, ...]:
    """Every named object: each row of data/named_objects.csv, then its catalog ids."""
    objects: list[NamedObject] = []
    for row in _rows("named_objects.csv"):
        host, catalog_ids = _parse_row(row)
        objects.append(host)
        objects.extend(_catalog_object(c.strip(), host) for c in catalog_ids if c.strip())
    return tuple(objects)


def _rows(filename: str) -> list[list[str]]:
    """The rows of a CSV file in data/, without its header."""
    with (DATA_DIR / filename).open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def __getattr__(name: str) -> Any:
    if name == "NAMED_OBJECTS":
        return named_objects()
    if name == "RECORDED":
        return recorded_answers()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _index() -> dict[str, NamedObject]:
    index: dict[str, NamedObject] = {}
    for obj in named_objects():
        for label in (obj.name, *obj.aliases):
            index.setdefault(normalize_name(label), obj)
    return index


def find(name: str) -> NamedObject | None:
    """The named object called ``name`` (case, whitespace and alias insensitive), or None."""
    return _index().get(normalize_name(name))
