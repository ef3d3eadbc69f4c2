"""A representative stock astroquery.mast session, its comparable results, and a worker.

``run_session(mast, download_dir)`` makes the calls and returns plain comparable results.
Run as a script, it is the offline half in a fresh process: mastcache.install() BEFORE
``import astroquery.mast``, offline mode, every socket connect refused and counted:
``python stock_session.py SERVER_URL CACHE_DIR DOWNLOAD_DIR OUT.pickle``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from astropy.table import Table

if __package__ in (None, ""):  # run as a script: tests/ holds the shared table comparator
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tablecompare import assert_tables_equal

M101 = (210.80227, 54.34895)
CRITERIA: dict[str, Any] = {
    "dataproduct_type": "image",
    "proposal_pi": "Ost*",
    "s_dec": [43.5, 45.5],
}
#: Calls of the session that the emulator answers from recorded samples (catalogs,
#: missions, cutouts) or from its synthetic sky (the rest).
NAMES = (
    "region",
    "object",
    "criteria",
    "criteria_count",
    "region_count",
    "paged",
    "missions_list",
    "products",
    "downloads",
    "resolved",
    "catalog_hsc",
    "mission_hst",
    "tess_sectors",
    "tess_cutouts",
    "zcut_surveys",
)


def run_session(mast: ModuleType, download_dir: Path) -> dict[str, Any]:
    """The calls, in order; each result made comparable (tables stay tables)."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    obs = mast.Observations
    m101 = SkyCoord(*M101, unit="deg")
    results: dict[str, Any] = {
        "region": obs.query_region(m101, radius=0.2 * u.deg),
        "object": obs.query_object("M101", radius="0.1 deg"),
        "criteria": obs.query_criteria(**CRITERIA),
        "criteria_count": obs.query_criteria_count(**CRITERIA),
        "region_count": obs.query_region_count(SkyCoord(23.34086, 60.658, unit="deg")),
        "paged": mast.Mast.service_request(
            "Mast.Caom.Cone", {"ra": M101[0], "dec": M101[1], "radius": 0.2}, pagesize=4
        ),
        "missions_list": sorted(obs.list_missions()),
    }
    products = obs.get_product_list(results["object"][:2])
    results["products"] = products
    results["downloads"] = _downloads(obs, products[:3], download_dir)
    resolved = mast.Mast.resolve_object("M1", resolver="NED")
    results["resolved"] = (float(resolved.ra.deg), float(resolved.dec.deg))
    results.update(_other_services(mast))
    return results


def _downloads(obs: Any, products: Table, download_dir: Path) -> list[tuple[str, str, str]]:
    manifest = obs.download_products(products, download_dir=str(download_dir))
    rows = []
    for row in manifest:
        path = Path(str(row["Local Path"]))
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
        rows.append((str(row["Status"]), path.name, digest))
    return rows


def _other_services(mast: ModuleType) -> dict[str, Any]:
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    cutouts = mast.Tesscut.get_cutouts(coordinates=SkyCoord(107.27, -70.0, unit="deg"), size=5)
    return {
        "catalog_hsc": mast.Catalogs.query_region(
            SkyCoord(23.34086, 60.658, unit="deg"), radius=0.002 * u.deg, catalog="HSC"
        ),
        "mission_hst": mast.MastMissions.query_region(
            SkyCoord(40.66963, -0.01328, unit="deg"),
            radius=3 * u.arcmin,
            sci_pep_id=[12556, 8794],
            select_cols=["sci_pep_id"],
            sort_by=["sci_pep_id"],
            sort_desc=[True],
        ),
        "tess_sectors": mast.Tesscut.get_sectors(
            coordinates=SkyCoord(324.24368, -27.01029, unit="deg")
        ),
        "tess_cutouts": [
            [
                hashlib.sha256(np.ascontiguousarray(hdu.data).tobytes()).hexdigest()
                for hdu in hdul[1:]
            ]
            for hdul in cutouts
        ],
        "zcut_surveys": sorted(
            mast.Zcut.get_surveys(coordinates=SkyCoord(189.49206, 62.20615, unit="deg"))
        ),
    }


def assert_same_results(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Every call gave an equal result (tables: names, dtypes, masks, values)."""
    assert list(ours) == list(theirs) == list(NAMES)
    for name in NAMES:
        if isinstance(theirs[name], Table):
            assert_tables_equal(ours[name], theirs[name], name)
        else:
            assert ours[name] == theirs[name], name


def _refuse_connections() -> list[Any]:
    """Make every socket connect fail, remembering where it tried to go."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError(f"network disabled in the offline worker (tried {address!r})")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign,assignment]
    return attempts


def main(server: str, cache_dir: str, download_dir: str, out: str) -> None:
    import astropy.config.configuration as configuration
    import astroquery

    os.environ.update(MASTCACHE_DIR=cache_dir, MASTCACHE_MODE="offline", HTTP_PROXY=server)
    configuration.get_config("astroquery.mast", rootname="astropy")["server"] = server
    astroquery.cache_conf.cache_active = False
    attempts = _refuse_connections()
    from mastcache.transparent import install

    assert "astroquery.mast" not in sys.modules
    install()
    import astroquery.mast as mast

    results = run_session(mast, Path(download_dir))
    with open(out, "wb") as handle:
        pickle.dump({"results": results, "connect_attempts": attempts}, handle)


if __name__ == "__main__":
    main(*sys.argv[1:5])
