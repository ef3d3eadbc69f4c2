"""Shared fixtures: a cache directory, the MAST emulator on 127.0.0.1, settings pointing at it,
and stock astroquery.mast pointed at its own emulator (MAST_PROTOCOL.md section 0).

The session refuses to test a mastcache that is not this checkout's code (tests/checkout.py),
points worker subprocesses at the same code, and with CI=true turns every skip into a failure.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from checkout import REPO_ROOT, mismatch
from hypothesis import settings as hypothesis_settings
from resources import in_ci

import mastcache
from mastcache.emulator import EmulatorServer, start
from mastcache.settings import Settings

#: HYPOTHESIS_PROFILE=mutation: fewer examples per property, for mutation runs (docs/testing.md)
hypothesis_settings.register_profile("mutation", max_examples=30, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a stale or foreign mastcache; make subprocesses import the one tested here."""
    imported = Path(mastcache.__file__).resolve().parent
    problem = mismatch(imported, REPO_ROOT / "mastcache")
    if problem is not None:
        raise pytest.UsageError(problem)
    if imported.parent == REPO_ROOT:  # the checkout: workers must not find another copy first
        paths = [str(REPO_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


#: Heavy tests in folders whose files this list does not edit (the reliability suite marks its
#: own with @pytest.mark.heavy): each is expensive (a JVM, a wheel build, several processes
#: hammering one cache). CI runs them; the inner loop skips them with -m "not heavy".
HEAVY = {
    "tests/team/test_team_dataset.py::test_spark_and_duckdb_read_the_dataset_like_mastcache_sql":
        "starts Spark (a JVM)",
    "tests/team/test_team_sharing.py::test_four_processes_hundred_queries_each":
        "four processes, 400 queries on one team cache",
    "tests/store/test_migrations.py::test_installed_wheel_runs_the_migrations":
        "builds and installs a wheel",
    "tests/store/test_store.py::test_four_processes_never_see_database_is_locked":
        "four processes hammering one catalog",
    "tests/net/test_httpcache.py::test_concurrent_processes_lose_no_writes":
        "processes hammering one HTTP cache",
    "tests/reliability/test_concurrency.py::"
    "test_a_result_pruned_just_after_it_is_stored_still_reaches_the_caller":
        "a forked evictor racing the writer (10 s of the inner loop)",
}  # fmt: skip


#: Folders (ending in "/") and files of end-to-end suites that make the inner loop slow taken
#: together: subprocesses, stock astroquery beside mastcache, a second emulator, the CLI in
#: fresh interpreters. The seconds are their sum in one --durations=0 run under coverage on 2
#: loaded CPUs (docs/testing.md: about 3x their plain time). CI runs them all.
HEAVY_PATHS: dict[str, str] = {
    "tests/plugin/": "222 s: pytest and mastcache run in subprocesses",
    "tests/lightkurve/": "113 s: a real client driven through mastcache.install()",
    "tests/team/": "97 s: a local S3 server and PostgreSQL",
    "tests/readonly/": "75 s: the CLI run as user nobody",
    "tests/cloud/": "88 s: the emulator's bucket, downloads against astroquery's",
    "tests/compat/": "80 s: 206 comparisons with stock astroquery",
    "tests/skycoverage/": "64 s: MOC and map exports (matplotlib)",
    "tests/auth/": "63 s: tokens through the CLI and the client in subprocesses",
    "tests/cli/": "302 s: 112 CLI runs, Ctrl-C and downloads in subprocesses",
    "tests/emulator/": "138 s: 472 tests of the test equipment itself",
    "tests/snapshot/test_snapshot_cli.py": "43 s: snapshot commands in subprocesses",
    "tests/snapshot/test_diff.py": "43 s: drift against moved skies, in subprocesses",
    "tests/reliability/test_hostile_input.py": "34 s: 40 hostile inputs through the client",
    "tests/reliability/test_hostile_resources.py": "9 s: full disks and huge answers",
    "tests/client/test_cutouts.py": "25 s: cutout zips through the emulator",
    "tests/test_readme.py": "25 s: README examples in subprocesses",
    "tests/test_maintenance.py": "15 s: cache stats/verify/prune through the CLI",
    "tests/test_notebook_example.py": "13 s: a Jupyter kernel",
    "tests/test_demo.py": "10 s: the whole demo",
}  # fmt: skip


def is_heavy_path(nodeid: str) -> bool:
    """Whether ``nodeid`` lies in one of :data:`HEAVY_PATHS`."""
    path = nodeid.split("::", 1)[0]
    return any(path == key or (key.endswith("/") and path.startswith(key)) for key in HEAVY_PATHS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[", 1)[0] in HEAVY or is_heavy_path(item.nodeid):
            item.add_marker(pytest.mark.heavy)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """With CI=true nothing is skipped: a test either runs or is deselected by a marker."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true: a skip is a failure here ({reason})"


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """An empty cache directory inside this test's tmp_path."""
    path = tmp_path / "cache"
    path.mkdir()
    return path


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A fresh emulator for one test: set faults or knobs on it freely."""
    with start("127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="session")
def emulator_session() -> Iterator[EmulatorServer]:
    """One emulator shared by the whole session: do not change its faults or knobs."""
    with start("127.0.0.1", 0) as server:
        yield server


@pytest.fixture
def settings(cache_dir: Path, emulator_session: EmulatorServer) -> Settings:
    """Settings with a fresh cache dir and every MAST service on the session emulator."""
    return Settings.from_env({}, cache_dir=cache_dir, mast_url=emulator_session.url)


@pytest.fixture(scope="session")
def astroquery_emulator() -> Iterator[EmulatorServer]:
    """The emulator that ``astroquery_mast`` talks to (read its ``.requests`` log freely)."""
    with start("127.0.0.1", 0) as server:
        yield server


@pytest.fixture(scope="session")
def astroquery_mast(
    astroquery_emulator: EmulatorServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """Stock ``astroquery.mast``, configured before import to talk to its own emulator.

    The resolver's fixed host (http://mastresolver.stsci.edu) goes through the emulator as an
    HTTP proxy; loopback bypasses the proxy. astroquery's own cache is switched off.
    """
    if "astroquery.mast" in sys.modules:
        pytest.fail(
            "astroquery.mast was imported before the astroquery_mast fixture could point it at the "
            "emulator (its URLs are fixed at import). Do not import astroquery.mast at test-module "
            "level or in other fixtures; use this fixture instead."
        )
    url = astroquery_emulator.url
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HTTP_PROXY", "http_proxy"):
            patch.setenv(name, url)
        for name in ("NO_PROXY", "no_proxy"):
            patch.setenv(name, "127.0.0.1,localhost,::1")
        yield _import_astroquery_mast(url, tmp_path_factory.mktemp("astroquery-cache"))


def _import_astroquery_mast(url: str, cache: Path) -> ModuleType:
    import astropy.config.configuration as configuration
    import astroquery

    mast_config = configuration.get_config("astroquery.mast", rootname="astropy")
    mast_config["server"] = url
    # Pan-STARRS metadata is read from catalogs_server at call time (MAST_PROTOCOL.md 0)
    mast_config["catalogs_server"] = url
    astroquery.cache_conf.cache_active = False
    import astroquery.mast as mast
    from astroquery.query import BaseQuery

    for value in vars(mast).values():
        if isinstance(value, BaseQuery):
            value.cache_location = cache
    if not mast.discovery_portal.PortalAPI.MAST_REQUEST_URL.startswith(url):
        pytest.fail(
            f"astroquery.mast did not pick up server={url}; check MAST_PROTOCOL.md section 0."
        )
    return mast
