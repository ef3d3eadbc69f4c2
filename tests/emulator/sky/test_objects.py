"""Named objects: real positions, alias-aware lookup, and the recorded resolver answers."""

from __future__ import annotations

import json
import math

import pytest

from mastcache.emulator.samples.recorded import DATA_DIR
from mastcache.emulator.sky.objects import NAMED_OBJECTS, RECORDED, find, normalize_name

# the recorded MAST sample, shipped with the emulator (copied from shared/mast-samples)
SAMPLE = DATA_DIR / "resolver.json"


def _resolver_sample() -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads(SAMPLE.read_text())["resolvedCoordinate"]
    return entries


def _separation_arcsec(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    cos = math.sin(d1) * math.sin(d2) + math.cos(d1) * math.cos(d2) * math.cos(r1 - r2)
    return math.degrees(math.acos(min(1.0, cos))) * 3600


def test_a_few_hundred_objects_with_unique_names() -> None:
    names = [obj.name for obj in NAMED_OBJECTS]
    assert len(names) >= 300
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("number", range(1, 111))
def test_every_messier_object_is_known_under_its_spellings(number: int) -> None:
    obj = find(f"M{number}")
    assert obj is not None
    assert find(f"messier {number}") is obj
    assert find(f"  m  {number} ") is obj


def test_lookup_ignores_case_whitespace_and_uses_aliases() -> None:
    andromeda = find("M 31")
    assert andromeda is not None
    assert find("NGC 224") is andromeda
    assert find("andromeda galaxy") is andromeda
    assert normalize_name("  M\t 31 ") == "m31"
    assert find("no such object anywhere") is None


@pytest.mark.parametrize(
    ("name", "ra", "dec"),
    [
        ("Vega", 279.23473, 38.78369),
        ("Betelgeuse", 88.79294, 7.40706),
        ("Polaris", 37.95454, 89.26411),
        ("Sirius", 101.28715, -16.71612),
        ("M31", 10.68471, 41.26875),
        ("Proxima Centauri", 217.42895, -62.67949),
    ],
)
def test_named_objects_sit_at_their_real_positions(name: str, ra: float, dec: float) -> None:
    obj = find(name)
    assert obj is not None
    assert _separation_arcsec(obj.ra, obj.dec, ra, dec) < 2.0


def test_recorded_resolver_answers_are_reproduced_exactly() -> None:
    for recorded in _resolver_sample():
        obj = find(str(recorded["searchString"]))
        assert obj is not None, recorded["searchString"]
        entry = obj.entry(str(recorded["resolver"]))
        assert entry is not None
        assert (entry.ra, entry.dec) == (recorded["ra"], recorded["decl"])
        assert entry.canonical_name == recorded["canonicalName"]


def test_resolvers_disagree_slightly_but_stay_close() -> None:
    """Synthesized NED positions sit within 3 arcsec of SIMBAD (recorded ones: up to 64)."""
    for obj in NAMED_OBJECTS:
        simbad, ned = obj.entry("SIMBAD"), obj.entry("NED")
        if simbad is None or ned is None:
            continue
        separation = _separation_arcsec(simbad.ra, simbad.dec, ned.ra, ned.dec)
        if obj.name in RECORDED:
            assert separation < 120.0
        else:
            assert 0.0 < separation < 3.0
        assert -90.0 <= ned.dec <= 90.0 and 0.0 <= ned.ra < 360.0


def test_catalog_ids_answer_with_their_catalog_first_within_an_arcsecond() -> None:
    catalog_objects = [o for o in NAMED_OBJECTS if o.name.split()[0] in ("TIC", "KIC", "EPIC")]
    assert {o.name.split()[0] for o in catalog_objects} == {"TIC", "KIC", "EPIC"}
    for obj in catalog_objects:
        first = obj.entries[0]
        assert first.resolver in ("TIC", "KEPLER", "K2")
        simbad = obj.entry("SIMBAD")
        assert simbad is not None
        assert _separation_arcsec(first.ra, first.dec, simbad.ra, simbad.dec) < 1.0
