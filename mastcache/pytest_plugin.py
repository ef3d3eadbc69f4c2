"""The mastcache pytest plugin: MAST calls in users' own tests, against the emulator or a snapshot.

Loaded through the ``pytest11`` entry point in every pytest run of a project that has
mastcache installed, so loading it costs nothing: only pytest and the standard library are
imported here, and mastcache, the emulator and astroquery load on first use by a test.

- fixture ``mast_emulator``: the bundled emulator for the test (one fresh emulator app per
  test, served at one loopback URL for the whole session, because stock astroquery fixes its
  URLs at import), mastcache and stock astroquery pointed at it, a fresh empty cache. Yields
  the base URL (a ``str`` whose ``.requests`` is the emulator's request log).
- marker ``@pytest.mark.mast_snapshot("FILE.mastsnap")``: the test is served from that
  snapshot, offline, connections beyond loopback refused; stock astroquery goes through
  ``mastcache.install()``.
- option ``--mast-record=none|once|new|all`` (vcrpy's modes): ``none`` replays only (a call
  the snapshot cannot answer fails, naming it); ``once`` records when the file is missing;
  ``new`` replays and adds calls the snapshot lacks; ``all`` records everything again.
  Calls are keyed by MAST semantics (mastcache's canonical keys), so ``cacheBreaker``, page
  boundaries, parameter order and tokens never cause a miss nor reach the file.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mastcache.emulator import EmulatorApp, EmulatorServer
    from mastcache.emulator.requestlog import RequestLog
    from mastcache.settings import Settings
    from mastcache.snapshot import Recording
    from mastcache.store import Store

__all__ = ["RECORD_MODES", "EmulatorURL", "mast_emulator"]

RECORD_MODES = ("none", "once", "new", "all")
MARKER = "mast_snapshot"
#: Environment that would send a test's calls somewhere else than where the plugin points them.
_ISOLATED_ENV = (
    "MASTCACHE_DIR",
    "MASTCACHE_MODE",
    "MASTCACHE_MAST_URL",
    "MASTCACHE_CATALOG_URL",
    "MASTCACHE_STORE_URL",
    "MASTCACHE_CLOUD_URL",
)
_outcome_key = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mastcache", "MAST calls served by mastcache")
    group.addoption(
        "--mast-record",
        action="store",
        default="none",
        choices=RECORD_MODES,
        help="How @pytest.mark.mast_snapshot files are used: none (replay only, default), "
        "once (record a missing file), new (add missing calls), all (record again).",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(path): serve the test's MAST calls from this .mastsnap file, offline "
        "(path relative to the test file; see --mast-record)",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test body passed: only a passing test writes its snapshot."""
    report = yield
    if report.when == "call":
        item.stash[_outcome_key] = report.passed
        marker = item.get_closest_marker(MARKER)
        if report.failed and marker is not None and _is_miss(call):
            mode = item.config.getoption("--mast-record")
            report.sections.append(
                (
                    "mastcache",
                    f"served from snapshot {marker.args[0]!r} (--mast-record={mode}), which "
                    "cannot answer the call above; add it with --mast-record=new",
                )
            )
    return report


def _is_miss(call: pytest.CallInfo[None]) -> bool:
    if call.excinfo is None:
        return False
    from mastcache.errors import CacheMissError

    return call.excinfo.errisinstance(CacheMissError)


# -- the emulator fixture ------------------------------------------------------------------


class EmulatorURL(str):
    """The emulator's base URL; ``.app`` is the test's emulator, ``.requests`` its log."""

    app: EmulatorApp

    @property
    def requests(self) -> RequestLog:
        return self.app.requests


class _SwitchedApp:
    """A WSGI app that hands each request to the current test's emulator app."""

    def __init__(self) -> None:
        self.current: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        app = self.current
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"no test is using the mast_emulator fixture right now\n"]
        return app(environ, start_response)


class _Front:
    """One loopback server for the session; each test swaps in a fresh emulator app."""

    _lock = threading.Lock()
    _instance: _Front | None = None

    def __init__(self) -> None:
        from mastcache.emulator import EmulatorServer

        self.switch = _SwitchedApp()
        self.server: EmulatorServer = EmulatorServer(self.switch, "127.0.0.1", 0)  # type: ignore[arg-type]

    @classmethod
    def get(cls) -> _Front:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    @classmethod
    def stop(cls) -> None:
        with cls._lock:
            if cls._instance is not None:
                cls._instance.server.stop()
                cls._instance = None


def pytest_unconfigure(config: pytest.Config) -> None:
    _Front.stop()


@pytest.fixture
def mast_emulator(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[EmulatorURL]:
    """The MAST emulator for this test, with mastcache and stock astroquery pointed at it and
    a fresh empty cache; yields the base URL (``.requests`` is the emulator's request log)."""
    from mastcache import runtime
    from mastcache.emulator import make_app

    front = _Front.get()
    app = make_app()
    url = EmulatorURL(front.server.url)
    url.app = app
    cache = tmp_path_factory.mktemp("mast-emulator-cache")
    _isolate(monkeypatch, {"MASTCACHE_DIR": str(cache), "MASTCACHE_MAST_URL": url})
    # SANTA's fixed http:// host reaches the emulator as a proxy; loopback bypasses it
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost,::1")
    _point_astroquery(url)
    front.switch.current = app
    runtime.reset()
    try:
        yield url
    finally:
        front.switch.current = None
        runtime.reset()


def _isolate(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name in _ISOLATED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def _point_astroquery(url: str) -> None:
    """Configure stock astroquery.mast for ``url`` before its import (MAST_PROTOCOL.md 0)."""
    from importlib.util import find_spec

    mast = sys.modules.get("astroquery.mast")
    if mast is None:
        if find_spec("astroquery") is None:
            return
        _import_astroquery_mast(url)
        return
    from mastcache.transparent.compat import base_url

    if base_url(mast).rstrip("/") != url:
        pytest.fail(
            "astroquery.mast was imported before the mast_emulator fixture could point it at "
            f"the emulator (it talks to {base_url(mast)}; its URLs are fixed at import). "
            "Import astroquery.mast inside the test or a fixture that uses mast_emulator.",
            pytrace=False,
        )


def _import_astroquery_mast(url: str) -> None:
    import astropy.config.configuration as configuration
    import astroquery

    mast_config = configuration.get_config("astroquery.mast", rootname="astropy")
    mast_config["server"] = url
    mast_config["catalogs_server"] = url
    astroquery.cache_conf.cache_active = False
    import astroquery.mast  # fixes its URLs now, at the emulator's


# -- the snapshot marker ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _mastcache_snapshot_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """Serves tests marked ``mast_snapshot``; does nothing for any other test."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        yield
        return
    path = _marker_path(request, marker)
    mode = str(request.config.getoption("--mast-record"))
    cassette = _Cassette(path, mode, request.getfixturevalue("tmp_path"))
    if "mast_emulator" in request.fixturenames:
        # first: it must point stock astroquery at itself before anything imports it
        request.getfixturevalue("mast_emulator")
    with ExitStack() as stack:
        cassette.enter(stack)
        yield
        if request.node.stash.get(_outcome_key, False):
            cassette.save()


def _marker_path(request: pytest.FixtureRequest, marker: pytest.Mark) -> Path:
    if len(marker.args) != 1 or not isinstance(marker.args[0], str | os.PathLike):
        pytest.fail(
            f'expected @pytest.mark.{MARKER}("path/to/file.mastsnap"), got args {marker.args!r}',
            pytrace=False,
        )
    path = Path(marker.args[0])
    if path.suffix != ".mastsnap":
        path = path.with_name(path.name + ".mastsnap")
    return path if path.is_absolute() else Path(request.node.path).parent / path


class _Cassette:
    """One marked test: replay, record, or both, per ``--mast-record``."""

    def __init__(self, path: Path, mode: str, scratch: Path) -> None:
        self.path, self.mode, self.scratch = path, mode, scratch / "mast-record"
        self.is_recording = mode == "all" or (mode in ("once", "new") and not path.exists())
        self.is_adding = mode == "new" and path.exists()
        self.is_live = self.is_recording or self.is_adding
        self.old_keys: list[str] = []
        self.recording: Recording | None = None
        self.settings: Settings | None = None

    def enter(self, stack: ExitStack) -> None:
        if not self.is_live:
            self._replay(stack)
            return
        from mastcache import runtime, snapshot
        from mastcache.archive import observing

        self.settings = self._record_settings()
        if self.is_adding:
            manifest = snapshot.verify(self.path).raise_for_problems("extend")
            self.old_keys = [q.key for q in manifest.queries]
            self.old_keys += [r.key for r in manifest.resolutions]
            snapshot.restore(self.path, settings=self.settings, overwrite_newer=True)
        stack.enter_context(runtime.using_settings(self.settings))
        self.recording = snapshot.Recording(self.path)
        stack.enter_context(observing(self.recording.observe))
        _transparent(stack)

    def _replay(self, stack: ExitStack) -> None:
        if not self.path.exists():
            pytest.fail(
                f"snapshot {self.path} does not exist; record it with --mast-record=once",
                pytrace=False,
            )
        from mastcache import snapshot

        replay = stack.enter_context(snapshot.replay(self.path))
        if _transparent(stack):
            from mastcache.testing.astroquery_columns import prefill_astroquery

            prefill_astroquery(q.service for q in replay.manifest.queries)
        stack.enter_context(_sockets_blocked())

    def _record_settings(self) -> Settings:
        """A private cache: only this test's calls, fetched now (TTLs endless for ``new``)."""
        from mastcache import runtime
        from mastcache.settings import TTL_KINDS

        changes: dict[str, Any] = {"cache_dir": self.scratch / "cache", "mode": "cache-first"}
        changes.update(catalog_url=None, store_url=None)
        if self.is_adding:
            changes["ttl_overrides"] = dict.fromkeys(TTL_KINDS, float("inf"))
        return runtime.current_settings().new(**changes)

    def save(self) -> None:
        """Write the snapshot: the calls recorded, plus the old ones for ``new``."""
        if self.recording is None or self.settings is None:
            return
        from mastcache.snapshot.create import create_from
        from mastcache.snapshot.selection import Selection
        from mastcache.store import Store

        with Store.open(self.settings) as store:
            if "astroquery.mast" in sys.modules:
                _store_column_configs(store, self.recording.keys)
            keys = frozenset(self.old_keys) | frozenset(self.recording.keys)
            create_from(store, self.path, Selection(keys=keys, is_strict=False))


def _store_column_configs(store: Store, keys: list[str]) -> None:
    """Stock astroquery replays need the column configs of the Portal services it asked."""
    from mastcache.testing.astroquery_columns import store_column_configs

    records = (store.get_query(key) for key in list(keys))
    store_column_configs(record.service for record in records if record is not None)


def _transparent(stack: ExitStack) -> bool:
    """Stock astroquery through mastcache for the block, when astroquery is installed."""
    from importlib.util import find_spec

    if "astroquery.mast" not in sys.modules and find_spec("astroquery") is None:
        return False
    from mastcache.transparent import installed

    stack.enter_context(installed())
    return True


def _sockets_blocked() -> AbstractContextManager[None]:
    from mastcache.testing.sockets import blocked

    return blocked()
