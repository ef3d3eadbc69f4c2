"""An all-sky map of a coverage: Mollweide, RA increasing to the left, one colour per collection.

Footprints of a few arcminutes vanish on a whole-sky picture, so each collection's MOC is
drawn at a coarse HEALPix order (cells of about a degree): a cell is coloured when any
cached footprint touches it. The map says so in its footnote.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mastcache.errors import ConfigurationError
from mastcache.skycoverage.extras import require
from mastcache.store.files import export_atomic

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from mastcache.skycoverage.api import CacheCoverage

__all__ = [
    "BACKGROUND",
    "DISPLAY_ORDER",
    "IMAGE_FORMATS",
    "PALETTE",
    "draw_map",
    "image_format",
    "save_map",
    "sky_to_axes",
]

#: HEALPix order of the drawn cells: about 0.92 degrees.
DISPLAY_ORDER = 6
#: Colours of the collections, largest collection first (colour-blind safe, Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#332288", "#999999", "#882255")  # fmt: skip
BACKGROUND = "#ffffff"
#: Sampling grid of the sky (cells per degree).
_SAMPLES_PER_DEGREE = 2


def sky_to_axes(ra: Any, dec: Any) -> tuple[Any, Any]:
    """Mollweide axes coordinates (radians) of ``ra``/``dec`` degrees: RA 180 in the middle,
    RA growing to the left, as on the sky seen from inside."""
    x = np.radians(180.0 - np.mod(np.asarray(ra, dtype=float), 360.0))
    return x, np.radians(np.asarray(dec, dtype=float))


def draw_map(
    coverage: CacheCoverage,
    *,
    title: str | None = None,
    display_order: int = DISPLAY_ORDER,
    width: float = 12.0,
    dpi: int = 100,
) -> Figure:
    """The map of ``coverage`` as a matplotlib Figure (no pyplot state is touched)."""
    require("matplotlib")
    figure: Figure = _figure_class()(figsize=(width, width * 0.56), dpi=dpi, facecolor="white")
    axes = figure.add_axes((0.03, 0.12, 0.76, 0.78), projection="mollweide")
    axes.set_facecolor(BACKGROUND)
    _draw_cells(axes, coverage, display_order)
    _draw_targets(axes, coverage)
    _decorate(axes, figure, coverage, title, display_order)
    return figure


def _figure_class() -> Any:
    """matplotlib's Figure, shown as a PNG by Jupyter even when pyplot was never imported."""
    from matplotlib.figure import Figure

    class CoverageFigure(Figure):
        def _repr_png_(self) -> bytes:
            import io

            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

    return CoverageFigure


def _draw_cells(axes: Any, coverage: CacheCoverage, order: int) -> None:
    from matplotlib.colors import ListedColormap

    ncols, nrows = 360 * _SAMPLES_PER_DEGREE, 180 * _SAMPLES_PER_DEGREE
    x_edges = np.linspace(-math.pi, math.pi, ncols + 1)
    y_edges = np.linspace(-math.pi / 2, math.pi / 2, nrows + 1)
    ra = 180.0 - np.degrees((x_edges[:-1] + x_edges[1:]) / 2)
    dec = np.degrees((y_edges[:-1] + y_edges[1:]) / 2)
    grid_ra, grid_dec = np.meshgrid(np.mod(ra, 360.0), dec)
    index = np.full(grid_ra.shape, -1, dtype=int)
    for i, collection in enumerate(coverage.collections[: len(PALETTE)]):
        shown = collection.moc.degrade_to_order(min(order, coverage.order))
        inside = _contains(shown, grid_ra, grid_dec)
        index[inside & (index < 0)] = i  # larger collections first, never overdrawn
    masked = np.ma.masked_less(index, 0)
    colours = ListedColormap(list(PALETTE[: max(1, len(coverage.collections))]))
    axes.pcolormesh(x_edges, y_edges, masked, cmap=colours, vmin=-0.5,
                    vmax=colours.N - 0.5, shading="flat", rasterized=True)  # fmt: skip


def _contains(moc: Any, ra: Any, dec: Any) -> Any:
    import astropy.units as u

    flat = moc.contains_lonlat(ra.ravel() * u.deg, dec.ravel() * u.deg)
    return np.asarray(flat, dtype=bool).reshape(ra.shape)


def _draw_targets(axes: Any, coverage: CacheCoverage) -> None:
    if not coverage.targets:
        return
    ra = [t.ra for t in coverage.targets]
    dec = [t.dec for t in coverage.targets]
    x, y = sky_to_axes(ra, dec)
    axes.scatter(x, y, s=90, marker="o", facecolors="none", edgecolors="#222222",
                 linewidths=1.2, zorder=3, label="cached targets")  # fmt: skip
    for target, tx, ty in zip(coverage.targets, x, y, strict=True):
        axes.annotate(target.name, (tx, ty), xytext=(6, 5), textcoords="offset points",
                      fontsize=8, color="#222222", zorder=4)  # fmt: skip


def _decorate(
    axes: Any, figure: Any, coverage: CacheCoverage, title: str | None, order: int
) -> None:
    from matplotlib.patches import Patch

    ticks = np.arange(30, 360, 30)
    axes.set_xticks(sky_to_axes(ticks, 0)[0])
    axes.set_xticklabels([f"{t}°" for t in ticks], fontsize=8, color="#555555")
    axes.tick_params(axis="y", labelsize=8, labelcolor="#555555")
    axes.grid(True, color="#cccccc", linewidth=0.5)
    handles = [Patch(facecolor=PALETTE[i], label=f"{c.name}  ({c.observations} obs.)")
               for i, c in enumerate(coverage.collections[: len(PALETTE)])]  # fmt: skip
    hidden = len(coverage.collections) - len(PALETTE)
    if hidden > 0:
        handles.append(Patch(facecolor="none", edgecolor="none", label=f"+{hidden} more"))
    if coverage.targets:
        handles.append(_target_handle())
    figure.legend(handles=handles, loc="center left", bbox_to_anchor=(0.8, 0.5),
                  frameon=False, fontsize=9, title="collection")  # fmt: skip
    axes.set_title(title or _default_title(coverage), fontsize=12, pad=14)
    figure.text(0.03, 0.04, _footnote(coverage, order), fontsize=8, color="#555555")


def _target_handle() -> Any:
    from matplotlib.lines import Line2D

    return Line2D([], [], marker="o", linestyle="none", markerfacecolor="none",
                  markeredgecolor="#222222", label="cached targets")  # fmt: skip


def _default_title(coverage: CacheCoverage) -> str:
    return (
        f"mastcache: {coverage.observations} cached observations, "
        f"{coverage.products} products, {coverage.square_degrees:.3g} deg² of sky"
    )


def _footnote(coverage: CacheCoverage, order: int) -> str:
    shown = min(order, coverage.order)
    size = math.degrees(math.sqrt(4 * math.pi / (12 * 4**shown)))
    text = (
        f"Cells of HEALPix order {shown} (~{size:.2g}°) touched by a cached footprint; "
        f"sky fraction at order {coverage.order}: {coverage.sky_fraction:.3g}. RA grows left."
    )
    if coverage.selection.where:
        text += f"  where: {coverage.selection.where}"
    return text


#: Image formats ``save_map`` writes, by file suffix.
IMAGE_FORMATS = ("png", "svg", "pdf")


def save_map(coverage: CacheCoverage, path: str, **options: Any) -> Path:
    """Draw ``coverage`` and write it to ``path`` (format from the suffix), atomically."""
    target = Path(path)
    fmt = image_format(path)
    figure = draw_map(coverage, **options)
    return export_atomic(
        target, lambda temp: figure.savefig(temp, format=fmt, metadata=_metadata(fmt))
    )


def image_format(path: str) -> str:
    """The image format ``path``'s suffix names (png, svg, pdf), else ConfigurationError."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in IMAGE_FORMATS:
        raise ConfigurationError(
            f"cannot tell the image format of {path!r}: name it .png, .svg or .pdf"
        )
    return fmt


def _metadata(fmt: str) -> dict[str, Any]:
    # no creation date: the same cache draws the same bytes
    return {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
