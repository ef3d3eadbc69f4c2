"""The map of the demo cache: pixels at cached footprints carry a collection's colour, empty
sky none; legend and targets are drawn. Real demo cache, real matplotlib, real PNG."""

from __future__ import annotations

import io
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from PIL import Image

from mastcache.demo import run_demo
from mastcache.settings import Settings
from mastcache.skycoverage import CacheCoverage, coverage
from mastcache.skycoverage.skymap import DISPLAY_ORDER, PALETTE, draw_map, sky_to_axes
from mastcache.sqlview import sql


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    cache_dir: Path = tmp_path_factory.mktemp("demo") / "cache"
    run_demo(cache_dir, latency_ms=0)
    return Settings.from_env({}, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def demo_coverage(demo_settings: Settings) -> CacheCoverage:
    return coverage(settings=demo_settings)


def render(result: CacheCoverage) -> tuple[object, np.ndarray]:
    figure = draw_map(result)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    return figure, np.asarray(Image.open(buffer).convert("RGB"), dtype=int)


def pixel_of(figure: object, ra: float, dec: float, height: int) -> tuple[int, int]:
    axes = figure.axes[0]  # type: ignore[attr-defined]
    x, y = axes.transData.transform(np.column_stack(sky_to_axes(ra, dec)))[0]
    return round(float(height - y)), round(float(x))


def palette_near(image: np.ndarray, row: int, col: int) -> bool:
    """Whether a pixel of the 3x3 block at (row, col) has one of the collection colours."""
    block = image[row - 1 : row + 2, col - 1 : col + 2].reshape(-1, 3)
    colours = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in PALETTE])
    distance = np.abs(block[:, None, :] - colours[None, :, :]).sum(axis=2)
    return bool((distance < 40).any())


def test_footprints_coloured_and_empty_sky_blank(
    demo_settings: Settings, demo_coverage: CacheCoverage
) -> None:
    assert demo_coverage.observations > 100 and len(demo_coverage.collections) >= 3
    figure, image = render(demo_coverage)
    height = image.shape[0]
    rows = sql(
        "SELECT s_ra, s_dec FROM observations WHERE s_ra IS NOT NULL ORDER BY obsid LIMIT 60",
        settings=demo_settings,
    )
    for ra, dec in zip(rows["s_ra"], rows["s_dec"], strict=True):
        assert palette_near(image, *pixel_of(figure, ra, dec, height)), (ra, dec)
    shown = demo_coverage.moc.degrade_to_order(DISPLAY_ORDER)
    empty = 0
    for ra in range(5, 360, 20):
        for dec in range(-65, 70, 20):
            steps = np.linspace(-1.5, 1.5, 13)  # finer than a drawn cell (0.92 degrees)
            lon, lat = (a.ravel() for a in np.meshgrid(ra + steps, dec + steps))
            if shown.contains_lonlat(lon * u.deg, lat * u.deg).any():
                continue
            empty += 1
            assert not palette_near(image, *pixel_of(figure, ra, dec, height)), (ra, dec)
    assert empty > 100  # most of the sky is empty, and was checked


def test_legend_counts_targets_and_title(demo_coverage: CacheCoverage) -> None:
    figure = draw_map(demo_coverage)
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    for collection in demo_coverage.collections:
        assert f"{collection.name}  ({collection.observations} obs.)" in texts
    assert "cached targets" in texts
    labels = {t.get_text() for t in figure.axes[0].texts}
    assert {"M 101", "NGC 1300"} <= {" ".join(label.split()) for label in labels}
    assert f"{demo_coverage.observations} cached observations" in figure.axes[0].get_title()


def test_where_narrows_the_map(demo_settings: Settings) -> None:
    narrowed = coverage("obs_collection = 'JWST'", settings=demo_settings)
    figure = draw_map(narrowed)
    texts = [t.get_text() for t in figure.legends[0].get_texts()]
    assert [t for t in texts if "obs." in t] == [f"JWST  ({narrowed.observations} obs.)"]
