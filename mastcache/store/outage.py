"""Telling an unreachable team catalog (PostgreSQL) apart from other catalog failures, and
the one-line error of a catalog that could not be opened (:func:`open_failure`).

An outage must be one line that says what happened and what still works, never a driver
traceback and never advice about damaged files (that is SQLite's failure, not a server's).
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from mastcache.errors import StoreError, StoreUnavailableError
from mastcache.settings import Settings
from mastcache.store.engine import catalog_url

__all__ = [
    "catalog_read_only",
    "catalog_unavailable",
    "first_line",
    "is_catalog_unreachable",
    "is_permission_denied",
    "open_failure",
]

#: What psycopg and the server say when the catalog cannot be reached or went away.
_MARKERS = (
    "connection refused",
    "connection failed",
    "could not connect",
    "connection to server",
    "server closed the connection",
    "terminating connection",
    "timeout expired",
    "no route to host",
    "name or service not known",
    "could not translate host name",
    "the database system is shutting down",
    "the database system is starting up",
    "connection is closed",
    "consuming input failed",
)


def first_line(exc: BaseException) -> str:
    """The driver's message on one line (SQLAlchemy's wrapper text removed)."""
    detail = str(getattr(exc, "orig", None) or exc).strip()
    return " ".join(detail.splitlines()[0].split()) if detail else type(exc).__name__


def is_catalog_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the PostgreSQL catalog could not be reached (not a SQL error)."""
    if not isinstance(exc, SQLAlchemyError):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    text = str(getattr(exc, "orig", None) or exc).lower()
    return any(marker in text for marker in _MARKERS)


def is_permission_denied(exc: BaseException) -> bool:
    """Whether the catalog refused a write to this role (a read-only member)."""
    return (
        isinstance(exc, SQLAlchemyError)
        and "permission denied" in str(getattr(exc, "orig", None) or exc).lower()
    )


def catalog_read_only(where: str, exc: BaseException) -> StoreUnavailableError:
    """The one-line error of a write refused to a read-only member's role."""
    return StoreUnavailableError(
        f"the team catalog {where} is read-only for this member ({first_line(exc)}); "
        "what this machine fetches is kept on this machine"
    )


def catalog_unavailable(where: str, exc: BaseException) -> StoreUnavailableError:
    """The one-line error of an unreachable team catalog."""
    return StoreUnavailableError(
        f"the team catalog {where} is unreachable ({first_line(exc)}); results and files "
        "already on this machine are still served: retry when the database is back, or "
        "check MASTCACHE_CATALOG_URL"
    )


def open_failure(settings: Settings, exc: BaseException) -> StoreError:
    """The one-line error of a catalog that could not be opened, blaming the right thing."""
    url = catalog_url(settings)
    where = url.render_as_string(hide_password=True)
    reason = first_line(exc)
    if url.get_backend_name() != "sqlite":
        if is_catalog_unreachable(exc):
            return catalog_unavailable(where, exc)
        return StoreError(
            f"cannot open the team catalog {where}: {reason}; check "
            "MASTCACHE_CATALOG_URL and the database role's rights"
        )
    path = Path(url.database or "")
    if path.exists() and not os.access(path, os.R_OK):
        return StoreError(
            f"cannot read the cache catalog {path}: permission denied; ask the cache's owner "
            "for read access, or point --cache-dir / MASTCACHE_DIR at another directory"
        )
    return StoreError(
        f"cannot open the cache catalog {where}: {reason}; run `mastcache cache verify` to "
        "check it; if the file is damaged, move the cache directory aside (or set "
        "MASTCACHE_DIR elsewhere) and fetch again"
    )
