"""``install()`` / ``uninstall()`` / ``installed()``: stock astroquery.mast through mastcache.

Installing mounts one :class:`MastcacheAdapter` on every ``requests`` session of the
astroquery.mast module singletons (Observations, Mast, Catalogs, MastMissions, Tesscut,
Zcut, Hapcut and the Portal/Service connections they hold) and replaces
``astroquery.mast.utils._simple_request``. It also empties (in place) astroquery's
per-process memo of column configurations and column lists, so each is asked for once more,
through mastcache, and replays offline in a later process. Uninstalling puts back exactly
the adapter objects each session had and the original function. Instances created by the
user keep their own sessions and are not covered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import requests
from requests.adapters import BaseAdapter

from mastcache.transparent import compat
from mastcache.transparent.adapter import MastcacheAdapter
from mastcache.transparent.resolver import make_simple_request
from mastcache.transparent.services import TransparentServices

__all__ = ["Installation", "install", "installed", "is_installed", "uninstall"]

#: The module-level function astroquery's own tests replace (resolver, path lookup, ...).
_SEAM = "_simple_request"
_CONNECTIONS = ("_portal_api_connection", "_service_api_connection", "_auth_obj")


@dataclass(frozen=True)
class _SessionState:
    """A hooked session and the adapters it had, in mount order."""

    session: requests.Session
    adapters: tuple[tuple[str, BaseAdapter], ...]


@dataclass(frozen=True)
class Installation:
    """What :func:`install` changed, so :func:`uninstall` can put it back."""

    utils: ModuleType
    simple_request: Callable[..., Any]
    sessions: tuple[_SessionState, ...]
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
    adapter = MastcacheAdapter(services)
    sessions = tuple(_hook_session(session, adapter) for session in _sessions(mast))
    utils = mast.utils
    original = getattr(utils, _SEAM)
    setattr(utils, _SEAM, make_simple_request(services, _user_agent(mast)))
    return Installation(utils, original, sessions, services)


def _unhook(installation: Installation) -> None:
    setattr(installation.utils, _SEAM, installation.simple_request)
    for state in installation.sessions:
        state.session.adapters.clear()
        state.session.adapters.update(state.adapters)
    installation.services.close()


def _hook_session(session: requests.Session, adapter: MastcacheAdapter) -> _SessionState:
    state = _SessionState(session, tuple(session.adapters.items()))
    for prefix in list(session.adapters):
        session.adapters[prefix] = adapter
    return state


def _sessions(mast: ModuleType) -> list[requests.Session]:
    """Every distinct session of the module's query objects and their connections."""
    from astroquery.query import BaseQuery

    found: dict[int, requests.Session] = {}
    for value in vars(mast).values():
        if isinstance(value, BaseQuery):
            for owner in (value, *(getattr(value, name, None) for name in _CONNECTIONS)):
                session = getattr(owner, "_session", None)
                if isinstance(session, requests.Session):
                    found.setdefault(id(session), session)
    return list(found.values())


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
