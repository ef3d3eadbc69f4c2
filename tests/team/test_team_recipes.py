"""The reader recipes in docs/team-mode.md, run as written against a real team store."""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from team.teamcache import Team

from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "team-mode.md"


def recipe(name: str) -> str:
    found = re.search(rf"<!-- recipe: {name} -->\n```python\n(.*?)```", DOC.read_text(), re.S)
    assert found, f"no recipe {name} in {DOC}"
    return found.group(1)


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run(code: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(DOC), "exec"), {})
    return out.getvalue()


def fill(team: Team, cache_dir: Path) -> int:
    runtime.configure(
        cache_dir=cache_dir, catalog_url=team.catalog_url, store_url=team.store_url,
        s3_endpoint_url=team.endpoint, mast_url=team.mast_url,
    )  # fmt: skip
    try:
        return len(ObservationsClass().query_region("10.6847 41.2687", radius="0.3 deg"))
    finally:
        runtime.reset()


def test_the_pyarrow_duckdb_recipe_reads_the_s3_store(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    rows = fill(team, tmp_path / "m")
    assert rows > 0
    with environment(MASTCACHE_S3_ENDPOINT_URL=team.endpoint, MASTCACHE_STORE_URL=team.store_url):
        printed = run(recipe("pyarrow-duckdb-s3"))
    counts = eval(printed)  # a list of (collection, n) tuples
    assert sum(n for _, n in counts) == rows


def test_the_duckdb_s3fs_recipe_reads_the_s3_store_with_duckdb_itself(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    rows = fill(team, tmp_path / "m")
    with environment(MASTCACHE_S3_ENDPOINT_URL=team.endpoint, MASTCACHE_STORE_URL=team.store_url):
        printed = run(recipe("duckdb-s3fs"))
    counts = eval(printed)
    assert sum(n for _, n in counts) == rows > 0
    assert counts == sorted(counts) and all(isinstance(c, str) for c, _ in counts)


def test_the_shared_directory_recipe(
    team: Team, tmp_path: Path, emulator_session: EmulatorServer
) -> None:
    shared = Team(team.catalog_url, str(tmp_path / "nfs"), team.endpoint, team.mast_url)
    rows = fill(shared, tmp_path / "m")
    with environment(MASTCACHE_STORE_URL=str(tmp_path / "nfs")):
        printed = run(recipe("shared-directory"))
    assert eval(printed) == [("Mast.Caom.Cone", rows)]


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    runtime.reset()
    yield
    runtime.reset()
