"""Compatibility fixtures: mastcache pointed at the very emulator stock astroquery talks to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from mastcache import runtime

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
