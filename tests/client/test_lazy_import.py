"""Importing mastcache loads only what is used: a client name imports its own module, and a
first cached call loads neither pandas, SQLAlchemy nor the HTTP cache (each in a fresh
process, since this one has imported everything already)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer

HEAVY = ("pandas", "sqlalchemy", "alembic", "requests_cache", "duckdb")
OTHER_CLIENTS = ("mastcache.client.catalogs", "mastcache.client.cutouts")


def loaded_after(code: str, cache_dir: Path, watched: tuple[str, ...]) -> list[str]:
    """Which of ``watched`` modules a fresh process has imported after running ``code``."""
    report = f"print(json.dumps([m for m in {watched!r} if m in sys.modules]))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env.update(MASTCACHE_DIR=str(cache_dir), MASTCACHE_MODE="offline")
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
