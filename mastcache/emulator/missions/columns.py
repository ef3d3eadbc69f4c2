"""The columns of each mission of the MAST Search API (MAST_PROTOCOL.md section 5): the
`column_list` entries (HST exactly as recorded in mission_columns.json, JWST in the same
shape), the `info` type of each column and the default output columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from mastcache.emulator.samples.recorded import load_json

POSITION_COLUMNS: Final = ("search_pos", "ang_sep")
DATASET_COLUMNS: Final[dict[str, str]] = {"hst": "sci_data_set_name", "jwst": "fileSetName"}
HST_DEFAULTS: Final = (
    "sci_data_set_name", "sci_targname", "sci_ra", "sci_dec", "sci_refnum", "sci_start_time",
    "sci_stop_time", "sci_actual_duration", "sci_instrume", "sci_aper_1234", "sci_spec_1234",
    "sci_central_wavelength", "sci_pep_id", "sci_release_date", "sci_preview_name",
    "scp_scan_type", "sci_hlsp", "sci_status",
)  # fmt: skip
# (column, field name, qual_type, datatype, default output, description)
JWST_COLUMNS: Final[tuple[tuple[str, str, str, str, bool, str], ...]] = (
    ("search_pos", "Search Position", "string", "char", False, "Search position (RA and Dec)"),
    ("ArchiveFileID", "Archive File ID", "integer", "long", True, "Archive file identifier"),
    ("filename", "File Name", "string", "char", True, "Name of the science file"),
    ("fileSetName", "Dataset", "string", "char", True, "Dataset (file set) name"),
    ("productLevel", "Product Level", "string", "char", True, "Calibration level, e.g. 2b, 3"),
    ("act_id", "Activity ID", "string", "char", False, "Activity identifier"),
    ("apername", "Aperture", "string", "char", True, "Science aperture name"),
    ("program", "Program", "integer", "long", True, "JWST program number"),
    ("observtn", "Observation", "integer", "long", True, "Observation number"),
    ("visit", "Visit", "integer", "long", False, "Visit number"),
    ("targprop", "Target Name", "string", "char", True, "Proposer's target name"),
    ("targ_ra", "RA", "ra", "double", True, "Target right ascension (degrees)"),
    ("targ_dec", "Dec", "dec", "double", True, "Target declination (degrees)"),
    ("instrume", "Instrument", "string", "char", True, "Instrument used"),
    ("exp_type", "Exposure Type", "string", "char", True, "Type of data in the exposure"),
    ("opticalElements", "Optical Elements", "string", "char", True, "Filter and pupil"),
    ("filter", "Filter", "string", "char", False, "Filter wheel element"),
    ("pupil", "Pupil", "string", "char", False, "Pupil wheel element"),
    ("grating", "Grating", "string", "char", False, "Grating element"),
    ("detector", "Detector", "string", "char", False, "Detector name"),
    ("subarray", "Subarray", "string", "char", False, "Subarray used"),
    ("readpatt", "Readout Pattern", "string", "char", False, "Readout pattern"),
    ("nints", "Integrations", "integer", "long", False, "Number of integrations"),
    ("ngroups", "Groups", "integer", "long", False, "Number of groups per integration"),
    ("effexptm", "Exposure Time", "float", "float", True, "Effective exposure time (s)"),
    ("duration", "Duration", "float", "float", False, "Total duration of the exposure (s)"),
    ("date_obs", "Observation Date", "datetime", "char", True, "UTC date of the start"),
    ("date_beg", "Start Time", "datetime", "char", False, "UTC start of the exposure"),
    ("date_end", "End Time", "datetime", "char", False, "UTC end of the exposure"),
    ("pi_name", "PI Name", "string", "char", False, "Principal investigator"),
    ("title", "Title", "substring", "char", False, "Proposal title"),
    ("category", "Category", "string", "char", False, "Program category, e.g. GO, GTO"),
    ("access", "Access", "string", "char", True, "PUBLIC or PROPRIETARY"),
    ("publicReleaseDate", "Release Date", "datetime", "char", True, "Public release date"),
    ("cal_ver", "Pipeline Version", "string", "char", False, "Calibration software version"),
    ("s_region", "Footprint", "string", "char", False, "STC-S footprint"),
    ("ang_sep", "Separation", "float", "float", True, "Angular separation (arcmin)"),
    ("search_key", "Search Key", "string", "char", False, "Search position and dataset"),
)


@dataclass(frozen=True)
class MissionColumns:
    """One mission's columns: `column_list` entries, `info` types and defaults."""

    mission: str
    entries: tuple[dict[str, Any], ...]
    dataset: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e["column_name"] for e in self.entries)

    def info_type(self, name: str) -> str:
        """The upper-case `info` type of a column (VARCHAR, FLOAT, INTEGER, DATETIME)."""
        entry = self.entry(name)
        if entry["qual_type"] == "datetime":
            return "DATETIME"
        return {"long": "INTEGER", "double": "FLOAT", "float": "FLOAT"}.get(
            entry["datatype"], "VARCHAR"
        )

    def entry(self, name: str) -> dict[str, Any]:
        """The entry of a column; KeyError when the mission has no such column."""
        return self._by_name()[name]

    def _by_name(self) -> dict[str, dict[str, Any]]:
        return {e["column_name"]: e for e in self.entries}

    def resolve(self, name: str) -> str | None:
        """The column's exact name (an exact match first, then case-insensitive), or None."""
        if name in self._by_name():
            return name
        lowered = {n.lower(): n for n in self.names}
        return lowered.get(str(name).lower())

    def defaults(self) -> tuple[str, ...]:
        """The columns a search returns when `select_cols` is null."""
        if self.mission == "hst":
            return HST_DEFAULTS
        hidden = {*POSITION_COLUMNS, "search_key"}
        return tuple(
            e["column_name"]
            for e in self.entries
            if e["default_output"] == "yes" and e["column_name"] not in hidden
        )


@cache
def mission_columns(mission: str) -> MissionColumns:
    """The columns of `mission` (hst or jwst); KeyError for any other."""
    if mission == "hst":
        entries = tuple(dict(e) for e in load_json("mission_columns.json"))
    elif mission == "jwst":
        entries = tuple(_jwst_entry(*column) for column in JWST_COLUMNS)
    else:
        raise KeyError(mission)
    return MissionColumns(mission, entries, DATASET_COLUMNS[mission])


def _jwst_entry(
    name: str, field: str, qual: str, datatype: str, default: bool, description: str
) -> dict[str, Any]:
    return {
        "field_name": field, "description": description, "column_name": name,
        "queryable": "no" if name in POSITION_COLUMNS else "yes", "qual_type": qual,
        "default_output": "yes" if default else "no", "indexed": "no", "datatype": datatype,
    }  # fmt: skip


def known_missions() -> tuple[str, ...]:
    """The missions the emulated Search API serves."""
    return tuple(sorted(DATASET_COLUMNS))
