"""Named objects the emulator's SANTA resolver knows, at their real J2000 positions.

Each object carries the entries its resolvers answer with (SIMBAD, SIMBADCFA, NED, or the
TIC/KEPLER/K2 catalogs), preferred resolver first. Names recorded in
``shared/mast-samples/resolver.json`` answer exactly as recorded.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import cache

from mastcache.emulator.sky.named_rows import ROWS

__all__ = ["NAMED_OBJECTS", "NamedObject", "ResolverEntry", "find", "normalize_name"]

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


def _recorded(
    resolver: str,
    canonical: str,
    ra: float,
    dec: float,
    kind: str | None,
    time: int,
    date: str | None = None,
    **extra: float,
) -> ResolverEntry:
    return ResolverEntry(
        resolver, canonical, ra, dec, kind, is_cached=date is not None, resolver_time=time,
        extra=tuple(extra.items()), cache_date=date,
    )  # fmt: skip


_L98 = (124.5317560026638, -68.3130014904408)
_M101_SHAPE = {"radius": 0.18233333333333332, "majorAxis": 0.36466666666666664}
_M101_SHAPE["minorAxis"] = 0.3481666666666667
_M103_SHAPE = {"radius": 0.06166666666666667, "majorAxis": 0.12333333333333334}
_M103_SHAPE |= {"minorAxis": 0.12333333333333334, "positionAngle": 0.0}
_M10_SHAPE = {"radius": 0.12583333333333332, "majorAxis": 0.25166666666666665}
_M10_SHAPE |= {"minorAxis": 0.25166666666666665, "positionAngle": 90.0}
_M1_SHAPE = {"radius": 0.058333333333333334, "majorAxis": 0.11666666666666667}
_M1_SHAPE["minorAxis"] = 0.08333333333333333

# The answers recorded in shared/mast-samples/resolver.json, served exactly.
RECORDED: dict[str, tuple[ResolverEntry, ...]] = {
    "TIC 307210830": (
        ResolverEntry(
            "TIC",
            "TIC 307210830",
            124.531756290083,
            -68.3129998725044,
            search_radius=0.000333,
            is_cached=False,
            resolver_time=2,
        ),
        _recorded("SIMBAD", "L   98-59", *_L98, "HighPM*", 294, "Apr 17, 2025, 3:47:59 PM"),
        _recorded("SIMBADCFA", "L   98-59", *_L98, "HighPM*", 296, "Mar 19, 2025, 4:36:27 PM"),
    ),
    "Barnard's Star": (
        _recorded(
            "SIMBAD",
            "NAME Barnard's star",
            269.4520769586187,
            4.6933649665767,
            "BYDraV*",
            302,
            "May 7, 2025, 2:29:06 PM",
        ),
    ),
    "M 1": (
        _recorded(
            "SIMBAD",
            "M   1",
            83.6324,
            22.0174,
            "SNRemnant",
            292,
            "Apr 29, 2025, 1:57:27 PM",
            **_M1_SHAPE,
        ),
        _recorded("NED", "MESSIER 001", 83.63311, 22.01449, "SNR", 1417),
    ),
    "M 101": (
        _recorded(
            "SIMBAD",
            "M 101",
            210.802429,
            54.34875,
            "GinPair",
            290,
            "Sep 2, 2025, 8:13:51 PM",
            **_M101_SHAPE,
        ),
        _recorded(
            "SIMBADCFA",
            "M 101",
            210.802429,
            54.34875,
            "GinPair",
            289,
            "May 14, 2025, 8:04:05 PM",
            **_M101_SHAPE,
        ),
        _recorded(
            "NED", "MESSIER 101", 210.80227, 54.34895, "G", 1181, None, radius=0.24000000000000002
        ),
    ),
    "M 103": (
        _recorded(
            "SIMBAD",
            "M 103",
            23.339,
            60.659,
            "OpenCluster",
            294,
            "May 2, 2025, 4:33:25 AM",
            **_M103_SHAPE,
        ),
        _recorded("NED", "MESSIER 103", 23.34086, 60.658, "*Cl", 1094),
    ),
    "M 8": (
        _recorded(
            "SIMBAD", "M   8", 270.904, -24.387, "OpenCluster", 294, "May 1, 2025, 1:11:47 PM"
        ),
        _recorded("NED", "MESSIER 008", 270.92194, -24.38017, "Neb", 1165),
    ),
    "M 10": (
        _recorded(
            "SIMBAD",
            "M  10",
            254.28771,
            -4.10031,
            "GlobCluster",
            290,
            "Apr 29, 2025, 2:00:16 PM",
            **_M10_SHAPE,
        ),
        _recorded("NED", "MESSIER 010", 254.28771, -4.10031, "*Cl", 998),
    ),
    "L 98-59": (
        _recorded("SIMBAD", "L   98-59", *_L98, "HighPM*", 294, "Apr 17, 2025, 3:47:59 PM"),
        _recorded("SIMBADCFA", "L   98-59", *_L98, "HighPM*", 296, "Mar 19, 2025, 4:36:27 PM"),
    ),
}


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
    if catalog_id in RECORDED:
        entries = RECORDED[catalog_id]
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


def _parse_row(row: str) -> tuple[NamedObject, list[str]]:
    name, aliases, ra_text, dec_text, kind, catalog_ids = row.split("|")
    entries = RECORDED.get(name)
    if entries is None:
        ra, dec = _sexagesimal(ra_text, 15.0), _sexagesimal(dec_text, 1.0)
        entries = _synthesized(name, ra, dec, kind)
    ra, dec = entries[0].ra, entries[0].dec
    alias_list = tuple(a.strip() for a in aliases.split(";") if a.strip())
    return NamedObject(name, alias_list, ra, dec, kind, entries), catalog_ids.split(";")


def _build() -> tuple[NamedObject, ...]:
    objects: list[NamedObject] = []
    for row in ROWS.strip().splitlines():
        host, catalog_ids = _parse_row(row)
        objects.append(host)
        objects.extend(_catalog_object(c.strip(), host) for c in catalog_ids if c.strip())
    return tuple(objects)


NAMED_OBJECTS: tuple[NamedObject, ...] = _build()


@cache
def _index() -> dict[str, NamedObject]:
    index: dict[str, NamedObject] = {}
    for obj in NAMED_OBJECTS:
        for label in (obj.name, *obj.aliases):
            index.setdefault(normalize_name(label), obj)
    return index


def find(name: str) -> NamedObject | None:
    """The named object called ``name`` (case, whitespace and alias insensitive), or None."""
    return _index().get(normalize_name(name))
