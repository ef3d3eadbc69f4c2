"""Optional dependencies of coverage and maps: imported on first use, one clear line if missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from mastcache.errors import ConfigurationError

__all__ = ["require"]

#: module -> (what needs it, the extra that installs it)
_NEEDED_BY = {
    "mocpy": ("sky coverage (MOC)", "plot"),
    "matplotlib": ("a coverage map", "plot"),
}


def require(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`ConfigurationError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        purpose, extra = _NEEDED_BY.get(top, ("this feature", "plot"))
        raise ConfigurationError(
            f"{purpose} needs {top}, which is not installed: run `pip install 'mastcache[{extra}]'`"
        ) from exc
