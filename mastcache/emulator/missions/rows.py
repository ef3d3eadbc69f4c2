"""Mission rows of the Search API, derived from the synthetic sky's HST and JWST observations
(one dataset per observation, `sci_data_set_name`/`fileSetName` = its obs_id), so a mission
search and an Observations query agree; plus each dataset's products.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from mastcache.emulator.catalogs.values import ecliptic, galactic
from mastcache.emulator.sky.observations import sky_for_seed
from mastcache.emulator.sky.products import products_for

MJD_EPOCH: Final = datetime(1858, 11, 17, tzinfo=timezone.utc)
MISSION_COLLECTIONS: Final[dict[str, str]] = {"hst": "HST", "jwst": "JWST"}
Row = dict[str, Any]


@dataclass(frozen=True)
class MissionTable:
    """One mission's rows sorted by declination, with the observations they came from."""

    mission: str
    rows: tuple[Row, ...]
    observations: tuple[Row, ...]
    ra: npt.NDArray[np.float64]
    dec: npt.NDArray[np.float64]
    by_dataset: Mapping[str, int]

    def observation(self, dataset: str) -> Row | None:
        """The observation behind a dataset id (any case), or None."""
        index = self.by_dataset.get(dataset.strip().upper())
        return None if index is None else self.observations[index]


_TABLES: dict[tuple[int, str], MissionTable] = {}
_LOCK = threading.Lock()


def mission_table(seed: int, mission: str) -> MissionTable:
    """The rows of `mission` for the sky of `seed` (built on first use)."""
    with _LOCK:
        table = _TABLES.get((seed, mission))
        if table is None:
            table = _build(seed, mission)
            _TABLES[(seed, mission)] = table
        return table


def _build(seed: int, mission: str) -> MissionTable:
    sky = sky_for_seed(seed)
    collection = MISSION_COLLECTIONS[mission]
    every = (sky.row(i) for i in range(len(sky)))
    observations = [o for o in every if o["obs_collection"] == collection]
    observations.sort(key=lambda o: (o["s_dec"], o["obs_id"]))
    derive = ROW_BUILDERS[mission]
    rows = tuple(derive(o) for o in observations)
    ra = np.array([o["s_ra"] for o in observations], np.float64)
    dec = np.array([o["s_dec"] for o in observations], np.float64)
    index = {str(o["obs_id"]).upper(): i for i, o in enumerate(observations)}
    return MissionTable(mission, rows, tuple(observations), ra, dec, index)


def iso(mjd: float | None) -> str | None:
    """An MJD as MAST's ISO datetime text (microseconds), None for None."""
    if mjd is None:
        return None
    moment = MJD_EPOCH + timedelta(days=float(mjd))
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _hst_row(obs: Row) -> Row:
    dataset = str(obs["obs_id"]).upper()
    instrument, _, detector = str(obs["instrument_name"]).partition("/")
    gal = galactic(np.array([obs["s_ra"]]), np.array([obs["s_dec"]]))
    ecl = ecliptic(np.array([obs["s_ra"]]), np.array([obs["s_dec"]]))
    return {
        "sci_data_set_name": dataset, "sci_targname": _target(obs),
        "sci_hapnum": None, "sci_haspnum": None, "sci_instrume": instrument,
        "sci_aper_1234": detector or "ALL", "sci_spec_1234": obs["filters"],
        "sci_actual_duration": obs["t_exptime"], "sci_start_time": iso(obs["t_min"]),
        "sci_pep_id": int(obs["proposal_id"]), "sci_pi_last_name": str(obs["proposal_pi"]).upper(),
        "sci_ra": obs["s_ra"], "sci_dec": obs["s_dec"], "sci_archive_class": "CAL",
        "sci_program_id": dataset[1:4], "sci_obset_id": dataset[4:6], "sci_obsnum": dataset[6:8],
        "sci_asn_id": dataset, "sci_target_descrip": obs["target_classification"],
        "sci_broad_category": _category(obs), "sci_refnum": int(obs["obsid"]) % 97,
        "sci_ra_v1": obs["s_ra"], "sci_dec_v1": obs["s_dec"], "sci_expflag": "NORMAL",
        "sci_instrument_config": obs["instrument_name"], "sci_operating_mode": "ACCUM",
        **_spectral(obs), "sci_fgslock": "FINE", "sci_mtflag": "T" if obs["mtFlag"] else "F",
        "sci_release_date": iso(obs["t_obs_release"]), "sci_stop_time": iso(obs["t_max"]),
        "sci_v3_pos_angle": round(int(obs["obsid"]) % 36000 / 100.0, 2),
        "sci_ecliptic_latitude": float(ecl[1][0]), "sci_ecliptic_longitude": float(ecl[0][0]),
        "sci_galactic_latitude": float(gal[1][0]), "sci_galactic_longitude": float(gal[0][0]),
        "sci_sun_alt": round(int(obs["obsid"]) % 900 / 10.0, 1), "sci_pa_aper": None,
        "sci_costar_deploy": None, "sci_aec": "S", "sci_fov_config": None,
        "sci_generation_date": iso(obs["t_max"] + 1.0), "sci_archive_date": iso(obs["t_max"] + 1.0),
        "sci_preview_name": dataset, "sci_obs_type": str(obs["dataproduct_type"]).upper(),
        "scp_scan_type": None, "sci_hlsp": None, "sci_status": _status(obs),
    }  # fmt: skip


def _spectral(obs: Row) -> Row:
    low, high = float(obs["em_min"]) * 10.0, float(obs["em_max"]) * 10.0
    return {
        "sci_spectral_res": round(high / max(high - low, 1.0), 3), "sci_spectrum_end": high,
        "sci_spectrum_start": low, "sci_bandwidth": round(high - low, 3),
        "sci_central_wavelength": round((low + high) / 2.0, 3), "sci_dispersion": None,
        "sci_pixel_res": 0.04,
    }  # fmt: skip


def _jwst_row(obs: Row) -> Row:
    dataset = str(obs["obs_id"])
    instrument, _, mode = str(obs["instrument_name"]).partition("/")
    element = str(obs["filters"]).split(";")[0]
    level = "3" if int(obs["calib_level"]) >= 3 else "2b"
    return {
        "ArchiveFileID": int(obs["obsid"]), "filename": f"{dataset}_i2d.fits",
        "fileSetName": dataset, "productLevel": level, "act_id": f"{int(obs['obsid']) % 99:02d}",
        "apername": f"{instrument}_FULL", "program": int(obs["proposal_id"]),
        "observtn": int(obs["obsid"]) % 99 + 1, "visit": 1, "targprop": _target(obs),
        "targ_ra": obs["s_ra"], "targ_dec": obs["s_dec"], "instrume": instrument,
        "exp_type": f"{instrument[:3]}_{mode or 'IMAGE'}", "opticalElements": element,
        "filter": element, "pupil": "CLEAR", "grating": "N/A", "detector": f"{instrument}LONG",
        "subarray": "FULL", "readpatt": "SHALLOW4", "nints": 1, "ngroups": 8,
        "effexptm": obs["t_exptime"], "duration": round(float(obs["t_exptime"]) * 1.05, 3),
        "date_obs": iso(obs["t_min"]), "date_beg": iso(obs["t_min"]), "date_end": iso(obs["t_max"]),
        "pi_name": obs["proposal_pi"], "title": obs["obs_title"], "category": obs["proposal_type"],
        "access": _status(obs), "publicReleaseDate": iso(obs["t_obs_release"]),
        "cal_ver": "1.14.0", "s_region": obs["s_region"],
    }  # fmt: skip


def _target(obs: Row) -> str:
    return str(obs["target_name"]).upper().replace(" ", "-")


def _category(obs: Row) -> str:
    text = str(obs["target_classification"] or "")
    return text.split(";")[0] if text else "UNIDENTIFIED"


def _status(obs: Row) -> str:
    return "PUBLIC" if obs["dataRights"] == "PUBLIC" else "PROPRIETARY"


ROW_BUILDERS: Final[dict[str, Callable[[Row], Row]]] = {"hst": _hst_row, "jwst": _jwst_row}


def mission_products(mission: str, obs: Row, min_bytes: int = 0) -> list[Row]:
    """The Search API product rows of one dataset (mission_products.json keys)."""
    dataset = str(obs["obs_id"]).upper() if mission == "hst" else str(obs["obs_id"])
    return [_product(dataset, obs, product) for product in products_for(obs, min_bytes)]


def _product(dataset: str, obs: Row, product: Row) -> Row:
    filename = str(product["productFilename"])
    kind = str(product["productType"])
    category = {"AUXILIARY": "AUX", "PREVIEW": "PREVIEW", "INFO": "AUX"}.get(kind)
    if category is None:
        category = "CALIBRATED" if int(product["calib_level"]) >= 2 else "UNCALIBRATED"
    return {
        "product_key": f"{dataset}_{filename}", "access": _status(obs), "dataset": dataset,
        "instrument_name": obs["instrument_name"], "filters": obs["filters"],
        "filename": filename, "uri": f"{dataset}/{filename}",
        "authz_primary_identifier": dataset, "authz_secondary_identifier": "CAL",
        "file_suffix": product["productSubGroupDescription"], "category": category,
        "size": product["size"], "type": "preview" if kind == "PREVIEW" else "science",
    }  # fmt: skip
