"""Pixels and pictures for the cutout services: seeded star fields, celestial WCS, and the
JPEG/PNG renderings Zcut returns for ``format=jpg|png`` (Pillow, imported on first use).

Everything derives from a seed string through sha256, so the same request gives the same
bytes on every machine and every run.
"""

from __future__ import annotations

import hashlib
import io
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from astropy.wcs import WCS

__all__ = ["celestial_wcs", "render_image", "seeded_rng", "star_field"]

FloatImage = npt.NDArray[np.float64]
FIELD_STARS: Final = 6


def seeded_rng(seed: str) -> np.random.Generator:
    """A numpy generator whose stream depends on ``seed`` alone."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "big"))


def star_field(
    seed: str, nx: int, ny: int, centre: tuple[float, float], *, sigma: float, level: float = 100.0
) -> FloatImage:
    """An (ny, nx) image: flat sky, a star at ``centre`` (0-based x, y) and a few others."""
    rng = seeded_rng(f"stars|{seed}")
    yy, xx = np.mgrid[0:ny, 0:nx].astype(np.float64)
    image = np.full((ny, nx), level)
    stars = [(centre[0], centre[1], 50.0 * level * (0.5 + rng.random()))]
    stars += [
        (rng.uniform(-0.5, nx - 0.5), rng.uniform(-0.5, ny - 0.5), 10.0 * level * rng.random())
        for _ in range(FIELD_STARS)
    ]
    for x, y, peak in stars:
        image += peak * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2.0 * sigma**2))
    return image


def celestial_wcs(
    ra: float, dec: float, crpix: tuple[float, float], pc: npt.NDArray[np.float64]
) -> WCS:
    """A TAN WCS with (ra, dec) at the 1-based pixel ``crpix``; ``pc`` is in degrees/pixel."""
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cunit = ["deg", "deg"]
    wcs.wcs.crval = [ra, dec]
    wcs.wcs.crpix = list(crpix)
    wcs.wcs.pc = pc
    wcs.wcs.cdelt = [1.0, 1.0]
    wcs.wcs.radesys = "ICRS"
    return wcs


def render_image(
    data: FloatImage, image_format: str, *, stretch: str = "asinh", invert: bool = False,
    minmax_percent: tuple[float, float] = (0.5, 99.5),
    minmax_value: tuple[float, float] | None = None,
) -> bytes:  # fmt: skip
    """``data`` scaled to 8 bits (astrocut's defaults: asinh, 0.5-99.5 percentiles, or the
    ``minmax_value`` range) as a JPEG or PNG, north up (FITS row 1 at the bottom)."""
    from PIL import Image

    low, high = minmax_value or tuple(np.nanpercentile(data, list(minmax_percent)))
    scaled = _stretched(_normalised(data, float(low), float(high)), stretch)
    pixels = np.round(255.0 * (1.0 - scaled if invert else scaled)).astype(np.uint8)
    picture = Image.fromarray(np.ascontiguousarray(pixels[::-1]), mode="L")
    out = io.BytesIO()
    if image_format == "jpg":
        picture.save(out, format="JPEG", quality=90, optimize=False)
    else:
        picture.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _normalised(data: FloatImage, low: float, high: float) -> FloatImage:
    span = high - low if high > low else 1.0
    result: FloatImage = np.clip((data - low) / span, 0.0, 1.0)
    return result


def _stretched(values: FloatImage, stretch: str) -> FloatImage:
    result: FloatImage = values
    if stretch == "asinh":
        result = np.arcsinh(10.0 * values) / np.arcsinh(10.0)
    elif stretch == "sinh":
        result = np.sinh(3.0 * values) / np.sinh(3.0)
    elif stretch == "sqrt":
        result = np.sqrt(values)
    elif stretch == "log":
        result = np.log10(1000.0 * values + 1.0) / np.log10(1001.0)
    return result
