"""Same cutout calls, same emulator: stock astroquery 0.4.11's Tesscut, Zcut and Hapcut
against mastcache's. HDULists must agree (file names, every header card, the WCS, every data
array), as must sector tables, survey lists, download manifests (and the files they name) and
the warnings users see; then every call replays through mastcache alone, offline, with the
server unreachable and sockets disabled, and must still agree.
"""

from __future__ import annotations

import hashlib
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from mastcache.client import HapcutClass, TesscutClass, ZcutClass

TARGET = SkyCoord(349.62609, -47.12424, unit="deg")
GOODS_N = SkyCoord(189.28065571, 62.17415175, unit="deg")
HAP = SkyCoord(351.347812, 28.497808, unit="deg")
NOWHERE = SkyCoord(0.0, 0.0, unit="deg")
WATCHED_WARNINGS = ("NoResultsWarning", "InputWarning")

#: (Tesscut, Zcut, Hapcut, download folder) -> result
Call = Callable[[Any, Any, Any, Path], Any]

CALLS: dict[str, Call] = {
    # -- sector and survey lookups ----------------------------------------------------------
    "tess-sectors": lambda t, z, h, d: t.get_sectors(coordinates=TARGET),
    "tess-sectors-radius": lambda t, z, h, d: t.get_sectors(coordinates=TARGET, radius=10),
    "tess-sectors-name": lambda t, z, h, d: t.get_sectors(objectname="M104"),
    "tess-sectors-none": lambda t, z, h, d: t.get_sectors(coordinates=NOWHERE),
    "tess-sectors-moving": lambda t, z, h, d: t.get_sectors(
        objectname="Eleonora", moving_target=True
    ),
    "zcut-surveys": lambda t, z, h, d: z.get_surveys(GOODS_N),
    "zcut-surveys-none": lambda t, z, h, d: z.get_surveys(
        SkyCoord(57.10523, -30.08085, unit="deg")
    ),
    # -- TESScut ---------------------------------------------------------------------------
    "tess-recorded": lambda t, z, h, d: t.get_cutouts(
        coordinates=SkyCoord(107.27, -70.0, unit="deg"), size=5
    ),
    "tess-sector": lambda t, z, h, d: t.get_cutouts(coordinates=TARGET, size=[5, 7], sector=2),
    "tess-sectors-list-arcmin": lambda t, z, h, d: t.get_cutouts(
        coordinates=TARGET, size=[1, 1] * u.arcmin, sector=[28, 54]
    ),
    "tess-name": lambda t, z, h, d: t.get_cutouts(objectname="M104", size=3),
    "tess-none": lambda t, z, h, d: t.get_cutouts(coordinates=NOWHERE, size=3),
    "tess-moving": lambda t, z, h, d: t.get_cutouts(
        objectname="Eleonora", moving_target=True, size=3, sector=45
    ),
    "tess-download": lambda t, z, h, d: t.download_cutouts(
        coordinates=TARGET, size=3, sector=[1, 2], path=str(d)
    ),
    "tess-download-zip": lambda t, z, h, d: t.download_cutouts(
        coordinates=TARGET, size=4, sector=1, path=str(d), inflate=False
    ),
    # -- Zcut ------------------------------------------------------------------------------
    "zcut-recorded": lambda t, z, h, d: z.get_cutouts(
        SkyCoord(189.49206, 62.20615, unit="deg"), size=100
    ),
    "zcut-all-surveys": lambda t, z, h, d: z.get_cutouts(GOODS_N, size=[8, 6]),
    "zcut-survey": lambda t, z, h, d: z.get_cutouts(GOODS_N, size=2, survey="3dhst_goods-n"),
    "zcut-survey-none": lambda t, z, h, d: z.get_cutouts(GOODS_N, survey="candels_gn_30mas"),
    "zcut-download-jpg": lambda t, z, h, d: z.download_cutouts(
        GOODS_N,
        size=[10, 20],
        survey="3dhst_goods-n",
        cutout_format="jpg",
        path=str(d),
        stretch="sqrt",
        invert=True,
    ),
    "zcut-download-png-zip": lambda t, z, h, d: z.download_cutouts(
        GOODS_N, size=12, cutout_format="png", path=str(d), inflate=False
    ),
    # -- HAPcut ----------------------------------------------------------------------------
    "hapcut": lambda t, z, h, d: h.get_cutouts(HAP, size=[2, 3]),
    "hapcut-arcsec": lambda t, z, h, d: h.get_cutouts(HAP, size=5 * u.arcsec),
    "hapcut-none": lambda t, z, h, d: h.get_cutouts(SkyCoord(102.7, 70.5, unit="deg")),
    "hapcut-download": lambda t, z, h, d: h.download_cutouts(HAP, size=5, path=str(d)),
}
CUTOUT_CALLS = [name for name in CALLS if "sectors" not in name and "surveys" not in name]


@dataclass(frozen=True)
class Outcome:
    """What one call gave (made comparable), or its error, and the warnings users see."""

    value: Any
    error: tuple[str, str] | None
    warned: tuple[tuple[str, str], ...]


def _hdu_summary(hdu: Any) -> tuple[Any, ...]:
    header = hdu.header.tostring()
    if isinstance(hdu, fits.BinTableHDU):
        return header, tuple((n, np.asarray(hdu.data[n]).tobytes()) for n in hdu.columns.names)
    wcs = WCS(hdu.header).to_header().tostring() if hdu.header.get("NAXIS") else ""
    data = b"" if hdu.data is None else np.asarray(hdu.data).tobytes()
    return header, wcs, data


def _file_summary(path: str) -> tuple[str, Any]:
    if path.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            return "zip", tuple((n, hashlib.sha256(archive.read(n)).hexdigest())
                                for n in archive.namelist())  # fmt: skip
    return Path(path).name, hashlib.sha256(Path(path).read_bytes()).hexdigest()


def comparable(value: Any) -> Any:
    """HDULists, manifests, sector tables and survey lists as plain, comparable values."""
    if isinstance(value, list) and value and isinstance(value[0], fits.HDUList):
        return [(h.filename, [_hdu_summary(hdu) for hdu in h]) for h in value]
    if isinstance(value, Table) and value.colnames == ["Local Path"]:
        return ["manifest", *(_file_summary(str(p)) for p in value["Local Path"])]
    if isinstance(value, Table):
        return (
            value.colnames,
            [tuple(row) for row in value],
            [str(value[c].dtype) for c in value.colnames],
        )
    return value


def run(call: Call, clients: tuple[Any, Any, Any], folder: Path) -> Outcome:
    folder.mkdir(parents=True, exist_ok=True)  # astroquery's Zcut and Hapcut need it made
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, error = comparable(call(*clients, folder)), None
        except Exception as exc:
            value, error = None, (type(exc).__name__, str(exc))
    warned = {(w.category.__name__, str(w.message)) for w in caught}
    return Outcome(value, error, tuple(sorted(w for w in warned if w[0] in WATCHED_WARNINGS)))


def run_all(clients: tuple[Any, Any, Any], folder: Path) -> dict[str, Outcome]:
    return {name: run(call, clients, folder / name) for name, call in CALLS.items()}


def _ours() -> tuple[Any, Any, Any]:
    return TesscutClass(), ZcutClass(), HapcutClass()


@pytest.fixture(scope="module")
def astroquery_outcomes(
    astroquery_mast: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Outcome]:
    clients = (astroquery_mast.Tesscut, astroquery_mast.Zcut, astroquery_mast.Hapcut)
    return run_all(clients, tmp_path_factory.mktemp("astroquery-cutouts"))


@pytest.fixture(scope="module")
def online_outcomes(
    configured: str,
    astroquery_outcomes: dict[str, Outcome],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Outcome]:
    return run_all(_ours(), tmp_path_factory.mktemp("mastcache-cutouts"))


@pytest.fixture(scope="module")
def offline_outcomes(
    online_outcomes: dict[str, Outcome],
    tmp_path_factory: pytest.TempPathFactory,
    no_network: Callable[[], Any],
) -> dict[str, Outcome]:
    """The same calls again: offline, the server stopped, every socket disabled."""
    with no_network():
        return run_all(_ours(), tmp_path_factory.mktemp("offline-cutouts"))


def test_enough_cutout_calls_that_return_cutouts(astroquery_outcomes: dict[str, Outcome]) -> None:
    with_files = [n for n in CUTOUT_CALLS if astroquery_outcomes[n].value not in (None, [])]
    assert len(with_files) >= 10
    assert all(astroquery_outcomes[n].error is None for n in CALLS)


@pytest.mark.parametrize("name", list(CALLS))
def test_online_matches_astroquery(
    name: str, online_outcomes: dict[str, Outcome], astroquery_outcomes: dict[str, Outcome]
) -> None:
    assert online_outcomes[name] == astroquery_outcomes[name]


@pytest.mark.parametrize("name", list(CALLS))
def test_offline_replay_matches_astroquery(
    name: str, offline_outcomes: dict[str, Outcome], astroquery_outcomes: dict[str, Outcome]
) -> None:
    assert offline_outcomes[name] == astroquery_outcomes[name]


def test_the_suite_covers_the_promised_cases(astroquery_outcomes: dict[str, Outcome]) -> None:
    outcomes = astroquery_outcomes
    no_results = {
        "tess-none": "No FFIs found for input target. Cutout not performed.",
        "tess-sectors-none": "Coordinates are not in any TESS sector.",
        "zcut-surveys-none": "Coordinates are not in an available deep field survey.",
        "zcut-survey-none": "No survey images found for input target. Cutout not performed.",
        "hapcut-none": "Missing HAP files for input target. Cutout not performed.",
    }
    for name, message in no_results.items():
        assert ("NoResultsWarning", message) in outcomes[name].warned, name
    assert outcomes["zcut-surveys"].value == ["candels_gn_60mas", "goods_north", "3dhst_goods-n"]
    recorded = outcomes["tess-recorded"].value
    assert recorded[0][0] == "tess-s0001-4-3_107.27_-70.0_5x5_astrocut.fits"  # the sample
    assert len(outcomes["tess-sectors-list-arcmin"].value) == 2
