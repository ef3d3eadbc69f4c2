"""Column configurations (`POST /portal/Mashup/Mashup.asmx/columnsconfig`), MAST_PROTOCOL.md
section 1.4 and quirk 1: the recorded CAOM, TIC and Disk Detective configs, the CAOM config
extended with today's live columns, a products config, and `{}` for any other service.
"""

from __future__ import annotations

from typing import Any, Final

from mastcache.emulator.samples.recorded import load_json

Config = dict[str, dict[str, Any]]

CAOM_SERVICES: Final = frozenset(
    {"mast.caom.cone", "mast.caom.filtered", "mast.caom.filtered.position"}
)
RECORDED_CONFIGS: Final[dict[str, str]] = {
    "mast.catalogs.tess.cone": "ticcolumns.json",
    "mast.catalogs.dd.cone": "ddcolumns.json",
}
LIVE_CAOM_EXTRAS: Final[Config] = {
    "provenance_name": {
        "text": "Provenance Name",
        "vot.datatype": "char",
        "vot.arraysize": "*",
        "vot.description": "Provenance name, or source of data",
        "separator": ";",
        "example": "E.g. CALCOS, CALWF3, SPOC, TESS-SPOC",
    },
    "proposal_type": {
        "text": "Proposal Type",
        "vot.datatype": "char",
        "vot.arraysize": "*",
        "vot.description": "Type of telescope proposal",
        "example": "E.g. GO, GTO, SNAP, CAL",
    },
    "sequence_number": {
        "text": "Sequence Number",
        "vot.datatype": "int",
        "vot.description": "Sequence number, e.g. Kepler quarter or TESS sector",
        "example": "Integer, e.g. 14",
    },
}
PRODUCT_DESCRIPTIONS: Final[dict[str, tuple[str, str, str]]] = {
    "obsID": ("Product Group ID", "long", "Database identifier for the product group"),
    "obs_collection": ("Mission", "char", "Collection, e.g. HST, TESS"),
    "dataproduct_type": ("Product Type", "char", "image, spectrum, timeseries, cube"),
    "obs_id": ("Observation ID", "char", "Observation identifier given by the mission"),
    "description": ("Description", "char", "File description"),
    "type": ("Type", "char", "S = simple file, C = composite"),
    "dataURI": ("Data URI", "char", "URI to download the file (mast:...)"),
    "productType": ("Product Category", "char", "SCIENCE, AUXILIARY, PREVIEW, ..."),
    "productGroupDescription": ("Group", "char", "e.g. Minimum Recommended Products"),
    "productSubGroupDescription": ("Product Subgroup", "char", "File suffix group, e.g. FLT"),
    "productDocumentationURL": ("Documentation", "char", "Link to product documentation"),
    "project": ("Project", "char", "Processing project"),
    "prvversion": ("Product Version", "char", "Pipeline version"),
    "proposal_id": ("Proposal ID", "char", "Proposal ID"),
    "productFilename": ("Filename", "char", "Name of the file"),
    "size": ("Size", "long", "File size in bytes"),
    "parent_obsid": ("Parent Product Group ID", "long", "obsid of the parent observation"),
    "dataRights": ("Data Rights", "char", "PUBLIC or EXCLUSIVE_ACCESS"),
    "calib_level": ("Calibration Level", "int", "Calibration level of the product"),
    "filters": ("Filters", "char", "Instrument filters"),
}


def column_config(service: str) -> Config:
    """The config astroquery receives for `colConfigId=<service>` ({} when never filtered)."""
    key = service.strip().lower()
    if key in CAOM_SERVICES:
        return caom_config()
    if key == "mast.caom.products":
        return products_config()
    if key in RECORDED_CONFIGS:
        return dict(load_json(RECORDED_CONFIGS[key]))
    return {}


def caom_config() -> Config:
    """The recorded Mast.Caom.Cone config (51 keys, unchanged) plus today's extra columns."""
    config: Config = dict(load_json("columnsconfig.json"))
    config.update(LIVE_CAOM_EXTRAS)
    return config


def products_config() -> Config:
    """Config for Mast.Caom.Products, in the shape of the CAOM one."""
    config: Config = {
        name: {"text": text, "vot.datatype": datatype, "vot.description": description}
        for name, (text, datatype, description) in PRODUCT_DESCRIPTIONS.items()
    }
    config["size"]["vot.unit"] = "byte"
    config["_selected_"] = {"text": "selected", "add": True, "type": "boolean", "hidden": True}
    return config
