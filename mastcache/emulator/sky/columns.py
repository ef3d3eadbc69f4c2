"""Column names, order and Portal types of the CAOM observation and product tables.

Order and types follow the recorded samples (caom.json, products.json) and MAST's live
output (intentType ... objID); see MAST_PROTOCOL.md section 1.8.
"""

from __future__ import annotations

from typing import Final

Field = tuple[str, str]

OBSERVATION_FIELDS: Final[tuple[Field, ...]] = (
    ("intentType", "string"),
    ("obs_collection", "string"),
    ("provenance_name", "string"),
    ("instrument_name", "string"),
    ("project", "string"),
    ("filters", "string"),
    ("wavelength_region", "string"),
    ("target_name", "string"),
    ("target_classification", "string"),
    ("obs_id", "string"),
    ("s_ra", "float"),
    ("s_dec", "float"),
    ("dataproduct_type", "string"),
    ("proposal_pi", "string"),
    ("calib_level", "int"),
    ("t_min", "float"),
    ("t_max", "float"),
    ("t_exptime", "float"),
    ("em_min", "float"),
    ("em_max", "float"),
    ("obs_title", "string"),
    ("t_obs_release", "float"),
    ("proposal_id", "string"),
    ("proposal_type", "string"),
    ("sequence_number", "int"),
    ("s_region", "string"),
    ("jpegURL", "string"),
    ("dataURL", "string"),
    ("dataRights", "string"),
    ("mtFlag", "boolean"),
    ("srcDen", "float"),
    ("obsid", "string"),
    ("objID", "string"),
)
OBSERVATION_COLUMNS: Final[tuple[str, ...]] = tuple(name for name, _ in OBSERVATION_FIELDS)

DISTANCE_FIELD: Final[Field] = ("distance", "float")
OBJID1_FIELD: Final[Field] = ("objID1", "string")
SELECTED_FIELD: Final[Field] = ("_selected_", "boolean")

PRODUCT_FIELDS: Final[tuple[Field, ...]] = (
    ("obsID", "string"),
    ("obs_collection", "string"),
    ("dataproduct_type", "string"),
    ("obs_id", "string"),
    ("description", "string"),
    ("type", "string"),
    ("dataURI", "string"),
    ("productType", "string"),
    ("productGroupDescription", "string"),
    ("productSubGroupDescription", "string"),
    ("productDocumentationURL", "string"),
    ("project", "string"),
    ("prvversion", "string"),
    ("proposal_id", "string"),
    ("productFilename", "string"),
    ("size", "int"),
    ("parent_obsid", "string"),
    ("dataRights", "string"),
    ("calib_level", "int"),
    ("filters", "string"),
    ("_selected_", "boolean"),
)
PRODUCT_COLUMNS: Final[tuple[str, ...]] = tuple(name for name, _ in PRODUCT_FIELDS)

NUMERIC_TYPES: Final[frozenset[str]] = frozenset({"float", "int", "double", "long"})
SEPARATED_COLUMNS: Final[frozenset[str]] = frozenset(
    {"obs_collection", "project", "filters", "wavelength_region", "target_classification"}
)


def field_type(name: str) -> str:
    """The Portal type of an observation column (KeyError for an unknown one)."""
    return dict((*OBSERVATION_FIELDS, DISTANCE_FIELD, OBJID1_FIELD, SELECTED_FIELD))[name]
