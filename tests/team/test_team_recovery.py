"""Issue #23: a lost team store is refilled by `cache push`, maintenance needs --team,
results fetched under a login stay on the member's machine, one MAST fetch per product."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from click.testing import CliRunner
from team.teamcache import Team

from mastcache import runtime
from mastcache.cli import cli
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer, start
from mastcache.emulator.sky.fitsgen import product_bytes
from mastcache.store import Store

URI = "mast:HST/product/u9o40504m_c3m.fits"
FILE = "/api/v0.1/Download/file"


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()


def _machine(team: Team, cache_dir: Path, mode: str = "cache-first") -> None:
    runtime.configure(
        cache_dir=cache_dir, catalog_url=team.catalog_url, store_url=team.store_url,
        s3_endpoint_url=team.endpoint, mast_url=team.mast_url, mode=mode,
    )  # fmt: skip


def _empty_bucket(team: Team) -> int:
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    bucket = team.store_url.removeprefix("s3://").split("/", 1)[0]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    for key in keys:
        s3.delete_object(Bucket=bucket, Key=key)
    return len(keys)


def _cli(team: Team, cache_dir: Path, *args: str, given: str | None = None) -> object:
    runtime.reset()  # settings come from this call's environment
    return CliRunner().invoke(
        cli, ["--cache-dir", str(cache_dir), *args], env=team.environ(cache_dir), input=given
    )


def test_push_from_a_members_copies_refills_an_emptied_team_store(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    _machine(team, tmp_path / "alice")
    table = ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    ObservationsClass().download_file(URI, local_path=tmp_path / "out")
    runtime.reset()
    assert _empty_bucket(team) == 2  # one result, one product file: the store is lost

    result = _cli(team, tmp_path / "alice", "cache", "push")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "restored 2 missing objects" in result.output  # type: ignore[attr-defined]

    emulator_session.requests.clear()
    _machine(team, tmp_path / "bob", mode="offline")  # a machine with nothing of its own
    again = ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    assert len(again) == len(table)
    ObservationsClass().download_file(URI, local_path=tmp_path / "bob-out")
    assert (tmp_path / "bob-out" / URI.rsplit("/", 1)[1]).read_bytes() == product_bytes(URI)
    assert len(emulator_session.requests) == 0


def test_clear_and_prune_of_a_team_cache_need_team_and_name_it(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    _machine(team, tmp_path / "a")
    ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    runtime.reset()
    for args in (["cache", "clear", "--yes"], ["cache", "prune", "--expired"]):
        refused = _cli(team, tmp_path / "a", *args)
        assert refused.exit_code == 2  # type: ignore[attr-defined]
        assert "pass --team" in refused.output  # type: ignore[attr-defined]
    asked = _cli(team, tmp_path / "a", "cache", "clear", "--team", given="n\n")
    assert "TEAM cache shared by every member" in asked.output  # type: ignore[attr-defined]
    assert team.store_url in asked.output  # type: ignore[attr-defined]
    with Store.open(team.settings(tmp_path / "x")) as store, store.unit_of_work() as uow:
        assert len(uow.queries.list()) == 1  # nothing removed
    done = _cli(team, tmp_path / "a", "cache", "clear", "--team", "--yes")
    assert done.exit_code == 0 and "removed 1 results" in done.output  # type: ignore[attr-defined]


def test_a_result_fetched_under_a_login_stays_on_the_members_machine(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    from astropy.table import Table

    from mastcache.store.records import utcnow

    with Store.open(team.settings(tmp_path / "alice"), serve_local=True) as alice:
        alice.put_query(
            "k" * 64, service="Mast.Caom.Cone", kind="observations", params={},
            scope="user:alice", table=Table({"a": [1, 2]}), fetched_at=utcnow(), expires_at=None,
        )  # fmt: skip
        assert alice.get_query("k" * 64) is not None  # served on her machine
        with alice.unit_of_work(read_only=True) as uow:
            assert uow.queries.get("k" * 64) is None  # never in the team catalog
        assert alice.objects.list_files("tables") == []  # nor in the bucket
    with Store.open(team.settings(tmp_path / "bob"), serve_local=True) as bob:
        assert bob.get_query("k" * 64) is None


def test_a_product_needed_by_two_machines_at_once_is_fetched_from_mast_once(
    team: Team, tmp_path: Path
) -> None:
    with start("127.0.0.1", 0, latency_ms=400) as slow:
        here = Team(team.catalog_url, team.store_url, team.endpoint, slow.url)
        outcomes: list[object] = []

        def machine(name: str) -> None:
            with runtime.using_settings(here.settings(tmp_path / name)):
                outcomes.append(ObservationsClass().download_file(URI, local_path=tmp_path / name))

        threads = [threading.Thread(target=machine, args=(n,)) for n in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert outcomes == [("COMPLETE", None, None)] * 2
        assert len(slow.requests.matching(FILE, "GET")) == 1


def test_verify_keeps_good_cutouts_and_repairs_lost_objects_from_this_machines_copies(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    from astropy.coordinates import SkyCoord

    from mastcache.client import TesscutClass
    from mastcache.maintenance import verify_cache

    _machine(team, tmp_path / "a")
    ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    ObservationsClass().download_file(URI, local_path=tmp_path / "out")
    target = SkyCoord(349.62609, -47.12424, unit="deg")
    manifest = TesscutClass().download_cutouts(
        coordinates=target, size=4, sector=1, path=tmp_path / "cut", inflate=False
    )
    runtime.reset()
    assert verify_cache(team.settings(tmp_path / "b")) == []  # good entries stay good
    assert verify_cache(team.settings(tmp_path / "a")) == []

    lost = _empty_bucket(team)  # results (cone, cutout manifest), product file, cutout zip
    missing = verify_cache(team.settings(tmp_path / "b"))  # a machine without copies
    assert len(missing) == lost >= 3 and {p.kind for p in missing} == {"file", "query"}
    repaired = verify_cache(team.settings(tmp_path / "a"), repair=True)  # from a's copies
    assert len(repaired) == lost
    assert all("re-uploaded from this machine's verified copy" in p.problem for p in repaired)
    assert verify_cache(team.settings(tmp_path / "b")) == []
    with Store.open(team.settings(tmp_path / "b")) as store, store.unit_of_work() as uow:
        assert {f.status for f in uow.files.list()} == {"complete"}  # good again
    emulator_session.requests.clear()
    _machine(team, tmp_path / "c", mode="offline")  # served from the refilled store
    again = TesscutClass().download_cutouts(
        coordinates=target, size=4, sector=1, path=tmp_path / "cut-c", inflate=False
    )
    assert Path(again["Local Path"][0]).read_bytes() == Path(manifest["Local Path"][0]).read_bytes()
    assert len(emulator_session.requests) == 0


def test_a_whole_team_store_backs_up_to_a_snapshot_and_restores_into_an_empty_one(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer, s3_endpoint: str
) -> None:
    import uuid

    import psycopg
    from team.teamcache import PG_ADMIN, catalog_url

    _machine(team, tmp_path / "a")
    table = ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    runtime.reset()
    backup = _cli(team, tmp_path / "admin", "snapshot", "create", "backup", "--with-files",
                  "--output-dir", str(tmp_path))  # fmt: skip
    assert backup.exit_code == 0, backup.output  # type: ignore[attr-defined]

    schema, bucket = f"mastcache_test_{uuid.uuid4().hex[:12]}", f"team-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(
        Bucket=bucket
    )
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        fresh = Team(catalog_url(PG_ADMIN, schema), f"s3://{bucket}/t", s3_endpoint, team.mast_url)
        restored = _cli(fresh, tmp_path / "admin2", "snapshot", "restore",
                        str(tmp_path / "backup.mastsnap"))  # fmt: skip
        assert restored.exit_code == 0, restored.output  # type: ignore[attr-defined]
        emulator_session.requests.clear()
        _machine(fresh, tmp_path / "c", mode="offline")
        assert len(ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")) == len(table)
        assert len(emulator_session.requests) == 0
        runtime.reset()
        from mastcache.maintenance import verify_cache

        assert verify_cache(fresh.settings(tmp_path / "d")) == []
    finally:
        from mastcache.store.hitcounts import flush_all

        flush_all()
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_one_repair_reuploads_what_this_machine_holds_and_refetches_the_rest_from_mast(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    _machine(team, tmp_path / "a")
    ObservationsClass().query_region("10.0 20.0", radius="0.3 deg")
    ObservationsClass().download_file(URI, local_path=tmp_path / "out")
    runtime.reset()
    with Store.open(team.settings(tmp_path / "a")) as store:
        record = store.get_file(URI)
    assert record is not None
    (tmp_path / "a" / record.local_path).unlink()  # a has the result's copy, not the file's
    assert _empty_bucket(team) >= 2
    emulator_session.requests.clear()

    repaired = _cli(team, tmp_path / "a", "cache", "verify", "--repair")
    output = repaired.output  # type: ignore[attr-defined]
    assert repaired.exit_code == 0, output  # type: ignore[attr-defined]
    assert "MISSING query" in output and "MISSING file" in output
    assert "re-uploaded from this machine's verified copy" in output  # the result
    assert f"repaired file {URI}: fetched an intact copy from MAST" in output
    assert "cache repaired: 2 problem(s) fixed" in output
    assert len(emulator_session.requests.matching(FILE, "GET")) == 1  # only the file
    assert len(emulator_session.requests.matching(FILE)) == len(emulator_session.requests)
    runtime.reset()
    from mastcache.maintenance import verify_cache

    assert verify_cache(team.settings(tmp_path / "b")) == []  # a machine without copies
    with Store.open(team.settings(tmp_path / "b")) as store:
        assert len(store.list_queries()) == 1  # re-uploaded, not dropped
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    bucket, prefix = team.store_url.removeprefix("s3://").split("/", 1)
    blob = s3.get_object(Bucket=bucket, Key=f"{prefix}/{record.local_path}")["Body"].read()
    assert blob == product_bytes(URI)
