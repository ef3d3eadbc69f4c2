"""``sky_epoch``: epoch 0 leaves every byte the emulator serves unchanged; later epochs move
the sky deterministically (new visits, withdrawn observations, revised metadata,
reprocessed products)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from mastcache.emulator import EmulatorConfig, EmulatorServer, start
from mastcache.emulator.sky.observations import _named_objects, build_sky, sky_for_seed
from mastcache.errors import ConfigurationError

SEED = EmulatorConfig().seed
M101 = {"ra": 210.802429, "dec": 54.34875, "radius": 0.2}
REQUESTS: list[dict[str, Any]] = [
    {"service": "Mast.Caom.Cone", "params": M101},
    {"service": "Mast.Caom.Cone", "params": {"ra": 10.68, "dec": 41.27, "radius": 1.0}},
    {
        "service": "Mast.Caom.Filtered.Position",
        "params": {
            "columns": "*",
            "filters": [{"paramName": "obs_collection", "values": ["HST", "TESS"]}],
            "position": "210.802429, 54.34875, 0.3",
        },
    },
    {
        "service": "Mast.Caom.Filtered",
        "params": {
            "columns": "*",
            "filters": [{"paramName": "obs_collection", "values": ["JWST"]}],
        },
    },
]


def ask(server: EmulatorServer, request: dict[str, Any]) -> bytes:
    body = {"request": json.dumps({**request, "format": "json", "pagesize": 5000})}
    response = requests.post(f"{server.url}/api/v0/invoke", data=body, timeout=60)
    response.raise_for_status()
    return response.content


def rows(server: EmulatorServer, request: dict[str, Any]) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(ask(server, request))["data"]
    return data


def products(server: EmulatorServer, obsids: list[str]) -> list[dict[str, Any]]:
    request = {"service": "Mast.Caom.Products", "params": {"obsid": ",".join(obsids)}}
    return rows(server, request)


@pytest.fixture(scope="module")
def today() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="module")
def epoch0() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0, sky_epoch=0) as server:
        yield server


@pytest.fixture(scope="module")
def epoch1() -> Iterator[EmulatorServer]:
    with start("127.0.0.1", 0, sky_epoch=1) as server:
        yield server


@pytest.mark.parametrize("index", range(len(REQUESTS)))
def test_epoch_0_serves_every_byte_unchanged(
    today: EmulatorServer, epoch0: EmulatorServer, index: int
) -> None:
    assert ask(epoch0, REQUESTS[index]) == ask(today, REQUESTS[index])


def test_epoch_0_products_and_sky_are_unchanged(
    today: EmulatorServer, epoch0: EmulatorServer
) -> None:
    obsids = [str(r["obsid"]) for r in rows(today, REQUESTS[0])]
    assert products(epoch0, obsids) == products(today, obsids)
    assert sky_for_seed(SEED, 0) is sky_for_seed(SEED)
    assert build_sky(SEED, _named_objects(), 0).rows == sky_for_seed(SEED).rows


def test_a_later_epoch_is_the_same_sky_every_time() -> None:
    first, second = build_sky(SEED, _named_objects(), 2), build_sky(SEED, _named_objects(), 2)
    assert first.rows == second.rows and first.reprocessed == second.reprocessed
    assert first.rows != sky_for_seed(SEED).rows


def test_epoch_1_moves_the_sky_in_every_way(today: EmulatorServer, epoch1: EmulatorServer) -> None:
    before = {str(r["obsid"]): r for r in rows(today, REQUESTS[0])}
    after = {str(r["obsid"]): r for r in rows(epoch1, REQUESTS[0])}
    added, withdrawn = set(after) - set(before), set(before) - set(after)
    assert added and withdrawn
    for obsid in added:  # a new visit: its own ids, a later time
        assert after[obsid]["obs_id"] not in {r["obs_id"] for r in before.values()}
    revised = [o for o in set(before) & set(after) if before[o] != after[o]]
    assert revised
    changed = {k for o in revised for k in before[o] if before[o][k] != after[o][k]}
    assert changed <= {"t_obs_release", "srcDen"}
    common = sorted(set(before) & set(after))
    old, new = products(today, common), products(epoch1, common)
    assert len(old) == len(new)
    reprocessed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert reprocessed
    assert all(b["prvversion"].endswith("(reprocessed 1x)") for _, b in reprocessed)
    assert all(a["productFilename"] == b["productFilename"] for a, b in reprocessed)


def test_the_epoch_must_be_in_range() -> None:
    with pytest.raises(ConfigurationError, match="sky_epoch=-1"):
        EmulatorConfig(sky_epoch=-1)
    assert EmulatorConfig().new(sky_epoch="3").sky_epoch == 3


def test_emulator_serve_sky_epoch(epoch1: EmulatorServer) -> None:
    command = [sys.executable, "-m", "mastcache", "emulator", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--sky-epoch", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        body = {"request": json.dumps({**REQUESTS[0], "format": "json", "pagesize": 5000})}
        served = requests.post(f"{url}/api/v0/invoke", data=body, timeout=60)
        assert served.content == ask(epoch1, REQUESTS[0])
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
