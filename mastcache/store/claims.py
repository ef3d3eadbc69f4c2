"""Team-wide claims: one machine fetches a product from MAST, the others wait for it.

A claim is a PostgreSQL session-level advisory lock on a 64-bit key derived from the claimed
name (a product URI), held on its own connection while the holder downloads, publishes and
commits the file. Another machine that needs the same file waits for the claim, then finds
the published file and copies it from the team store instead of asking MAST. The server
releases a claim when its connection ends, so a machine that dies mid-download never blocks
the others (no stale rows to clean up, no table, no migration).

A local cache (SQLite) needs no claim: the per-file lock in the cache directory already keeps
the processes of one machine apart. If the catalog cannot be reached, or the wait exceeds
``wait`` seconds, the caller proceeds without the claim (at worst MAST is asked twice).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from mastcache.store.engine import READ_ONLY, is_sqlite, sqlite_catalog_path
from mastcache.store.store import Store

if TYPE_CHECKING:  # SQLAlchemy is imported on first use (a local cache never needs it here)
    from sqlalchemy import Connection

__all__ = ["CLAIM_WAIT_S", "claim", "claim_key"]

logger = logging.getLogger(__name__)

#: Longest wait for another machine's download before fetching anyway.
CLAIM_WAIT_S = 600.0
_POLL_S = 0.1


def claim_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (never the writers' lock key)."""
    digest = hashlib.sha256(f"mastcache-claim:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def claim(
    store: Store, name: str, *, wait: float = CLAIM_WAIT_S, poll: float = _POLL_S
) -> Iterator[bool]:
    """Hold the team-wide claim on ``name``; yields whether it is held (False: proceed
    without it). Returns at once for a local cache."""
    if sqlite_catalog_path(store.settings) is not None or is_sqlite(store.engine):
        yield True
        return
    from sqlalchemy.exc import SQLAlchemyError

    try:
        connection = store.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT", **{READ_ONLY: True}
        )
    except SQLAlchemyError as exc:
        logger.debug("no claim on %s: %s", name, exc)
        yield False
        return
    key = claim_key(name)
    try:
        held = _acquire(connection, key, wait, poll)
        try:
            yield held
        finally:
            if held:
                _release(connection, key)
    finally:
        connection.close()


def _acquire(connection: Connection, key: int, wait: float, poll: float) -> bool:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    deadline = time.monotonic() + wait
    try:
        while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if time.monotonic() >= deadline:
                logger.warning("waited %.0f s for another machine's download; fetching", wait)
                return False
            time.sleep(poll)
    except SQLAlchemyError as exc:
        logger.debug("no claim: %s", exc)
        return False
    return True


def _release(connection: Connection, key: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    except SQLAlchemyError as exc:  # the connection is gone: so is the lock
        logger.debug("claim release failed: %s", exc)
