"""``mastcache.sql("SELECT ...")`` and ``connect``: read-only SQL over the cache (DESIGN.md 6).

Views: ``observations``, ``products``, ``resolutions``, ``queries``, ``files``,
``product_manifests``, ``catalog_<table>`` / ``mission_<table>`` per cached catalog or
mission table, and ``q_<key8>`` per cached query.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from mastcache.settings import Settings
from mastcache.sqlview.session import CacheSQL

if TYPE_CHECKING:  # astropy is imported when a result is made, not by `mastcache sql`
    from mastcache.sqlview.lockdown import Opening
    from mastcache.sqlview.result import SQLResult

__all__ = ["connect", "sql"]


def connect(
    settings: Settings | None = None,
    *,
    timeout: float | None = None,
    lock_wait: float | None = None,
    scope: str | None = None,
    opening: Opening | None = None,
) -> CacheSQL:
    """A session for several queries over one consistent view of the cache; close it after.

    ``timeout`` bounds each statement (seconds, default
    :data:`~mastcache.sqlview.lockdown.DEFAULT_TIMEOUT`); ``lock_wait`` is how long to wait
    for a running prune to finish. Views hold public results plus those of identity
    ``scope`` (default: the account logged in last in this process, see
    :func:`mastcache.auth.account.active_scope`). ``opening``: the session's connection,
    already being opened (:class:`~mastcache.sqlview.lockdown.Opening`, with its own
    timeout).
    """
    if settings is None:
        from mastcache.runtime import current_settings

        settings = current_settings()
    if scope is None:
        scope = _active_scope()
    return CacheSQL.open(
        settings, timeout=timeout, lock_wait=lock_wait, scope=scope, opening=opening
    )


def _active_scope() -> str:
    """The account logged in last in this process; no login if its module was never
    imported (clients import it to log in), so ``mastcache sql`` does not pay for requests."""
    account = sys.modules.get("mastcache.auth.account")
    return "anonymous" if account is None else str(account.active_scope())


def sql(
    query: str,
    *,
    settings: Settings | None = None,
    timeout: float | None = None,
    scope: str | None = None,
) -> SQLResult:
    """Run one read-only SELECT over the cache views; an astropy Table with ``.arrow()``/``.df()``.

    Anything but a single SELECT raises :class:`~mastcache.errors.SQLError`. Proprietary
    results show only for ``scope`` (default: the account logged in last, else none).
    """
    with connect(settings, timeout=timeout, scope=scope) as session:
        return session.execute(query)
