"""The files inside Zcut and HAPcut zips, named as astrocut names them.

Zcut FITS: one file per survey (PRIMARY + one CUTOUT per filter). Zcut JPEG/PNG: one picture
per survey and filter, shaped by ``stretch``, ``minmax_percent``, ``minmax_value`` and
``invert``. HAPcut: one FITS per mosaic and filter. HAPcut's image has ``x`` rows and ``y``
columns: a quirk of the live service that astroquery's own remote tests pin down
(``size=[2, 3]`` gives data of shape (3, 2)).
"""

from __future__ import annotations

from typing import Final

from mastcache.emulator.cutouts.fields import HAP_SCALE, Field, fits_bytes, image_cutout
from mastcache.emulator.cutouts.images import render_image
from mastcache.emulator.cutouts.wire import BadCutoutRequest, CutoutSize, Params, first
from mastcache.mast.cutouts import STRETCHES

__all__ = ["hap_members", "zcut_members"]

Members = list[tuple[str, bytes]]
TRUE_WORDS: Final = ("true", "1", "yes", "t")


def zcut_members(
    fields: list[Field], ra: float, dec: float, size: CutoutSize, image_format: str, params: Params
) -> Members:
    """The zip members of one Zcut request over the covering ``fields``."""
    if image_format == "fits":
        return [_zcut_fits(field, ra, dec, size) for field in fields]
    options = _image_options(params)
    return [member for field in fields for member in _pictures(field, ra, dec, size, image_format,
                                                              options)]  # fmt: skip


def hap_members(fields: list[Field], ra: float, dec: float, size: CutoutSize) -> Members:
    """One FITS per mosaic and filter; rows come from ``x`` and columns from ``y``."""
    x_pixels, y_pixels = size.pixels(HAP_SCALE)
    members = []
    for field in fields:
        for hdu in image_cutout(field, ra, dec, y_pixels, x_pixels):
            name = _hap_name(field, str(hdu.header["FILTER"]), ra, dec)
            members.append((name, fits_bytes([hdu], ra, dec)))
    return members


def _size_label(size: CutoutSize) -> str:
    unit = "pix" if size.units == "px" else "d"
    return f"{size.x:.1f}{unit}-x-{size.y:.1f}{unit}" if unit == "pix" else (
        f"{size.x:g}{unit}-x-{size.y:g}{unit}"
    )  # fmt: skip


def _zcut_fits(field: Field, ra: float, dec: float, size: CutoutSize) -> tuple[str, bytes]:
    nx, ny = size.pixels(field.scale)
    name = f"{field.name}_{ra:.6f}_{dec:.6f}_{_size_label(size)}_astrocut.fits"
    return name, fits_bytes(image_cutout(field, ra, dec, nx, ny), ra, dec)


def _pictures(
    field: Field, ra: float, dec: float, size: CutoutSize, image_format: str,
    options: dict[str, object],
) -> Members:  # fmt: skip
    nx, ny = size.pixels(field.scale)
    members = []
    for hdu in image_cutout(field, ra, dec, nx, ny):
        source = str(hdu.header["ORIG_FLE"]).removesuffix(".fits")
        name = f"{source}_{ra:.6f}_{dec:.6f}_{_size_label(size)}_astrocut.{image_format}"
        members.append((name, render_image(hdu.data, image_format, **options)))  # type: ignore[arg-type]
    return members


def _image_options(params: Params) -> dict[str, object]:
    stretch = first(params, "stretch", "asinh").lower()
    if stretch not in STRETCHES:
        raise BadCutoutRequest(
            f"stretch={stretch!r} is not valid; use one of {', '.join(STRETCHES)}."
        )
    options: dict[str, object] = {
        "stretch": stretch,
        "invert": first(params, "invert", "false").strip().lower() in TRUE_WORDS,
    }
    if params.get("minmax_percent"):
        options["minmax_percent"] = _pair(params, "minmax_percent")
    if params.get("minmax_value"):
        options["minmax_value"] = _pair(params, "minmax_value")
    return options


def _pair(params: Params, name: str) -> tuple[float, float]:
    text = first(params, name).strip().strip("[]()")
    parts = [p for p in text.split(",") if p.strip()]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise BadCutoutRequest(
            f"{name}={text!r} is not a pair of numbers like [0.5, 99.5]."
        ) from None
    if not low < high:
        raise BadCutoutRequest(f"{name}={text!r}: the first number must be below the second.")
    return low, high


def _hap_name(field: Field, band: str, ra: float, dec: float) -> str:
    source = field.source.format(filter=band.lower()).removesuffix("_drz.fits")
    where = f"ra{ra:.6f}-dec{dec:.6f}"
    return f"{source.replace('hst_skycell', 'hst_cutout_skycell')}_{where}_drz.fits"
