"""Record a client session against the emulator, delete the cache, stop the emulator, and
replay it from the snapshot alone."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mastcache import runtime, snapshot
from mastcache.archive import Archive, QuerySpec
from mastcache.errors import CacheMissError
from mastcache.policy import RefreshPolicy
from mastcache.store import Store


def test_replay_serves_the_recorded_tables_with_no_cache_and_no_server(
    recorded: Any,
    offline_elsewhere: Path,
    tmp_path: Path,
    run_session: Callable[[], dict[str, Any]],
    assert_tables_equal: Callable[..., None],
) -> None:
    bundle = Path(shutil.copy(recorded.bundle, tmp_path / "moved.mastsnap"))
    shutil.rmtree(recorded.cache_dir, ignore_errors=True)
    with snapshot.replay(bundle):
        replayed = run_session()
    assert replayed.keys() == recorded.originals.keys()
    for name, table in recorded.originals.items():
        assert len(table) > 0, name
        assert_tables_equal(replayed[name], table)
        assert replayed[name].meta["mastcache"]["key"] == table.meta["mastcache"]["key"]
    assert not offline_elsewhere.exists() or not any(offline_elsewhere.rglob("*.parquet"))


def test_a_call_the_snapshot_cannot_answer_names_the_call(
    recorded: Any, offline_elsewhere: Path
) -> None:
    from mastcache.client import Observations

    with pytest.raises(CacheMissError) as miss, snapshot.replay(recorded.bundle):
        Observations.query_object("M31", radius="0.05 deg")
    assert "M31" in str(miss.value) and str(recorded.bundle) in str(miss.value)


def test_replay_is_offline_even_inside_an_online_block(
    recorded: Any, offline_elsewhere: Path, assert_tables_equal: Callable[..., None]
) -> None:
    from mastcache.client import Observations

    with runtime.using_mode("online"), snapshot.replay(recorded.bundle):
        assert runtime.effective_mode() == "offline"
        table = Observations.query_object("M101", radius="0.05 deg")
    assert_tables_equal(table, recorded.originals["object"])


def test_client_provenance_says_snapshot(recorded: Any, offline_elsewhere: Path) -> None:
    from mastcache.client import Observations

    with snapshot.replay(recorded.bundle):
        table = Observations.query_object("M101", radius="0.05 deg")
    assert table.meta["mastcache"]["source"] == "snapshot"


def test_an_archive_built_from_the_runtime_labels_results_snapshot(
    recorded: Any, offline_elsewhere: Path
) -> None:
    manifest = snapshot.verify(recorded.bundle).manifest
    assert manifest is not None
    entry = next(q for q in manifest.queries if q.kind == "observations")
    spec = QuerySpec(entry.service, entry.params, kind=entry.kind, scope=entry.scope)
    assert spec.key == entry.key
    with snapshot.replay(recorded.bundle) as session:
        settings = runtime.current_settings()
        assert settings == session.settings and settings.mode == "offline"
        policy = RefreshPolicy.from_settings(settings)
        with Archive(Store.open(settings), policy, cache_source=runtime.cache_source()) as archive:
            table = archive.table(spec, fetch=_must_not_fetch)
    assert table.meta["mastcache"]["source"] == "snapshot"
    assert table.meta["mastcache"]["fetched_at"] == entry.fetched_at
    assert len(table) == entry.nrows


def _must_not_fetch() -> object:
    raise AssertionError("a replay must never fetch")


def test_record_holds_exactly_the_calls_of_the_block(recorded: Any) -> None:
    manifest = snapshot.verify(recorded.bundle).manifest
    assert manifest is not None
    keys = {q.key for q in manifest.queries} | {r.key for r in manifest.resolutions}
    assert keys == set(recorded.keys)
    served = {t.meta["mastcache"]["key"] for t in recorded.originals.values()}
    assert served <= {q.key for q in manifest.queries}
    assert [r.name for r in manifest.resolutions] == ["m101"]
    assert manifest.created_at == max(q.fetched_at for q in manifest.queries)


def test_members_are_sorted_with_fixed_times_and_permissions(recorded: Any) -> None:
    with zipfile.ZipFile(recorded.bundle) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {"manifest.json", "manifest.sha256", "resolutions.parquet", "products.parquet"} <= set(
        names
    )
    assert len({info.date_time for info in infos}) == 1
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_nothing_is_written_when_the_block_fails(tmp_path: Path) -> None:
    runtime.configure(cache_dir=tmp_path / "cache", mast_url="http://127.0.0.1:9")
    try:
        with pytest.raises(RuntimeError), snapshot.record("broken", output_dir=tmp_path):
            raise RuntimeError("analysis failed")
    finally:
        runtime.reset()
    assert not (tmp_path / "broken.mastsnap").exists()
