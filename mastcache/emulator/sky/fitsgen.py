"""Product files the emulator serves: small, real, deterministic FITS (and a few other types).

Kepler, K2 and TESS light curves and target pixel files (their real file-name patterns) are
built by :mod:`.mission_fits` in the missions' own format, so lightkurve can read them.

Every byte depends on the URI alone (no dates, no checksums), and ``product_size`` predicts
the length without writing anything, so a product list and a HEAD can quote sizes cheaply.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from functools import cache, lru_cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from astropy.io import fits

__all__ = ["product_bytes", "product_size"]

BLOCK = 2880
IMAGE_WIDTH = 32
TABLE_SUFFIXES = ("_lc.fits", "_llc.fits", "_dvt.fits", "-mcat.fits", "_x1d.fits", "_mxlo.fits")
TABLE_COLUMNS = ("TIME", "FLUX", "FLUX_ERR")


def _digest(uri: str) -> bytes:
    return hashlib.sha256(uri.encode("utf-8")).digest()


def _mission_name(uri: str) -> str | None:
    """The file name of a Kepler/K2/TESS mission product (served as the archive's format)."""
    from mastcache.emulator.sky.mission_fits import mission_file  # lazy: astropy.io.fits

    name = PurePosixPath(uri.split("?")[0]).name
    return name if mission_file(name) is not None else None


def _is_fits(uri: str) -> bool:
    return uri.lower().split("?")[0].endswith((".fits", ".fit", ".fts"))


def _is_table(uri: str) -> bool:
    return uri.lower().split("?")[0].endswith(TABLE_SUFFIXES)


def _length(uri: str) -> int:
    """Image rows or table rows: 16 to 1039, varying by URI."""
    return 16 + int.from_bytes(_digest(uri)[:2], "big") % 1024


def _padded(nbytes: int) -> int:
    return -(-nbytes // BLOCK) * BLOCK


def _label(value: str) -> str:
    """A header string that always fits one card (no CONTINUE cards, so sizes are fixed)."""
    return value.encode("ascii", "replace").decode("ascii").replace("'", "_")[-60:]


def _mission(uri: str) -> str:
    head = uri.split(":", 1)[-1]
    return _label(head.split("/", 1)[0].upper() or "UNKNOWN")


def _row_bytes(is_table: bool) -> int:
    return 8 * len(TABLE_COLUMNS) if is_table else IMAGE_WIDTH * 4


def _rows(uri: str, min_bytes: int) -> int:
    """Rows of the data HDU: the URI's own count, or more to reach ``min_bytes``."""
    is_table = _is_table(uri)
    needed = -(-(min_bytes - _header_bytes(is_table)) // _row_bytes(is_table))
    return max(_length(uri), needed)


def product_size(uri: str, min_bytes: int = 0) -> int:
    """The exact number of bytes ``product_bytes(uri, min_bytes)`` returns, without writing.

    ``min_bytes`` (the emulator's ``product_bytes`` knob) grows FITS files to at least that.
    """
    if not _is_fits(uri) or _mission_name(uri):
        return len(product_bytes(uri))
    is_table = _is_table(uri)
    return _header_bytes(is_table) + _padded(_rows(uri, min_bytes) * _row_bytes(is_table))


@cache
def _header_bytes(is_table: bool) -> int:
    """Header blocks of both HDUs: the card count is fixed, so one template measures all."""
    hdus = _hdus("mast:TEMPLATE/product/template.fits", is_table, rows=1)
    return sum(len(str(hdu.header.tostring())) for hdu in hdus)


@lru_cache(maxsize=64)
def product_bytes(uri: str, min_bytes: int = 0) -> bytes:
    """The file served for ``uri``: a FITS file for FITS names (at least ``min_bytes``),
    else a small typed stand-in."""
    mission = _mission_name(uri)
    if mission:
        from mastcache.emulator.sky.mission_fits import mission_fits_bytes  # lazy: astropy

        return mission_fits_bytes(mission) or b""
    if not _is_fits(uri):
        return _other_bytes(uri)
    buffer = io.BytesIO()
    _hdus(uri, _is_table(uri), _rows(uri, min_bytes)).writeto(buffer, output_verify="exception")
    return buffer.getvalue()


def _hdus(uri: str, is_table: bool, rows: int) -> fits.HDUList:
    from astropy.io import fits  # lazy: astropy.io.fits is slow to import

    primary = fits.PrimaryHDU(header=_primary_header(uri))
    rng = np.random.default_rng(int.from_bytes(_digest(uri)[:8], "big"))
    drawn = min(rows, _length(uri))  # rows beyond the URI's own count repeat (cheap, big files)
    extension = _table_hdu(rng, rows, drawn) if is_table else _image_hdu(rng, rows, drawn)
    return fits.HDUList([primary, extension])


def _primary_header(uri: str) -> fits.Header:
    from astropy.io import fits

    header = fits.Header()
    header["ORIGIN"] = ("mastcache emulator", "synthetic product, not real data")
    header["TELESCOP"] = (_mission(uri), "mission of the product URI")
    header["FILENAME"] = _label(PurePosixPath(uri.split("?")[0]).name)
    header["URIHASH"] = (_digest(uri).hex()[:16], "sha256 prefix of the product URI")
    return header


def _image_hdu(rng: np.random.Generator, rows: int, drawn: int) -> fits.ImageHDU:
    from astropy.io import fits

    data = rng.normal(100.0, 10.0, size=(drawn, IMAGE_WIDTH)).astype(">f4")
    data = np.resize(data, (rows, IMAGE_WIDTH))
    hdu = fits.ImageHDU(data=data, name="SCI")
    hdu.header["BUNIT"] = ("ELECTRONS/S", "brightness unit")
    return hdu


def _table_hdu(rng: np.random.Generator, rows: int, drawn: int) -> fits.BinTableHDU:
    from astropy.io import fits

    time = np.arange(rows, dtype=">f8") * (2.0 / 1440.0) + 1325.0
    flux = np.resize(rng.normal(1.0, 0.001, size=drawn).astype(">f8"), rows)
    error = np.full(rows, 0.001, dtype=">f8")
    columns = [
        fits.Column(name=n, format="D", array=a)
        for n, a in zip(TABLE_COLUMNS, (time, flux, error), strict=True)
    ]
    return fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE")


def _other_bytes(uri: str) -> bytes:
    suffix = PurePosixPath(uri.split("?")[0]).suffix.lower()
    digest = _digest(uri)
    if suffix == ".png":
        return _png(digest)
    if suffix in (".jpg", ".jpeg"):
        return _jpeg_like(digest)
    return _text(uri, suffix, digest).encode("utf-8")


def _png(digest: bytes) -> bytes:
    """A valid 16x16 greyscale PNG whose pixels come from the URI hash."""
    rows = b"".join(b"\x00" + bytes(digest[(y + x) % 32] for x in range(16)) for y in range(16))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (16).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + (chunk(b"IEND", b""))
    )


def _jpeg_like(digest: bytes) -> bytes:
    """JPEG markers around URI-derived filler: right magic bytes, not a decodable picture."""
    filler = (digest * (8 + digest[0] % 24)).replace(b"\xff", b"\xfe")
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + filler
        + (b"\xff\xd9")
    )


def _text(uri: str, suffix: str, digest: bytes) -> str:
    if suffix == ".xml":
        return f'<?xml version="1.0"?>\n<product uri="{_xml_escape(uri)}" sha="{digest.hex()}"/>\n'
    if suffix == ".ecsv":
        rows = "".join(f"{i} {b / 255:.6f}\n" for i, b in enumerate(digest[:8]))
        header = "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: index, datatype: int64}\n"
        return header + "# - {name: value, datatype: float64}\nindex value\n" + rows
    return f"mastcache emulator product\nuri: {uri}\nsha256: {digest.hex()}\n"


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
