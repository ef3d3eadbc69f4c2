"""Data products of a synthetic observation: names in each mission's style, the
"Minimum Recommended Products" group, and sizes taken from the FITS files the emulator serves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

MRP: Final = "Minimum Recommended Products"
UNLINKED: Final = frozenset({"HST", "HLA", "JWST"})


@dataclass(frozen=True)
class ProductTemplate:
    """One file an observation of a mission carries."""

    suffix: str
    description: str
    product_type: str
    calib_level: int
    recommended: bool = False


def _t(suffix: str, description: str, kind: str, level: int, mrp: bool = False) -> ProductTemplate:
    return ProductTemplate(suffix, description, kind, level, mrp)


TEMPLATES: Final[dict[str, tuple[ProductTemplate, ...]]] = {
    "HST": (
        _t("_raw.fits", "DADS RAW file - Raw exposure", "SCIENCE", 1),
        _t("_flt.fits", "DADS FLT file - Calibrated exposure", "SCIENCE", 2, True),
        _t("_drz.fits", "DADS DRZ file - Calibrated combined image", "SCIENCE", 3, True),
        _t("_spt.fits", "DADS SPT file - Engineering telemetry", "AUXILIARY", 1),
        _t("_trl.fits", "DADS TRL file - Processing log", "AUXILIARY", 1),
        _t("_drz.jpg", "Preview-Full", "PREVIEW", 3),
    ),
    "HLA": (
        _t("_drz.fits", "HLA enhanced drizzled image", "SCIENCE", 3, True),
        _t("_wht.fits", "HLA weight image", "AUXILIARY", 3),
        _t("_drz.jpg", "Preview-Full", "PREVIEW", 3),
    ),
    "JWST": (
        _t("_uncal.fits", "exposure/target (L1b): raw ramps", "SCIENCE", 1),
        _t("_cal.fits", "exposure (L2b): calibrated", "SCIENCE", 2, True),
        _t("_i2d.fits", "target (L3): combined image", "SCIENCE", 3, True),
        _t("_segm.fits", "target (L3): segmentation map", "AUXILIARY", 3),
        _t("_i2d.jpg", "Preview-Full", "PREVIEW", 3),
    ),
    "TESS": (
        _t("_lc.fits", "Light curves", "SCIENCE", 3, True),
        _t("_tp.fits", "Target pixel files", "SCIENCE", 2, True),
        _t("_dvt.fits", "Data validation time series", "AUXILIARY", 3),
    ),
    "Kepler": (
        _t("_llc.fits", "Lightcurve Long Cadence (CLC) - Q", "SCIENCE", 2, True),
        _t("_lpd-targ.fits.gz", "Target Pixel Long Cadence (TPL) - Q", "SCIENCE", 2),
    ),
    "K2": (
        _t("_llc.fits", "Lightcurve Long Cadence (KLC) - C", "SCIENCE", 2, True),
        _t("_lpd-targ.fits.gz", "Target Pixel Long Cadence (KTL) - C", "SCIENCE", 2),
    ),
    "GALEX": (
        _t("-int.fits", "Intensity map (J2000)", "SCIENCE", 2, True),
        _t("-cnt.fits", "Count map (J2000)", "SCIENCE", 2),
        _t("-skybg.fits", "Sky background image (J2000)", "AUXILIARY", 2),
        _t("-xd-mcat.fits", "Merged catalog", "AUXILIARY", 2),
    ),
    "PS1": (
        _t(".unconv.fits", "stack image", "SCIENCE", 3, True),
        _t(".unconv.wt.fits", "stack variance image", "AUXILIARY", 3),
        _t(".unconv.mask.fits", "stack mask image", "AUXILIARY", 3),
    ),
    "SWIFT": (
        _t("_sk.fits", "Sky image", "SCIENCE", 2, True),
        _t("_ex.fits", "Exposure map", "AUXILIARY", 2),
        _t("_rw.fits", "Raw image", "SCIENCE", 1),
    ),
    "IUE": (
        _t("_mxlo.fits", "Extracted low-dispersion spectrum", "SCIENCE", 2, True),
        _t("_lilo.fits", "Linearized image", "SCIENCE", 1),
        _t("_raw.fits", "Raw image", "AUXILIARY", 1),
    ),
    "FUSE": (
        _t("_all.fits", "Combined calibrated spectrum", "SCIENCE", 2, True),
        _t("_ano.fits", "Night-only calibrated spectrum", "SCIENCE", 2),
        _t("_raw.fits", "Raw photon list", "AUXILIARY", 1),
    ),
}
SWIFT_CODES: Final[dict[str, str]] = {
    "UVW2": "uw2",
    "UVM2": "um2",
    "UVW1": "uw1",
    "U": "uuu",
    "B": "ubb",
    "V": "uvv",
}


def file_base(obs: Mapping[str, Any]) -> str:
    """The stem every product file name of the observation starts with."""
    rule = base_rule(str(obs["obs_collection"]))
    return rule(str(obs["obs_id"]), str(obs.get("target_name")), str(obs.get("filters")))


def base_rule(mission: str) -> Callable[[str, str, str], str]:
    """How a mission names its files: (obs_id, target_name, filters) -> file stem."""
    if mission in {"HST", "FUSE"}:
        return lambda obs_id, target, band: obs_id.lower()
    if mission == "Kepler":  # kplr<KIC>-<quarter's time stamp>, as the archive names them
        return lambda obs_id, target, band: f"{target}-{kepler_stamp(obs_id)}"
    if mission == "K2":
        return lambda obs_id, target, band: obs_id.replace("_lc", "").lower()
    if mission == "GALEX":
        return lambda obs_id, target, band: f"{target}-{'nd' if band == 'NUV' else 'fd'}"
    if mission == "SWIFT":
        return lambda obs_id, target, band: f"sw{obs_id}{SWIFT_CODES[band]}"
    return lambda obs_id, target, band: obs_id


def kepler_stamp(obs_id: str) -> str:
    """The time stamp of the quarter a Kepler obs_id's quarter map marks (Q0..Q17)."""
    from mastcache.emulator.sky.mission_fits import KEPLER_STAMPS  # lazy: astropy

    quarters = obs_id.rsplit("_Q", 1)[-1]
    quarter = quarters.find("1") if len(quarters) == 18 else int(quarters or 0)
    return KEPLER_STAMPS[max(0, min(17, quarter))]


def _description(obs: Mapping[str, Any], template: ProductTemplate) -> str:
    """Kepler/K2 descriptions end with the quarter or campaign (``... - Q4``, ``... - C01``)."""
    sequence = obs.get("sequence_number")
    if template.description.endswith(("- Q", "- C")) and sequence is not None:
        width = 2 if template.description.endswith("C") else 1
        return f"{template.description}{int(sequence):0{width}d}"
    return template.description


def product_uri(obs: Mapping[str, Any], filename: str) -> str:
    """``mast:<MISSION>/product/<file>``, the dataURI the download endpoint serves."""
    return f"mast:{str(obs['obs_collection']).upper()}/product/{filename}"


def primary_uri(obs: Mapping[str, Any]) -> str | None:
    """The observation's first recommended product (its dataURL); None for HST-family rows,
    whose dataURL MAST leaves null."""
    mission = str(obs["obs_collection"])
    if mission in UNLINKED:
        return None
    stem = base_rule(mission)(
        str(obs["obs_id"]), str(obs.get("target_name")), str(obs.get("filters"))
    )
    return f"mast:{mission.upper()}/product/{stem}{_first_suffix(mission)}"


def primary_uris(
    mission: str, obs_ids: Sequence[str], targets: Sequence[Any], filters: Sequence[Any]
) -> list[str | None]:
    """`primary_uri` of many observations of one mission."""
    if mission in UNLINKED:
        return [None] * len(obs_ids)
    rule, prefix, suffix = (
        base_rule(mission),
        f"mast:{mission.upper()}/product/",
        _first_suffix(mission),
    )
    return [
        f"{prefix}{rule(o, str(t), str(f))}{suffix}"
        for o, t, f in zip(obs_ids, targets, filters, strict=True)
    ]


def _first_suffix(mission: str) -> str:
    return next(t for t in TEMPLATES[mission] if t.recommended).suffix


def products_for(obs: Mapping[str, Any], min_bytes: int = 0) -> list[dict[str, Any]]:
    """Every product row of one observation, in a fixed order (PRODUCT_FIELDS columns)."""
    base = file_base(obs)
    templates = TEMPLATES[str(obs["obs_collection"])]
    return [_product_row(obs, base, template, min_bytes) for template in templates]


def _product_row(
    obs: Mapping[str, Any], base: str, template: ProductTemplate, min_bytes: int
) -> dict[str, Any]:
    filename = base + template.suffix
    uri = product_uri(obs, filename)
    return {
        "obsID": obs["obsid"],
        "obs_collection": obs["obs_collection"],
        "dataproduct_type": obs["dataproduct_type"],
        "obs_id": obs["obs_id"],
        "description": _description(obs, template),
        "type": "S",
        "dataURI": uri,
        "productType": template.product_type,
        "productGroupDescription": MRP if template.recommended else None,
        "productSubGroupDescription": template.suffix.strip("_-.").split(".")[0].upper(),
        "productDocumentationURL": None,
        "project": obs["project"],
        "prvversion": obs["provenance_name"],
        "proposal_id": obs["proposal_id"],
        "productFilename": filename,
        "size": _size(uri, min_bytes),
        "parent_obsid": obs["obsid"],
        "dataRights": obs["dataRights"],
        "calib_level": template.calib_level,
        "filters": obs["filters"],
        "_selected_": None,
    }


def _size(uri: str, min_bytes: int) -> int:
    """The exact byte count the download endpoint will serve for `uri`."""
    from mastcache.emulator.sky import fitsgen  # lazy: the FITS writer is heavy

    return int(fitsgen.product_size(uri, min_bytes))
