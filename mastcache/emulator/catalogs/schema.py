"""The catalogs the emulator serves: each one's columns (name and Portal type, exactly as the
recorded samples list them), its id column, density and the Portal services that reach it
(MAST_PROTOCOL.md section 1.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Final

from mastcache.emulator.samples.recorded import load_json
from mastcache.emulator.sky.columns import Field

GAIA_FIELDS: Final[tuple[Field, ...]] = (
    ("solution_id", "long"), ("designation", "string"), ("source_id", "long"),
    ("random_index", "long"), ("ref_epoch", "float"), ("ra", "float"), ("ra_error", "float"),
    ("dec", "float"), ("dec_error", "float"), ("parallax", "float"),
    ("parallax_error", "float"), ("pmra", "float"), ("pmra_error", "float"),
    ("pmdec", "float"), ("pmdec_error", "float"), ("astrometric_n_obs_al", "int"),
    ("astrometric_excess_noise", "float"), ("visibility_periods_used", "int"),
    ("phot_g_n_obs", "int"), ("phot_g_mean_flux", "float"), ("phot_g_mean_mag", "float"),
    ("phot_bp_mean_mag", "float"), ("phot_rp_mean_mag", "float"), ("bp_rp", "float"),
    ("radial_velocity", "float"), ("radial_velocity_error", "float"),
    ("phot_variable_flag", "string"), ("l", "float"), ("b", "float"),
    ("ecl_lon", "float"), ("ecl_lat", "float"), ("teff_val", "float"), ("a_g_val", "float"),
    ("radius_val", "float"), ("lum_val", "float"), ("distance", "float"),
)  # fmt: skip
GALEX_FIELDS: Final[tuple[Field, ...]] = (
    ("distance_arcmin", "float"), ("objid", "long"), ("survey", "string"), ("ra", "float"),
    ("dec", "float"), ("band", "int"), ("fov_radius", "float"), ("IAUName", "string"),
    ("nuv_exptime", "float"), ("fuv_exptime", "float"), ("fuv_mag", "float"),
    ("fuv_magerr", "float"), ("nuv_mag", "float"), ("nuv_magerr", "float"),
    ("fuv_flux", "float"), ("fuv_fluxerr", "float"), ("nuv_flux", "float"),
    ("nuv_fluxerr", "float"), ("e_bv", "float"), ("ra_cent", "float"), ("dec_cent", "float"),
    ("xCenter", "float"), ("yCenter", "float"), ("SSAPFitsFile", "string"),
    ("nuv_flux_auto", "float"), ("nuv_flux_aper_7", "float"), ("nuv_artifact", "int"),
    ("fuv_flux_auto", "float"), ("fuv_flux_aper_7", "float"), ("fuv_artifact", "int"),
    ("_selected_", "boolean"),
)  # fmt: skip
PLATO_FIELDS: Final[tuple[Field, ...]] = (
    ("sourceId", "long"), ("ra", "float"), ("dec", "float"), ("gaiaDR3", "long"),
    ("ticId", "long"), ("Gmag", "float"), ("Vmag", "float"), ("Pmag", "float"),
    ("Teff", "float"), ("radius", "float"), ("mass", "float"), ("field", "string"),
    ("nCam", "int"), ("distance", "float"),
)  # fmt: skip
TIC_DISTANCE: Final[Field] = ("dstArcSec", "float")


@dataclass(frozen=True)
class CatalogSchema:
    """One catalog: its key, columns and where its id, position and distance live."""

    key: str
    fields: tuple[Field, ...]
    id_column: str
    ra_column: str
    dec_column: str
    distance: Field | None
    distance_scale: float
    per_object: int
    background: int
    null_marker: float | None = None
    object_id_from_position: bool = False
    layout: str = ""

    @property
    def layout_key(self) -> str:
        """Catalogs sharing a layout key place their sources at the same positions."""
        return self.layout or self.key

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(name for name, _ in self.fields)

    @property
    def types(self) -> dict[str, str]:
        """Column name -> Portal type (with the distance column, when there is one)."""
        fields = self.fields
        if self.distance is not None and self.distance[0] not in self.names:
            fields = (*fields, self.distance)
        return dict(fields)

    @property
    def output_fields(self) -> tuple[Field, ...]:
        """The columns of a cone answer: the distance column last unless already listed."""
        if self.distance is None or self.distance[0] in self.names:
            return self.fields
        return (*self.fields, self.distance)


def _recorded_fields(filename: str) -> tuple[Field, ...]:
    return tuple((f["name"], f["type"]) for f in load_json(filename)["fields"])


@cache
def schema(key: str) -> CatalogSchema:
    """The schema of catalog `key` (tic, ctl, gaiadr1..3, plato, diskdetective, hsc, galex,
    hscmatches, hscspectra); KeyError for any other."""
    return _SCHEMAS[key]()


def known_catalogs() -> tuple[str, ...]:
    """Every catalog key `schema` answers."""
    return tuple(sorted(_SCHEMAS))


def _tic() -> CatalogSchema:
    fields = _recorded_fields("tic.json")
    return CatalogSchema("tic", fields, "ID", "ra", "dec", TIC_DISTANCE, 3600.0, 60, 4000)


def _ctl() -> CatalogSchema:
    fields = _recorded_fields("tic.json")
    return CatalogSchema("ctl", fields, "ID", "ra", "dec", TIC_DISTANCE, 3600.0, 12, 800)


def _gaia(release: str) -> CatalogSchema:
    fields = GAIA_FIELDS[:-1]
    distance = GAIA_FIELDS[-1]
    return CatalogSchema(release, fields, "source_id", "ra", "dec", distance, 60.0, 50, 3000)


def _plato() -> CatalogSchema:
    return CatalogSchema(
        "plato", PLATO_FIELDS[:-1], "sourceId", "ra", "dec", PLATO_FIELDS[-1], 60.0, 20, 1000
    )


def _disk_detective() -> CatalogSchema:
    fields = _recorded_fields("dd.json")
    return CatalogSchema("diskdetective", fields, "designation", "ra", "dec", None, 1.0, 3, 600)


def _hsc() -> CatalogSchema:
    fields = _recorded_fields("hsc.json")
    distance = ("Distance", "float")
    return CatalogSchema("hsc", fields, "MatchID", "MatchRA", "MatchDec", distance, 60.0, 45, 1500)


def _galex() -> CatalogSchema:
    fields = GALEX_FIELDS
    distance = ("distance_arcmin", "float")
    return CatalogSchema("galex", fields, "objid", "ra", "dec", distance, 60.0, 30, 2000)


def _hsc_matches() -> CatalogSchema:
    fields = _recorded_fields("matchid.json")
    return CatalogSchema("hscmatches", fields, "SourceID", "SourceRA", "SourceDec", None, 1.0, 0, 0)


def _hsc_spectra() -> CatalogSchema:
    fields = _recorded_fields("spectra.json")
    return CatalogSchema("hscspectra", fields, "ObjID", "RA", "Dec", None, 1.0, 0, 0)


_SCHEMAS: Final = {
    "tic": _tic,
    "ctl": _ctl,
    "gaiadr1": lambda: _gaia("gaiadr1"),
    "gaiadr2": lambda: _gaia("gaiadr2"),
    "gaiadr3": lambda: _gaia("gaiadr3"),
    "plato": _plato,
    "diskdetective": _disk_detective,
    "hsc": _hsc,
    "galex": _galex,
    "hscmatches": _hsc_matches,
    "hscspectra": _hsc_spectra,
}
