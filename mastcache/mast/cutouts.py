"""MAST's cutout services as facts (MAST_PROTOCOL.md section 7): the largest cutout each of
TESScut, Zcut and HAPcut makes, TESS's pixel scale, and Zcut's picture formats and stretches.
The client checks requests against them and the bundled emulator enforces them (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["IMAGE_FORMATS", "LIMITS", "STRETCHES", "TESS_PIXEL_ARCSEC", "Limit"]

#: TESS's detector pixels are 21 arcsec on a side.
TESS_PIXEL_ARCSEC: Final = 21.0
#: Zcut's ``format`` values.
IMAGE_FORMATS: Final = ("fits", "jpg", "png")
#: ``stretch`` values astrocut's img_cut accepts.
STRETCHES: Final = ("asinh", "sinh", "sqrt", "log", "linear")


@dataclass(frozen=True)
class Limit:
    """The largest cutout a service makes: pixels per side, and the same as an angle."""

    max_pixels: int
    max_degrees: float


#: Per service: a bigger request is refused (HTTP 400).
LIMITS: Final = {
    "tesscut": Limit(100, 100 * TESS_PIXEL_ARCSEC / 3600.0),
    "zcut": Limit(2000, 60.0 / 3600.0),
    "hapcut": Limit(1000, 120.0 / 3600.0),
}
