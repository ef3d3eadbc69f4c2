"""Importing mastcache loads only what is used: a client name imports its own module, and a
first cached call loads neither pandas, SQLAlchemy nor the HTTP cache, nor the HTTP stack,
the download engine or (offline, in the CLI) keyring's macOS backend (each in a fresh process,
since this one has imported everything already)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer

HEAVY = ("pandas", "sqlalchemy", "alembic", "requests_cache", "duckdb")
OTHER_CLIENTS = ("mastcache.client.catalogs", "mastcache.client.cutouts")
#: what only a fetch or a download needs: the HTTP client, the gateways, the download engine
FETCHING = (
    "requests",
    "urllib3",
    "mastcache.net.transport",
    "mastcache.gateways.portal",
    "mastcache.products",
)
OFFLINE_COUNT = ["--mode", "offline", "query", "--object", "M101", "--count"]


def loaded_after(code: str, cache_dir: Path, watched: tuple[str, ...], **environ: str) -> list[str]:
    """Which of ``watched`` modules a fresh process has imported after running ``code``."""
    report = f"print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env.pop("MAST_API_TOKEN", None)
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.update({"MASTCACHE_DIR": str(cache_dir), "MASTCACHE_MODE": "offline"})
    env.update(environ)
    done = subprocess.run(
        [sys.executable, "-c", f"import json, sys\n{code}\n{report}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=env,
    )
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_importing_the_package_loads_no_client(cache_dir: Path) -> None:
    watched = ("mastcache.client", "requests", "astropy.coordinates", "astropy.table", *HEAVY)
    assert loaded_after("import mastcache", cache_dir, watched) == []


def test_a_first_cached_call_loads_only_its_client_and_no_heavy_library(
    cache_dir: Path, live: EmulatorServer
) -> None:
    assert ObservationsClass().query_object_count("M101", radius=0.2) > 0
    runtime.reset()
    code = (
        "from mastcache import Observations\n"
        "assert Observations.query_object_count('M101', radius=0.2) > 0\n"
    )
    assert loaded_after(code, cache_dir, HEAVY + OTHER_CLIENTS) == []


def test_star_import_and_dir_still_list_every_public_name(cache_dir: Path) -> None:
    code = (
        "from mastcache import *\n"
        "import mastcache, mastcache.client\n"
        "assert {'Observations', 'Catalogs', 'Zcut', 'sql'} <= set(dir(mastcache))\n"
        "assert set(mastcache.client.__all__) <= set(dir(mastcache.client))\n"
        "assert type(Catalogs).__name__ == 'CatalogsClass'\n"
        "assert Observations is mastcache.Observations\n"
        "assert mastcache.client.ZcutClass is type(Zcut)\n"
    )
    assert loaded_after(code, cache_dir, OTHER_CLIENTS) == list(OTHER_CLIENTS)


def filled(cache_dir: Path) -> Path:
    """``cache_dir`` holding M101's resolution and its count in a 0.2 degree cone."""
    assert ObservationsClass().query_object_count("M101") > 0
    runtime.reset()
    return cache_dir


def test_a_cached_hit_loads_no_http_stack_and_no_download_engine(
    cache_dir: Path, live: EmulatorServer
) -> None:
    code = "from mastcache import Observations\nassert Observations.query_object_count('M101')\n"
    assert loaded_after(code, filled(cache_dir), FETCHING) == []


def test_an_offline_cli_hit_loads_no_http_stack_and_no_download_engine(
    cache_dir: Path, live: EmulatorServer, tmp_path: Path
) -> None:
    """The CLI also looks for a token in the keyring (the null backend here: never a real
    keyring), and refuses keyring's macOS Security API off macOS (tests/auth)."""
    code = f"from mastcache.cli import main\nassert main({OFFLINE_COUNT!r}) == 0\n"
    watched = (*FETCHING, "keyring.backends.macOS.api")
    null = "keyring.backends.null.Keyring"
    assert loaded_after(code, filled(cache_dir), watched, PYTHON_KEYRING_BACKEND=null) == []


@pytest.mark.skipif(platform.system() != "Linux", reason="keyring's discovery on Linux")
def test_an_offline_cli_hit_discovering_the_keyring_skips_the_macos_api(
    cache_dir: Path, live: EmulatorServer, tmp_path: Path
) -> None:
    """keyring's own discovery (no backend configured), kept off any real keyring: no
    session bus (Secret Service), empty config and data folders."""
    code = f"from mastcache.cli import main\nassert main({OFFLINE_COUNT!r}) == 0\n"
    isolated = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}",
    }
    watched = ("keyring", "keyring.backends.macOS.api")
    assert loaded_after(code, filled(cache_dir), watched, **isolated) == ["keyring"]


def test_a_cached_hit_by_name_loads_no_astropy_coordinates(
    cache_dir: Path, live: EmulatorServer
) -> None:
    """A name whose stored position is plain degrees, and a Quantity radius, need no SkyCoord
    and no Angle (client/coordinates.py); the table is read without it too."""
    code = "from mastcache import Observations\nassert Observations.query_object_count('M101')\n"
    assert loaded_after(code, filled(cache_dir), ("astropy.coordinates",)) == []


@pytest.mark.parametrize("pages", ["one page", "pages of 5 rows"])
def test_a_cold_fetch_and_its_hit_never_import_pandas(
    cache_dir: Path, live: EmulatorServer, pages: str
) -> None:
    """pyarrow imports pandas (~0.35 s of CPU) the first time it is asked to convert numpy
    data, unless it is handed buffers: storing a fetched table with masked text, numbers and
    booleans, and reading it back, go through buffers only (store/columns.py, strings.py),
    and so does typing the pages of a longer query (gateways/arrowpage.py)."""
    paging = "import mastcache\nmastcache.configure(pagesize=5)\n" if pages != "one page" else ""
    code = paging + (
        "from mastcache import Observations\n"
        "table = Observations.query_region('210.80227 54.34895', radius='0.2 deg')\n"
        "masked = [c.name for c in table.itercols() if getattr(c, 'mask', None) is not None\n"
        "          and c.mask.any()]\n"
        "assert len(table) > 0 and {'sequence_number', 'proposal_id'} <= set(masked), masked\n"
    )
    online = {"MASTCACHE_MODE": "cache-first", "MASTCACHE_MAST_URL": live.url}
    assert loaded_after(code, cache_dir, ("pandas",), **online) == []  # fetch and store
    assert loaded_after(code, cache_dir, ("pandas",)) == []  # offline: read back
