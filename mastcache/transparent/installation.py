"""``install()`` / ``uninstall()`` / ``installed()``: stock astroquery.mast through mastcache.

Installing hooks astroquery.mast at the class level (:mod:`mastcache.transparent.hooks`):
every ``requests`` session of every astroquery.mast query object - the module singletons
(Observations, Mast, Catalogs, MastMissions, Tesscut, Zcut, Hapcut), objects the user or a
client library such as lightkurve creates (``TesscutClass()``, ``ObservationsClass()``, ...)
before or after ``install()``, their Portal/Service connections and their ``MastAuth`` -
carries one :class:`MastcacheAdapter` from its first use on. It also replaces
``astroquery.mast.utils._simple_request`` and empties (in place) astroquery's per-process memo
of column configurations and column lists, so each is asked for once more, through mastcache,
and replays offline in a later process. Uninstalling removes the class attributes and puts
back exactly the adapter objects each session had and the original function.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import requests

from mastcache.transparent import compat
from mastcache.transparent.adapter import MastcacheAdapter
from mastcache.transparent.hooks import HookTarget, SessionHooks
from mastcache.transparent.resolver import make_simple_request
from mastcache.transparent.services import TransparentServices

__all__ = [
    "Installation",
    "hooked_sessions",
    "install",
    "installed",
    "is_installed",
    "uninstall",
]

#: The module-level function astroquery's own tests replace (resolver, path lookup, ...).
_SEAM = "_simple_request"


@dataclass(frozen=True)
class Installation:
    """What :func:`install` changed, so :func:`uninstall` can put it back."""

    utils: ModuleType
    simple_request: Callable[..., Any]
    hooks: SessionHooks
    services: TransparentServices


_lock = threading.Lock()
_active: Installation | None = None


def install() -> None:
    """Route stock astroquery.mast (0.4.x) through mastcache's cache, store and mode.

    Imports ``astroquery.mast`` if it is not imported yet (configure astroquery's server
    before that, as usual). A second call while installed changes nothing. Raises
    :class:`~mastcache.errors.ConfigurationError` for an unsupported astroquery.
    """
    global _active
    with _lock:
        if _active is None:
            _active = _hook(compat.load_astroquery_mast())


def uninstall() -> None:
    """Restore astroquery exactly as :func:`install` found it (no-op when not installed)."""
    global _active
    with _lock:
        if _active is not None:
            _unhook(_active)
            _active = None


def is_installed() -> bool:
    """Whether transparent mode is on."""
    return _active is not None


@contextmanager
def installed() -> Iterator[None]:
    """Transparent mode for the block; left on at exit if it was on before."""
    was_installed = is_installed()
    install()
    try:
        yield
    finally:
        if not was_installed:
            uninstall()


def _hook(mast: ModuleType) -> Installation:
    _forget_column_memos(mast)
    services = TransparentServices(compat.base_url(mast))
    hooks = SessionHooks(MastcacheAdapter(services), _hook_targets(mast))
    user_agent = _user_agent(mast)
    hooks.apply()
    utils = mast.utils
    original = getattr(utils, _SEAM)
    setattr(utils, _SEAM, make_simple_request(services, user_agent))
    return Installation(utils, original, hooks, services)


def _unhook(installation: Installation) -> None:
    setattr(installation.utils, _SEAM, installation.simple_request)
    installation.hooks.remove()
    installation.services.close()


def _hook_targets(mast: ModuleType) -> list[HookTarget]:
    """The astroquery.mast classes whose instances hold a session, and that attribute."""
    return [
        HookTarget(getattr(getattr(mast, module), name), attribute)
        for module, name, attribute in compat.SESSION_CLASSES
    ]


def hooked_sessions() -> list[requests.Session]:
    """The astroquery sessions transparent mode has answered through so far (none if off)."""
    active = _active
    return active.hooks.hooked_sessions() if active is not None else []


def _forget_column_memos(mast: ModuleType) -> None:
    """Empty astroquery's memoized column configurations (the same dict objects stay)."""
    memos = (
        getattr(mast.discovery_portal.PortalAPI, "_column_configs", None),
        getattr(getattr(mast, "MastMissions", None), "columns", None),
        getattr(getattr(mast, "Catalogs", None), "_service_columns", None),
    )
    for memo in memos:
        if isinstance(memo, dict):
            memo.clear()


def _user_agent(mast: ModuleType) -> str:
    observations = getattr(mast, "Observations", None)
    session = getattr(observations, "_session", None)
    agent = session.headers.get("User-Agent") if session is not None else None
    return str(agent or requests.utils.default_user_agent())
