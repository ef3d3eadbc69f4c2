"""Compatibility fixtures: mastcache pointed at the very emulator stock astroquery talks to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import pytest_socket

from mastcache import runtime
from mastcache.emulator import start

_INVOKE = "/api/v0/invoke"


@pytest.fixture(scope="module")
def astroquery_url(astroquery_mast: ModuleType) -> str:
    """Base URL of the emulator behind the ``astroquery_mast`` fixture."""
    invoke = str(astroquery_mast.discovery_portal.PortalAPI.MAST_REQUEST_URL)
    assert invoke.endswith(_INVOKE), invoke
    return invoke[: -len(_INVOKE)]


@pytest.fixture(scope="module")
def compat_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One cache directory for the whole compatibility module (online, then offline)."""
    return tmp_path_factory.mktemp("compat-cache")


@pytest.fixture(scope="module")
def configured(astroquery_url: str, compat_cache: Path) -> Iterator[str]:
    """mastcache configured against astroquery's emulator, cache-first, for the module."""
    runtime.configure(mast_url=astroquery_url, cache_dir=compat_cache, mode="cache-first")
    yield astroquery_url
    runtime.reset()


@pytest.fixture(scope="session")
def dead_url() -> str:
    """The URL of an emulator that has been stopped: nothing answers there."""
    with start("127.0.0.1", 0) as server:
        url = server.url
    return url


@pytest.fixture(scope="session")
def no_network(dead_url: str) -> Callable[[], AbstractContextManager[None]]:
    """A block in offline mode, MAST pointing at ``dead_url`` and every socket disabled."""

    @contextmanager
    def offline() -> Iterator[None]:
        before = runtime.current_settings()
        runtime.configure(mode="offline", mast_url=dead_url)
        pytest_socket.disable_socket()
        try:
            yield
        finally:
            pytest_socket.enable_socket()
            runtime.configure(mode=before.mode, mast_url=before.mast_url)

    return offline
