"""Image cutouts: the deep fields Zcut cuts from and the HAP mosaics Hapcut cuts from.

Each field is a north-up TAN mosaic (centre, half-width and half-height in degrees, pixel
scale, filters). A cutout is an integer-pixel window of the mosaic around the position, so
its WCS keeps the mosaic's reference value with a shifted reference pixel, as astrocut's.
HAP mosaics lie around every named object of the emulator (and the fields below), so a name
that resolves also has Hubble data; elsewhere Hapcut finds nothing.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

import numpy as np

from mastcache.emulator.cutouts.images import celestial_wcs, star_field

if TYPE_CHECKING:
    from astropy.io import fits
    from astropy.wcs import WCS

__all__ = ["HAP_SCALE", "SURVEYS", "Field", "hap_fields_at", "image_cutout", "surveys_at"]

HAP_SCALE: Final = 0.12
HAP_RADIUS: Final = 0.1
HAP_FILTERS: Final = (
    ("WFC3", "UVIS", ("F275W", "F438W", "F606W", "F814W")),
    ("ACS", "WFC", ("F435W", "F606W", "F814W")),
    ("WFC3", "IR", ("F110W", "F160W")),
)


@dataclass(frozen=True)
class Field:
    """One mosaic: where it lies, its pixel scale (arcsec) and the filters it holds."""

    name: str
    ra: float
    dec: float
    half_width: float
    half_height: float
    scale: float
    instrument: str
    filters: tuple[str, ...]
    #: ``{filter}``-templated name of the mosaic file a cutout comes from.
    source: str

    def covers(self, ra: float, dec: float, radius: float = 0.0) -> bool:
        """Whether (ra, dec), or a circle of ``radius`` degrees around it, touches the field."""
        xi, eta = _tangent(ra, dec, self.ra, self.dec)
        return abs(xi) <= self.half_width + radius and abs(eta) <= self.half_height + radius


def _survey(name: str, centre: tuple[float, float], half: tuple[float, float], scale: float,
            instrument: str, filters: tuple[str, ...], source: str) -> Field:  # fmt: skip
    return Field(name, *centre, *half, scale, instrument, filters, source)


_GN, _GS = (189.228621, 62.238572), (53.122751, -27.805089)
_UDS, _EGS, _COSMOS = (34.406250, -5.200000), (214.825000, 52.825000), (150.116321, 2.200973)
_ACS, _IR = ("F606W", "F814W", "F850LP"), ("F105W", "F125W", "F160W")
_CANDELS = "hlsp_candels_hst_{inst}_{field}-tot-{mas}_{{filter}}_v1.0_drz.fits"
#: Zcut's surveys, in the order MAST lists them (the recorded GOODS-N answer first).
SURVEYS: Final = (
    _survey("candels_gn_60mas", _GN, (0.16, 0.13), 0.06, "WFC3", _IR,
            _CANDELS.format(inst="wfc3", field="gn", mas="60mas")),
    _survey("candels_gn_30mas", _GN, (0.15, 0.05), 0.03, "ACS", _ACS,
            _CANDELS.format(inst="acs", field="gn", mas="30mas")),
    _survey("goods_north", _GN, (0.17, 0.14), 0.03, "ACS", ("F435W", "F606W", "F775W", "F850LP"),
            "hlsp_goods_hst_acs_gn_{filter}_v2.0_drz.fits"),
    _survey("3dhst_goods-n", _GN, (0.10, 0.12), 0.06, "WFC3", ("F140W",),
            "hlsp_3dhst_hst_wfc3_goodsn_{filter}_v4.0_sci.fits"),
    _survey("candels_gs_60mas", _GS, (0.16, 0.14), 0.06, "WFC3", _IR,
            _CANDELS.format(inst="wfc3", field="gs", mas="60mas")),
    _survey("candels_gs_30mas", _GS, (0.16, 0.14), 0.03, "ACS", _ACS,
            _CANDELS.format(inst="acs", field="gs", mas="30mas")),
    _survey("goods_south", _GS, (0.17, 0.15), 0.03, "ACS", ("F435W", "F606W", "F775W", "F850LP"),
            "hlsp_goods_hst_acs_gs_{filter}_v2.0_drz.fits"),
    _survey("candels_uds_60mas", _UDS, (0.18, 0.10), 0.06, "WFC3", _IR,
            _CANDELS.format(inst="wfc3", field="uds", mas="60mas")),
    _survey("candels_uds_30mas", _UDS, (0.18, 0.10), 0.03, "ACS", _ACS,
            _CANDELS.format(inst="acs", field="uds", mas="30mas")),
    _survey("candels_egs_60mas", _EGS, (0.07, 0.26), 0.06, "WFC3", _IR,
            _CANDELS.format(inst="wfc3", field="egs", mas="60mas")),
    _survey("candels_cos_60mas", _COSMOS, (0.10, 0.18), 0.06, "WFC3", _IR,
            _CANDELS.format(inst="wfc3", field="cos", mas="60mas")),
)  # fmt: skip


def surveys_at(ra: float, dec: float, radius: float = 0.0) -> list[Field]:
    """The Zcut surveys covering (ra, dec) or touching the circle of ``radius`` degrees."""
    return [s for s in SURVEYS if s.covers(ra, dec, radius)]


def hap_fields_at(ra: float, dec: float) -> list[Field]:
    """The HAP mosaics holding (ra, dec)."""
    return [f for f in _hap_fields() if f.covers(ra, dec)]


@cache
def _hap_fields() -> tuple[Field, ...]:
    from mastcache.emulator.sky.objects import named_objects

    centres = {(round(o.ra, 6), round(o.dec, 6)) for o in named_objects()}
    centres |= {(351.347812, 28.497808)} | {(s.ra, s.dec) for s in SURVEYS}
    return tuple(_hap_field(ra, dec) for ra, dec in sorted(centres))


def _hap_field(ra: float, dec: float) -> Field:
    digest = hashlib.sha256(f"hap|{ra:.6f}|{dec:.6f}".encode()).digest()
    instrument, detector, filters = HAP_FILTERS[digest[0] % len(HAP_FILTERS)]
    chosen = tuple(f for i, f in enumerate(filters) if (digest[1] >> i) & 1) or filters[:1]
    number = int.from_bytes(digest[2:4], "big") % 10000
    cell = f"p{number:04d}x{digest[4] % 30:02d}y{digest[5] % 30:02d}"
    source = (
        f"hst_skycell-{cell}_{instrument.lower()}_{detector.lower()}_{{filter}}_coarse-all_drz.fits"
    )
    half = HAP_RADIUS
    return Field(f"hap_{cell}", ra, dec, half, half, HAP_SCALE, instrument, chosen, source)


def image_cutout(field: Field, ra: float, dec: float, nx: int, ny: int) -> list[fits.ImageHDU]:
    """One CUTOUT ImageHDU (float32, ny x nx) per filter of ``field`` around (ra, dec)."""
    mosaic = _mosaic_wcs(field)
    x, y = (float(v) for v in mosaic.all_world2pix([[ra, dec]], 0)[0])
    x0, y0 = round(x - (nx - 1) / 2.0), round(y - (ny - 1) / 2.0)
    wcs = mosaic.deepcopy()
    wcs.wcs.crpix = [mosaic.wcs.crpix[0] - x0, mosaic.wcs.crpix[1] - y0]
    return [_filter_hdu(field, f, wcs.to_header(), (x - x0, y - y0), nx, ny, ra, dec)
            for f in field.filters]  # fmt: skip


def _filter_hdu(field: Field, band: str, header: fits.Header, centre: tuple[float, float],
                nx: int, ny: int, ra: float, dec: float) -> fits.ImageHDU:  # fmt: skip
    from astropy.io import fits

    seed = f"{field.name}|{band}|{ra:.7f}|{dec:.7f}|{nx}x{ny}"
    data = star_field(seed, nx, ny, centre, sigma=2.0, level=0.02) / 50.0
    header["TELESCOP"] = ("HST", "telescope used to acquire data")
    header["INSTRUME"] = (field.instrument, "identifier for instrument used to acquire data")
    header["FILTER"] = (band, "element selected from filter wheel")
    header["ORIG_FLE"] = field.source.format(filter=band.lower())
    return fits.ImageHDU(data.astype(np.float32), header=header, name="CUTOUT")


def _mosaic_wcs(field: Field) -> WCS:
    scale = field.scale / 3600.0
    width = 2.0 * math.ceil(field.half_width / scale)
    height = 2.0 * math.ceil(field.half_height / scale)
    pc = np.array([[-scale, 0.0], [0.0, scale]])
    return celestial_wcs(field.ra, field.dec, (width / 2.0 + 0.5, height / 2.0 + 0.5), pc)


def primary_header(ra: float, dec: float, extra: dict[str, str] | None = None) -> fits.Header:
    """astrocut's fits_cut PRIMARY header (fixed date and version: no clock, no checksum)."""
    from astropy.io import fits

    header = fits.Header()
    header["ORIGIN"] = ("STScI/MAST", "institution responsible for creating this file")
    header["DATE"] = ("2020-12-01", "file creation date")
    header["PROCVER"] = ("0.6", "software version")
    header["RA_OBJ"] = (ra, "[deg] right ascension")
    header["DEC_OBJ"] = (dec, "[deg] declination")
    for key, value in (extra or {}).items():
        header[key] = value
    return header


def fits_bytes(hdus: list[fits.ImageHDU], ra: float, dec: float) -> bytes:
    """PRIMARY + ``hdus`` written to bytes."""
    from astropy.io import fits

    out = io.BytesIO()
    primary = fits.PrimaryHDU(header=primary_header(ra, dec))
    fits.HDUList([primary, *hdus]).writeto(out, output_verify="silentfix")
    return out.getvalue()


def _tangent(ra: float, dec: float, ra0: float, dec0: float) -> tuple[float, float]:
    """Gnomonic offsets (degrees) of (ra, dec) from (ra0, dec0); far side -> infinity."""
    a, d, a0, d0 = (math.radians(v) for v in (ra, dec, ra0, dec0))
    cos_c = math.sin(d0) * math.sin(d) + math.cos(d0) * math.cos(d) * math.cos(a - a0)
    if cos_c <= 0.0:
        return math.inf, math.inf
    xi = math.cos(d) * math.sin(a - a0) / cos_c
    eta = (math.cos(d0) * math.sin(d) - math.sin(d0) * math.cos(d) * math.cos(a - a0)) / cos_c
    return math.degrees(xi), math.degrees(eta)
