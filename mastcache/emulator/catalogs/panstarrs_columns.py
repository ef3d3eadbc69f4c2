"""The Pan-STARRS tables of MAST's catalogs API, per data release (MAST_PROTOCOL.md section 6):
their column metadata (`metadata.json` entries, panstarrs_columns.json shape; dr2 `mean` is the
recorded list) and the catalog schema the synthetic rows follow.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from mastcache.emulator.catalogs.schema import CatalogSchema
from mastcache.emulator.samples.recorded import load_json

TABLES: Final[dict[str, tuple[str, ...]]] = {
    "dr1": ("mean", "stack"),
    "dr2": ("mean", "stack", "detection", "forced_mean"),
}
DB_TYPES: Final[dict[str, str]] = {
    "char": "STRING", "long": "BIGINT", "int": "INTEGER", "short": "SMALLINT",
    "unsignedByte": "TINYINT", "float": "REAL", "double": "DOUBLE",
}  # fmt: skip
BANDS: Final = "grizy"
Column = tuple[str, str, str]  # name, type, description


def _ids(kind: str) -> list[Column]:
    return [
        ("objName", "char", "IAU name for this object."),
        ("objID", "long", "Unique object identifier."),
        (kind, "long", "Unique identifier of this row in its table."),
        ("ippObjID", "long", "IPP internal object identifier."),
        ("surveyID", "unsignedByte", "Survey identifier.  Details in the Survey table."),
    ]


def _per_band(templates: list[tuple[str, str, str]]) -> list[Column]:
    return [(t.format(b), kind, d.format(b)) for b in BANDS for t, kind, d in templates]


def _stack() -> list[Column]:
    return [
        *_ids("uniquePspsSTid"),
        ("raStack", "double", "Right ascension from the stack detection."),
        ("decStack", "double", "Declination from the stack detection."),
        ("raStackErr", "float", "Right ascension error."), ("decStackErr", "float", "Dec error."),
        ("primaryDetection", "unsignedByte", "Primary stack detection of this object."),
        ("bestDetection", "unsignedByte", "Best stack detection of this object."),
        ("nStackDetections", "short", "Number of stack detections."),
        *_per_band([
            ("{}PSFMag", "float", "PSF magnitude from the {} stack."),
            ("{}PSFMagErr", "float", "Error in the {} PSF magnitude."),
            ("{}KronMag", "float", "Kron magnitude from the {} stack."),
            ("{}KronMagErr", "float", "Error in the {} Kron magnitude."),
            ("{}ApMag", "float", "Aperture magnitude from the {} stack."),
            ("{}infoFlag", "int", "Information flag bitmask ({} stack)."),
        ]),
    ]  # fmt: skip


def _detection() -> list[Column]:
    return [
        ("objID", "long", "Unique object identifier."),
        ("detectID", "long", "Unique detection identifier."),
        ("ippObjID", "long", "IPP internal object identifier."),
        ("filterID", "unsignedByte", "Filter identifier (1-5 for g, r, i, z, y)."),
        ("surveyID", "unsignedByte", "Survey identifier."),
        ("imageID", "long", "Image identifier."), ("obsTime", "double", "Exposure MJD."),
        ("ra", "double", "Right ascension."), ("dec", "double", "Declination."),
        ("raErr", "float", "Right ascension error."), ("decErr", "float", "Dec error."),
        ("expTime", "float", "Exposure time (s)."), ("psfFlux", "float", "PSF flux (Jy)."),
        ("psfFluxErr", "float", "PSF flux error (Jy)."), ("apFlux", "float", "Aperture flux."),
        ("apFluxErr", "float", "Aperture flux error."), ("kronFlux", "float", "Kron flux."),
        ("kronFluxErr", "float", "Kron flux error."), ("infoFlag", "long", "Info flags."),
        ("infoFlag2", "int", "More info flags."), ("infoFlag3", "int", "Even more flags."),
    ]  # fmt: skip


def _forced_mean() -> list[Column]:
    return [
        *_ids("uniquePspsFOid")[1:],
        ("raMean", "double", "Mean right ascension."), ("decMean", "double", "Mean declination."),
        *_per_band([
            ("{}nTotal", "short", "Number of forced {} measurements."),
            ("{}FPSFFlux", "float", "Mean forced PSF flux in {} (Jy)."),
            ("{}FPSFFluxErr", "float", "Error in the {} forced PSF flux."),
            ("{}FPSFMag", "float", "Forced PSF magnitude in {}."),
            ("{}FApMag", "float", "Forced aperture magnitude in {}."),
        ]),
    ]  # fmt: skip


def _entry(index: int, column: Column) -> dict[str, Any]:
    name, kind, description = column
    return {
        "name": name, "db_type": DB_TYPES[kind], "column_name": name,
        "description": description, "unit": "NULL", "ucd": "NULL", "utype": "NULL",
        "datatype": kind, "size": "8", "principal": "NULL", "indexed": "NULL", "std": "NULL",
        "column_index": str(index + 1), "arraysize": "NULL", "search_priority": str(index + 1),
        "default_value": "NULL", "type": kind,
    }  # fmt: skip


@cache
def metadata(release: str, table: str) -> tuple[dict[str, Any], ...]:
    """The `metadata.json` list of one table; KeyError for an unknown release or table."""
    if table not in TABLES[release]:
        raise KeyError(table)
    if table == "mean":
        return tuple(dict(e) for e in load_json("panstarrs_columns.json"))
    columns = {"stack": _stack, "detection": _detection, "forced_mean": _forced_mean}[table]()
    return tuple(_entry(i, c) for i, c in enumerate(columns))


POSITIONS: Final[dict[str, tuple[str, str, str]]] = {
    "mean": ("objID", "raMean", "decMean"),
    "stack": ("uniquePspsSTid", "raStack", "decStack"),
    "detection": ("detectID", "ra", "dec"),
    "forced_mean": ("uniquePspsFOid", "raMean", "decMean"),
}
DENSITY: Final[dict[str, tuple[int, int]]] = {
    "mean": (80, 6000), "stack": (80, 6000), "detection": (240, 18000),
    "forced_mean": (80, 6000),
}  # fmt: skip


@cache
def table_schema(release: str, table: str) -> CatalogSchema:
    """The catalog schema synthetic rows of this table follow (-999 for missing values)."""
    fields = tuple((e["column_name"], str(e["type"])) for e in metadata(release, table))
    ident, ra, dec = POSITIONS[table]
    per_object, background = DENSITY[table]
    return CatalogSchema(
        f"panstarrs_{release}_{table}", fields, ident, ra, dec, None, 1.0, per_object,
        background, null_marker=-999.0, object_id_from_position=True,
        layout="panstarrs-detection" if table == "detection" else "panstarrs",
    )  # fmt: skip
