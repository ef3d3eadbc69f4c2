"""The cutout services: TESScut (sectors and target pixel files, by position or moving
target), Zcut (deep-field surveys; FITS, JPEG or PNG cutouts) and HAPcut (Hubble mosaics).

``match(path)`` gives the handlers of one cutout path (``app.py`` asks it). Success is a zip
(any content type); a position no sector/survey/mosaic covers is HTTP 200 with a JSON ``msg``
(plus ``results: []``), which astroquery turns into a NoResultsWarning (MAST_PROTOCOL.md
quirk 12); malformed or oversized requests are HTTP 400 with a JSON ``msg``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from mastcache.emulator.cutouts import tess
from mastcache.emulator.cutouts.wire import (
    BadCutoutRequest,
    CutoutSize,
    Params,
    first,
    number,
    position,
    read_params,
    sectors,
    zip_bytes,
)
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request
from mastcache.mast.cutouts import IMAGE_FORMATS

if TYPE_CHECKING:
    from mastcache.emulator.app import EmulatorApp

__all__ = ["NO_FFIS", "NO_HAP", "NO_SURVEY", "match"]

Handler = Callable[["EmulatorApp", Request], Reply]
NO_FFIS: Final = "No FFIs found for input target. Cutout not performed."
NO_SURVEY: Final = "No survey images found for input target. Cutout not performed."
NO_HAP: Final = "Missing HAP files for input target. Cutout not performed."
ZIP_TYPE: Final = "application/zip"
MOVING_TYPES: Final = ("majorbody", "smallbody")


def match(path: str) -> dict[str, Handler] | None:
    """The handlers (by method) for a cutout ``path``, or None."""
    handler = _HANDLERS.get(path.rstrip("/"))
    if handler is None:
        return None
    return {"GET": _guarded(handler), "POST": _guarded(handler)}


def _guarded(handler: Callable[[Params], Reply]) -> Handler:
    def answer(app: EmulatorApp, request: Request) -> Reply:
        try:
            return handler(read_params(request))
        except BadCutoutRequest as exc:
            return Reply.json({"msg": str(exc), "status": "ERROR"}, status=400)

    return answer


# -- TESScut --------------------------------------------------------------------------------


def _sector_rows(placements: list[tess.Placement]) -> Reply:
    rows = [
        {"sectorName": p.sector_name, "sector": str(p.sector), "camera": str(p.camera),
         "ccd": str(p.ccd)}
        for p in placements
    ]  # fmt: skip
    return Reply.json({"results": rows})


def _tess_sector(params: Params) -> Reply:
    ra, dec = position(params)
    radius = number(params, "radius", 0.0)
    return _sector_rows(tess.sectors_at(ra, dec, max(0.0, radius)))


def _moving_sector(params: Params) -> Reply:
    return _sector_rows([p for p, _ in _moving_placements(params, None)])


def _moving_placements(
    params: Params, wanted: list[int] | None
) -> list[tuple[tess.Placement, tuple[float, float]]]:
    obj_id = first(params, "obj_id")
    obj_type = first(params, "obj_type", "majorbody").lower()
    if obj_type not in MOVING_TYPES:
        raise BadCutoutRequest(f"obj_type={obj_type!r} is not valid; use majorbody or smallbody.")
    found = []
    for sector in wanted or range(1, tess.LAST_SECTOR + 1):
        ra, dec = tess.moving_target_position(obj_id, sector)
        placement = tess.place(tess.unit_vector(ra, dec), sector)
        if placement is not None:
            found.append((placement, (ra, dec)))
    return found


def _tess_astrocut(params: Params) -> Reply:
    ra, dec = position(params)
    size = CutoutSize.read(params, "tesscut")
    product = first(params, "product", "SPOC").upper()
    if product not in ("SPOC", "TICA"):
        raise BadCutoutRequest(f"product={product!r} is not valid; use SPOC or TICA.")
    wanted = sectors(params)
    placements = [p for p in tess.sectors_at(ra, dec) if _chosen(p.sector, wanted, product)]
    return _tpf_zip([(p, (ra, dec), f"{ra:.6f}_{dec:.6f}") for p in placements], size)


def _moving_astrocut(params: Params) -> Reply:
    size = CutoutSize.read(params, "tesscut")
    label = "_".join(first(params, "obj_id").split())
    found = _moving_placements(params, sectors(params))
    return _tpf_zip([(p, where, label) for p, where in found], size)


def _chosen(sector: int, wanted: list[int] | None, product: str) -> bool:
    """TICA cutouts exist from sector 27 on (MAST's TESScut documentation)."""
    return (wanted is None or sector in wanted) and (product == "SPOC" or sector >= 27)


def _tpf_zip(
    found: list[tuple[tess.Placement, tuple[float, float], str]], size: CutoutSize
) -> Reply:
    from mastcache.emulator.cutouts.tpf import tpf_bytes

    if not found:
        return Reply.json({"msg": NO_FFIS, "results": []})
    nx, ny = size.pixels(tess.PIXEL_DEG * 3600.0)
    members = [
        (f"{p.sector_name}_{label}_{nx}x{ny}_astrocut.fits", tpf_bytes(p, ra, dec, nx, ny))
        for p, (ra, dec), label in found
    ]
    return Reply.raw(zip_bytes(members, deflate=True), ZIP_TYPE)


# -- Zcut and HAPcut ------------------------------------------------------------------------


def _zcut_survey(params: Params) -> Reply:
    from mastcache.emulator.cutouts.fields import surveys_at

    ra, dec = position(params)
    radius = max(0.0, number(params, "radius", 0.0))
    return Reply.json({"surveys": [s.name for s in surveys_at(ra, dec, radius)]})


def _zcut_astrocut(params: Params) -> Reply:
    from mastcache.emulator.cutouts.fields import surveys_at
    from mastcache.emulator.cutouts.zcut import zcut_members

    ra, dec = position(params)
    size = CutoutSize.read(params, "zcut")
    image_format = first(params, "format", "fits").lower()
    if image_format not in IMAGE_FORMATS:
        raise BadCutoutRequest(f"format={image_format!r} is not valid; use fits, jpg or png.")
    wanted = first(params, "survey", "").strip().lower()
    fields = [s for s in surveys_at(ra, dec) if not wanted or s.name == wanted]
    if not fields:
        return Reply.json({"msg": NO_SURVEY, "results": []})
    members = zcut_members(fields, ra, dec, size, image_format, params)
    return Reply.raw(zip_bytes(members, deflate=False), ZIP_TYPE)


def _hapcut_astrocut(params: Params) -> Reply:
    from mastcache.emulator.cutouts.fields import hap_fields_at
    from mastcache.emulator.cutouts.zcut import hap_members

    ra, dec = position(params)
    size = CutoutSize.read(params, "hapcut")
    fields = hap_fields_at(ra, dec)
    if not fields:
        return Reply.json({"msg": NO_HAP, "results": []})
    return Reply.raw(zip_bytes(hap_members(fields, ra, dec, size), deflate=True), ZIP_TYPE)


_HANDLERS: Final[dict[str, Callable[[Params], Reply]]] = {
    "/tesscut/api/v0.1/sector": _tess_sector,
    "/tesscut/api/v0.1/moving_target/sector": _moving_sector,
    "/tesscut/api/v0.1/astrocut": _tess_astrocut,
    "/tesscut/api/v0.1/moving_target/astrocut": _moving_astrocut,
    "/zcut/api/v0.1/survey": _zcut_survey,
    "/zcut/api/v0.1/astrocut": _zcut_astrocut,
    "/hapcut/api/v0.1/astrocut": _hapcut_astrocut,
}
