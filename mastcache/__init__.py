"""mastcache: MAST, offline, fast and reproducible.

A drop-in for ``astroquery.mast`` whose every call goes through a local store. Importing
this package opens no file, reads no token and touches no network: the service objects
below are created on first attribute access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mastcache._version import __version__
from mastcache.runtime import configure, using_mode

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.settings import Settings

__all__ = [
    "Catalogs",
    "Hapcut",
    "Mast",
    "MastMissions",
    "Observations",
    "Settings",
    "Tesscut",
    "Zcut",
    "__version__",
    "configure",
    "install",
    "installed",
    "snapshot",
    "sql",
    "uninstall",
    "using_mode",
]

# public name -> (module, attribute); imported on first use (STYLE.md habit 12)
_LAZY: dict[str, tuple[str, str]] = {
    "Observations": ("mastcache.client", "Observations"),
    "Mast": ("mastcache.client", "Mast"),
    "MastMissions": ("mastcache.client", "MastMissions"),
    "Catalogs": ("mastcache.client", "Catalogs"),
    "Tesscut": ("mastcache.client", "Tesscut"),
    "Zcut": ("mastcache.client", "Zcut"),
    "Hapcut": ("mastcache.client", "Hapcut"),
    "Settings": ("mastcache.settings", "Settings"),
    "sql": ("mastcache.sql", "sql"),
    "snapshot": ("mastcache.snapshot", ""),
    "install": ("mastcache.transparent", "install"),
    "uninstall": ("mastcache.transparent", "uninstall"),
    "installed": ("mastcache.transparent", "installed"),
}


def __getattr__(name: str) -> Any:
    try:
        module_name, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'mastcache' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
