"""TESS full-frame-image observations: one per sector, camera and CCD that saw a position.

MAST lists each FFI set as an observation with ``target_name`` "TESS FFI", ``obs_id``
``tess-s<sector>-<camera>-<ccd>``, the sector as ``sequence_number`` and the FFI cadence as
``t_exptime``; lightkurve's ``search_tesscut`` finds sectors through them. The emulator makes
them on demand from the same pointing model that answers TESScut's sector lookups
(:func:`mastcache.emulator.cutouts.tess.sectors_at`), so both always agree.
"""

from __future__ import annotations

from typing import Any, Final

from mastcache.emulator.sky.mission_fits import ffi_cadence

__all__ = ["FFI_OBSID_BASE", "ffi_rows"]

#: FFI obsids sit above every synthetic observation's (sector, camera, CCD in the digits).
FFI_OBSID_BASE: Final = 9_900_000_000
TJD_TO_MJD: Final = 56999.5
FFI_TARGET: Final = "TESS FFI"


def ffi_rows(ra: float, dec: float, radius: float) -> list[dict[str, Any]]:
    """The FFI observations whose CCDs hold (ra, dec) or come within ``radius`` degrees."""
    from mastcache.emulator.cutouts.tess import sector_start_tjd, sectors_at  # lazy: numpy

    rows = []
    for place in sectors_at(ra, dec, radius):
        t_min = round(sector_start_tjd(place.sector) + TJD_TO_MJD, 5)
        obsid = FFI_OBSID_BASE + place.sector * 100 + place.camera * 10 + place.ccd
        rows.append(
            {
                "intentType": "science",
                "obs_collection": "TESS",
                "provenance_name": "SPOC",
                "instrument_name": "Photometer",
                "project": "TESS",
                "filters": "TESS",
                "wavelength_region": "OPTICAL",
                "target_name": FFI_TARGET,
                "target_classification": None,
                "obs_id": place.sector_name,
                "s_ra": round(ra, 6),
                "s_dec": round(dec, 6),
                "dataproduct_type": "image",
                "proposal_pi": "Ricker, George",
                "calib_level": 2,
                "t_min": t_min,
                "t_max": round(t_min + 26.4, 5),
                "t_exptime": ffi_cadence(place.sector),
                "em_min": 600.0,
                "em_max": 1000.0,
                "obs_title": None,
                "t_obs_release": round(t_min + 60.0, 5),
                "proposal_id": "N/A",
                "proposal_type": None,
                "sequence_number": place.sector,
                "s_region": f"CIRCLE ICRS {ra % 360.0:.6f} {dec:.6f} 8.5",
                "jpegURL": None,
                "dataURL": None,
                "dataRights": "PUBLIC",
                "mtFlag": False,
                "srcDen": None,
                "obsid": str(obsid),
                "objID": str(obsid + 1_000_000_000),
            }
        )
    return rows
