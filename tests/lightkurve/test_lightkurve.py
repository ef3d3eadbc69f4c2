"""lightkurve 2.6 end to end through ``mastcache.install()``: online against the emulator,
then offline with the emulator stopped, each in its own process (lk_session.py).

The online run fills the cache; the offline run starts with an empty lightkurve download
folder, every socket refused, and must give the same answer at every step without one
request reaching the (stopped) emulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mastcache.emulator import EmulatorServer, start

pytest.importorskip("lightkurve", reason="pip install 'lightkurve==2.6.0' (the test extra)")

WORKER = Path(__file__).with_name("lk_session.py")
MISSIONS = ("kepler", "k2", "tess")
#: Steps that need downloaded products lightkurve can read.
PRODUCT_STEPS = ("download", "download_all", "read", "flatten", "fold", "bin")


def _run(server: str, cache: Path, downloads: Path, mode: str, out: Path) -> dict[str, Any]:
    downloads.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, str(WORKER), server, str(cache), str(downloads), mode, str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The online run, the offline replay, and the emulator's request counts around them."""
    root = tmp_path_factory.mktemp("lightkurve")
    cache = root / "cache"
    with start("127.0.0.1", 0) as server:
        online = _run(server.url, cache, root / "online", "cache-first", root / "online.json")
        served = len(server.requests)
        server_ref: EmulatorServer = server
        url = server.url
    offline = _run(url, cache, root / "offline", "offline", root / "offline.json")
    yield {
        "online": online,
        "offline": offline,
        "served_online": served,
        "served_after": len(server_ref.requests),
    }


def _step(run: dict[str, Any], name: str) -> dict[str, Any]:
    outcome: dict[str, Any] = run["steps"].get(name, {"ok": False, "error": "not reached"})
    return outcome


@pytest.mark.parametrize("mission", MISSIONS)
def test_searches_find_kepler_k2_and_tess_products(sessions: dict[str, Any], mission: str) -> None:
    for search in ("search_lightcurve", "search_targetpixelfile"):
        outcome = _step(sessions["online"], f"{mission}.{search}")
        assert outcome["ok"], outcome
        assert outcome["value"]["rows"], f"{mission}.{search} found nothing"
        assert outcome["warnings"] == [], outcome


def test_search_tesscut_finds_sectors(sessions: dict[str, Any]) -> None:
    outcome = _step(sessions["online"], "tesscut.search_tesscut")
    assert outcome["ok"], outcome
    assert outcome["value"]["rows"], "search_tesscut found no sector"


@pytest.mark.parametrize("mission", MISSIONS)
def test_products_download_and_analyse(sessions: dict[str, Any], mission: str) -> None:
    for name in (*PRODUCT_STEPS, "download_tpf", "to_lightcurve"):
        outcome = _step(sessions["online"], f"{mission}.{name}")
        assert outcome["ok"], (name, outcome)
    curve = _step(sessions["online"], f"{mission}.download")["value"]
    assert curve["type"].endswith("LightCurve") and curve["n"] > 100


def test_tesscut_downloads_and_makes_a_light_curve(sessions: dict[str, Any]) -> None:
    for name in ("download", "to_lightcurve"):
        outcome = _step(sessions["online"], f"tesscut.{name}")
        assert outcome["ok"], (name, outcome)


def test_offline_replay_gives_the_same_answers_without_a_request(sessions: dict[str, Any]) -> None:
    online, offline = sessions["online"], sessions["offline"]
    assert offline["connect_attempts"] == []
    assert online["connect_attempts"] == []  # nothing beyond 127.0.0.1, even online
    assert sessions["served_after"] == sessions["served_online"]
    assert list(offline["steps"]) == list(online["steps"])
    for name, outcome in online["steps"].items():
        again = offline["steps"][name]
        assert again["ok"] == outcome["ok"], (name, again)
        if outcome["ok"]:
            assert again["value"] == outcome["value"], name


@pytest.mark.remote
@pytest.mark.skipif(
    os.environ.get("MASTCACHE_REMOTE") != "1", reason="live MAST profile: set MASTCACHE_REMOTE=1"
)
def test_live_mast_every_step_works_and_replays_offline(tmp_path: Path) -> None:
    """The same session against the real archive (see tests/compat/test_remote.py)."""
    online = _run("-", tmp_path / "cache", tmp_path / "online", "cache-first", tmp_path / "on.json")
    offline = _run("-", tmp_path / "cache", tmp_path / "offline", "offline", tmp_path / "off.json")
    failed = {name: o["error"] for name, o in online["steps"].items() if not o["ok"]}
    assert failed == {}
    assert offline["connect_attempts"] == []
    for name, outcome in online["steps"].items():
        again = offline["steps"][name]
        assert (again["ok"], again.get("value")) == (outcome["ok"], outcome.get("value")), name
