"""A snapshot of chosen queries carries what their replay needs: the name resolutions behind
their positions and the column configurations (issue #18); a replay miss names the snapshot
and what it lacks, without advice about offline mode that does not apply."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache import runtime, snapshot
from mastcache.emulator import EmulatorServer
from mastcache.errors import CacheMissError
from mastcache.settings import Settings
from mastcache.store import Store


def calls() -> dict[str, int]:
    from mastcache.client import Observations

    return {
        "object": len(Observations.query_object("M101", radius="0.05 deg")),
        "criteria": len(
            Observations.query_criteria(objectname="M101", radius=0.2, obs_collection="HST")
        ),
        "count": Observations.query_criteria_count(obs_collection="TESS", t_exptime=[100, 2000]),
    }


@pytest.fixture
def filled(settings: Settings, emulator_session: EmulatorServer) -> Iterator[dict[str, int]]:
    runtime.configure(cache_dir=settings.cache_dir, mast_url=emulator_session.url)
    try:
        yield calls()
    finally:
        runtime.reset()


def data_query_keys(settings: Settings) -> list[str]:
    """The keys a user would pick: the observation queries, no resolution, no config."""
    with Store.open(settings) as store:
        return [q.key for q in store.list_queries(kind="observations")]


def test_chosen_queries_replay_without_their_resolutions_named(
    settings: Settings, filled: dict[str, int], tmp_path: Path
) -> None:
    keys = data_query_keys(settings)
    assert len(keys) == 3
    info = snapshot.create("chosen", keys=keys, output_dir=tmp_path, settings=settings)
    with snapshot.replay(info.path, settings=settings):
        assert calls() == filled
    summary = info.summary()
    assert "resolution" in summary


def test_a_replay_miss_names_the_snapshot_and_what_it_lacks(
    settings: Settings, filled: dict[str, int], tmp_path: Path
) -> None:
    from mastcache.client import Observations

    keys = data_query_keys(settings)[:1]
    info = snapshot.create("one", keys=keys, output_dir=tmp_path, settings=settings)
    with pytest.raises(CacheMissError) as miss, snapshot.replay(info.path, settings=settings):
        Observations.query_object("M31", radius="0.05 deg")
    message = str(miss.value)
    assert "one.mastsnap" in message and "'M31'" in message
    assert "MASTCACHE_MODE" not in message and "without offline mode" not in message
    assert "snapshot" in message.split("'M31'")[1]  # says how to get a snapshot that holds it


def test_the_config_service_name_is_the_clients() -> None:
    from mastcache.client.core import COLUMNS_CONFIG
    from mastcache.snapshot import selection

    assert selection.COLUMNS_CONFIG == COLUMNS_CONFIG
