"""The synthetic sky: deterministic, complete columns, real cones, products, lazy scale rows."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pytest

from mastcache.emulator.sky import fitsgen
from mastcache.emulator.sky.columns import OBSERVATION_FIELDS, PRODUCT_COLUMNS
from mastcache.emulator.sky.geometry import CIRCLE, separation_deg
from mastcache.emulator.sky.objects import NAMED_OBJECTS, find
from mastcache.emulator.sky.observations import Sky, build_sky, sky_for_seed
from mastcache.emulator.sky.products import MRP, products_for
from mastcache.emulator.sky.scale import SCALE_OBSID_BASE, Cone, ScaleRows, scale_observation

SEED = 7
PYTHON_TYPES = {"string": str, "float": float, "int": int, "boolean": bool}
OBS_ID_FORMATS = {
    "HST": r"[IJOLU][0-9A-Z]{3}\d{2}[0-9A-Z]{2}[QMT0]",
    "HLA": r"hst_\d+_\d{2}_[a-z0-9_]+_[a-z0-9]+",
    "JWST": r"jw\d{5}-o\d{3}_t\d{3}_[a-z]+_clear-[a-z0-9-]+",
    "TESS": r"tess\d{13}-s\d{4}-\d{16}-\d{4}-s",
    "Kepler": r"kplr\d{9}_lc_Q[01]{18}",  # MAST's quarter map, Q0..Q17 (#17)
    "K2": r"ktwo\d{9}-c\d{2}_lc",
    "GALEX": r"\d{19}",
    "PS1": r"rings\.v3\.skycell\.\d{4}\.\d{3}\.stk\.[grizy]",
    "SWIFT": r"\d{11}",
    "IUE": r"(swp|lwp|lwr)\d{5}",
    "FUSE": r"[A-Z]\d{7}000",
}


@pytest.fixture(scope="module")
def sky() -> Sky:
    return sky_for_seed(SEED)


def test_sky_is_deterministic_per_seed(sky: Sky) -> None:
    some = NAMED_OBJECTS[:20]
    first = build_sky(SEED, some)
    assert build_sky(SEED, some).rows == first.rows
    assert build_sky(SEED + 1, some).rows != first.rows
    assert sky_for_seed(SEED) is sky


def test_sky_has_thousands_of_observations_across_missions(sky: Sky) -> None:
    missions = Counter(row[1] for row in sky.rows)
    assert len(sky) > 5000
    assert set(OBS_ID_FORMATS) <= set(missions)


def test_every_column_has_its_declared_type(sky: Sky) -> None:
    for row in sky.rows[::37]:
        for (name, kind), value in zip(OBSERVATION_FIELDS, row, strict=True):
            expected = int if name in {"obsid", "objID"} else PYTHON_TYPES[kind]  # as MAST sends
            assert value is None or isinstance(value, expected), (name, value)
    nulls = {
        name
        for i, (name, _) in enumerate(OBSERVATION_FIELDS)
        if any(r[i] is None for r in sky.rows)
    }
    assert {"proposal_pi", "dataURL", "jpegURL", "srcDen"} <= nulls
    assert "obs_id" not in nulls


def test_obs_ids_follow_each_mission_format(sky: Sky) -> None:
    for i in range(0, len(sky), 11):
        row = sky.row(i)
        assert re.fullmatch(OBS_ID_FORMATS[row["obs_collection"]], row["obs_id"]), row["obs_id"]


def test_values_are_realistic(sky: Sky) -> None:
    for i in range(0, len(sky), 13):
        row = sky.row(i)
        assert 40000 < row["t_min"] <= row["t_max"] < row["t_obs_release"]
        assert 0 < row["em_min"] < row["em_max"]
        assert row["s_region"].startswith(("POLYGON ICRS ", "CIRCLE ICRS "))
        assert row["calib_level"] in {1, 2, 3}
        assert row["dataRights"] in {"PUBLIC", "EXCLUSIVE_ACCESS"}


def test_named_objects_have_observations_at_their_real_position(sky: Sky) -> None:
    m101 = find("M101")
    assert m101 is not None and math.isclose(m101.ra, 210.8, abs_tol=0.01)
    matches = sky.cone(m101.ra, m101.dec, 0.05)
    names = {sky.row(m.index)["target_name"] for m in matches}
    assert names & {"M 101", "M-101"}


@pytest.mark.parametrize(
    ("ra", "dec", "radius"),
    [
        (210.80227, 54.34895, 0.3),
        (0.4, -0.3, 8.0),
        (359.9, 10.0, 2.0),
        (12.0, 89.5, 1.0),
        (83.6324, 22.0174, 0.1),
    ],
)
def test_cone_finds_exactly_the_footprints_within_radius(
    sky: Sky, ra: float, dec: float, radius: float
) -> None:
    found = {m.index: m.distance for m in sky.cone(ra, dec, radius)}
    sep = separation_deg(ra, dec, sky.ra, sky.dec)
    circle = sky.kind == CIRCLE
    # circles: exact; squares: the inscribed circle must hit, the circumscribed one must miss
    must = np.where(circle, sep - sky.size, sep - sky.size) <= radius
    may = np.where(circle, sep - sky.size, sep - sky.size * math.sqrt(2)) <= radius + 1e-9
    assert {int(i) for i in np.nonzero(must)[0]} <= set(found)
    assert set(found) <= {int(i) for i in np.nonzero(may)[0]}
    assert found
    for row_number, distance in found.items():
        assert 0.0 <= distance <= radius * 3600 + 1e-6
        assert distance <= sep[row_number] * 3600 + 1e-6
        assert distance == 0.0 or sep[row_number] > sky.size[row_number]


def test_cone_order_is_by_distance_then_obsid(sky: Sky) -> None:
    matches = sky.cone(210.80227, 54.34895, 1.0)
    keys = [(m.distance, sky.row(m.index)["obsid"]) for m in matches]
    assert keys == sorted(keys) and len(keys) > 10


def test_products_belong_to_their_observation(sky: Sky) -> None:
    for i in range(0, len(sky), 401):
        obs = sky.row(i)
        products = products_for(obs)
        assert products and all(list(p) == list(PRODUCT_COLUMNS) for p in products)
        assert any(p["productGroupDescription"] == MRP for p in products)
        for product in products:
            uri = product["dataURI"]
            assert (
                uri == f"mast:{obs['obs_collection'].upper()}/product/{product['productFilename']}"
            )
            assert product["obsID"] == product["parent_obsid"] == obs["obsid"]
            assert product["productType"] in {"SCIENCE", "AUXILIARY", "PREVIEW"}
            assert product["size"] == fitsgen.product_size(uri)
        if obs["dataURL"] is not None:
            assert obs["dataURL"] in {p["dataURI"] for p in products}


def test_find_by_obsid(sky: Sky) -> None:
    row = sky.row(100)
    assert sky.find(row["obsid"]) == row
    assert sky.find(1) is None


def test_scale_rows_lie_inside_the_cone_and_are_reproducible() -> None:
    cone = Cone(150.0, 2.2, 0.5)
    scale = ScaleRows(SEED, 5000, cone)
    rows = list(scale.rows(0, 1200))
    assert len(rows) == 1200
    centres = separation_deg(
        cone.ra, cone.dec, np.array([r["s_ra"] for r in rows]), np.array([r["s_dec"] for r in rows])
    )
    assert (centres <= cone.radius).all()
    assert all(0 <= r["distance"] <= cone.radius * 3600 for r in rows)
    assert list(scale.rows(1100, 1200)) == rows[1100:]
    assert len({r["obsid"] for r in rows}) == 1200


def test_scale_rows_stop_at_count_and_have_products() -> None:
    scale = ScaleRows(SEED, 30, None)
    rows = list(scale.rows(25, 100))
    assert [r["obsid"] for r in rows] == [SCALE_OBSID_BASE + i for i in range(25, 30)]
    obs = scale_observation(SEED, SCALE_OBSID_BASE + 27, 30)
    assert obs is not None and obs["obs_id"] == rows[2]["obs_id"]
    assert products_for(obs)
    assert scale_observation(SEED, SCALE_OBSID_BASE + 30, 30) is None


@pytest.fixture(scope="module")
def scaled() -> list[dict[str, object]]:
    return list(ScaleRows(SEED, 100_000, Cone(10.0, -30.0, 2.0)).rows(40_000, 43_000))


def test_scale_rows_do_not_depend_on_batch_boundaries(scaled: list[dict[str, object]]) -> None:
    scale = ScaleRows(SEED, 100_000, Cone(10.0, -30.0, 2.0))
    assert list(scale.rows(40_123, 41_777)) == scaled[123:1777]
    assert next(scale.rows(42_999, 50_000)) == scaled[-1]
    other = list(ScaleRows(SEED + 1, 100_000, Cone(10.0, -30.0, 2.0)).rows(40_000, 40_050))
    assert [r["obs_id"] for r in other] != [r["obs_id"] for r in scaled[:50]]


def test_scale_rows_have_every_column_with_its_declared_type(
    scaled: list[dict[str, object]],
) -> None:
    for row in scaled:
        assert list(row) == [name for name, _ in OBSERVATION_FIELDS] + ["distance"]
        for name, kind in OBSERVATION_FIELDS:
            expected = int if name in {"obsid", "objID"} else PYTHON_TYPES[kind]
            value = row[name]
            assert value is None or type(value) is expected, (name, value)
    missions = Counter(str(r["obs_collection"]) for r in scaled)
    assert set(missions) == {"HST", "HLA", "JWST", "TESS", "GALEX", "PS1", "SWIFT", "IUE", "FUSE"}


def test_scale_rows_follow_mission_formats_and_value_ranges(
    scaled: list[dict[str, object]],
) -> None:
    for row in scaled:
        assert re.fullmatch(OBS_ID_FORMATS[str(row["obs_collection"])], str(row["obs_id"]))
        t_min, t_max = float(row["t_min"]), float(row["t_max"])  # type: ignore[arg-type]
        assert 40000 < t_min <= t_max < float(row["t_obs_release"])  # type: ignore[arg-type]
        assert str(row["s_region"]).startswith(("POLYGON ICRS ", "CIRCLE ICRS "))
        assert row["dataRights"] in {"PUBLIC", "EXCLUSIVE_ACCESS"}
        assert row["target_classification"] is None
        if row["obs_collection"] == "TESS":
            assert row["proposal_pi"] == "Ricker, George" and row["sequence_number"]
        if row["obs_collection"] in {"GALEX", "PS1"}:
            assert row["proposal_id"] is None and row["obs_title"] is None
    assert len({r["obs_id"] for r in scaled}) > 0.99 * len(scaled)
    assert any(r["jpegURL"] for r in scaled) and any(r["dataURL"] for r in scaled)
