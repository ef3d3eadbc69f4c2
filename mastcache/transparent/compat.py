"""Which astroquery transparent mode supports, and loading its ``mast`` package safely.

Transparent mode relies on seams of astroquery 0.4.x: per-instance ``requests`` sessions
held by the classes of :data:`SESSION_CLASSES`,
``PortalAPI.MAST_REQUEST_URL`` and ``utils._simple_request``. Any other version is refused
before anything is changed, rather than half-working.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from types import ModuleType

from packaging.version import InvalidVersion, Version

from mastcache.errors import ConfigurationError

__all__ = ["SUPPORTED_RANGE", "check_version", "load_astroquery_mast"]

SUPPORTED_RANGE = ">=0.4,<0.5"
_INVOKE_SUFFIX = "/api/v0/invoke"


def check_version(version: str) -> None:
    """ConfigurationError unless ``version`` is an astroquery 0.4.x release."""
    try:
        release = Version(version).release
    except InvalidVersion as exc:
        raise _unsupported(f"astroquery {version!r} has no readable version number") from exc
    if release[:2] != (0, 4):
        raise _unsupported(f"astroquery {version} is installed")


def load_astroquery_mast() -> ModuleType:
    """``astroquery.mast`` (imported now if needed) after checking version and seams."""
    try:
        version = importlib.metadata.version("astroquery")
    except importlib.metadata.PackageNotFoundError as exc:
        raise _unsupported("astroquery is not installed") from exc
    check_version(version)
    try:
        mast = importlib.import_module("astroquery.mast")
        utils = importlib.import_module("astroquery.mast.utils")
    except ImportError as exc:
        raise _unsupported(f"astroquery.mast {version} cannot be imported ({exc})") from exc
    _check_seams(mast, utils, version)
    return mast


def base_url(mast: ModuleType) -> str:
    """The MAST server astroquery was configured with at import."""
    url: str = mast.discovery_portal.PortalAPI.MAST_REQUEST_URL
    return url[: -len(_INVOKE_SUFFIX)] if url.endswith(_INVOKE_SUFFIX) else url


#: The classes transparent mode hooks (module, class, the attribute holding the session):
#: ``MastQueryWithLogin`` is the base of every query class (Observations ... Hapcut),
#: ``PortalAPI`` / ``ServiceAPI`` are their connections, ``MastAuth`` their login helper.
SESSION_CLASSES = (
    ("core", "MastQueryWithLogin", "_session"),
    ("discovery_portal", "PortalAPI", "_session"),
    ("services", "ServiceAPI", "_session"),
    ("auth", "MastAuth", "session"),
)


def _check_seams(mast: ModuleType, utils: ModuleType, version: str) -> None:
    missing = [
        f"{module}.{name}"
        for module, name, _ in SESSION_CLASSES
        if not isinstance(getattr(getattr(mast, module, None), name, None), type)
    ]
    if not callable(getattr(utils, "_simple_request", None)):
        missing.append("utils._simple_request")
    if missing:
        raise _unsupported(f"astroquery.mast {version} lacks {', '.join(missing)}")


def _unsupported(what: str) -> ConfigurationError:
    return ConfigurationError(
        f"mastcache.install() cannot cache stock astroquery: {what}; transparent mode "
        f"supports astroquery {SUPPORTED_RANGE} (0.4.x). Install a supported version "
        "(pip install 'astroquery>=0.4,<0.5') or use mastcache's own clients "
        "(from mastcache import Observations, Mast)."
    )
