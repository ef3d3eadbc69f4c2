"""Query results in team mode: where they are written and read from (docs/team-mode.md).

:class:`~mastcache.store.store.Store` calls these only when the cache shares a team store:

- **writing** (:func:`put_query`): an anonymous result is published to the team store; a
  result fetched under a login is published under its scope's prefix only when the member
  opted in (``share_scoped``) and its database role belongs to the scope's role
  (store/scopes.py), else it is kept on this machine with one notice; while the team store
  or catalog refuses or is unreachable, the result is kept on this machine with a warning.
- **reading** (:func:`read_table`): this machine's verified copy first, else the object,
  verified and kept as a copy. An unreachable store with no copy here raises
  :class:`EntryUnreachableError`: the archive fetches the result from MAST again (outside
  offline mode) and it is kept on this machine, with that one line as the only warning.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mastcache.errors import CorruptEntryError, EntryUnreachableError, StoreUnavailableError
from mastcache.store.records import QueryRecord
from mastcache.store.scopes import ANONYMOUS, is_member, scope_role

if TYPE_CHECKING:  # pragma: no cover
    from astropy.table import Table

    from mastcache.store.store import Store

__all__ = ["may_share", "newer", "publish_staged", "put_query", "read_table"]

logger = logging.getLogger(__name__)

_PRIVATE_NOTICE = (
    "mastcache: %s was fetched under a MAST login; it is kept on this machine only (%s), "
    "like everything fetched under a login, never published to the team store (to share "
    "such results with the members of their scope, see `MASTCACHE_SHARE_SCOPED` in "
    "docs/team-mode.md)"
)
_NOT_MEMBER_NOTICE = (
    "mastcache: %s was fetched under scope %s, but this database role is not a member of "
    "%s, so it is kept on this machine only, like everything of that scope; ask the team's "
    "admin to run `mastcache cache team grant %s <your database role>`"
)

#: One notice per process and kind (private results, missing membership).
_noticed: set[str] = set()
#: Seconds a scope membership answer is reused (a grant takes effect within this time).
MEMBERSHIP_TTL_S = 60.0
_memberships: dict[tuple[str, str], tuple[bool, float]] = {}
#: (store, key) of results whose object could not be reached: the archive fetches them
#: from MAST again, and the fresh copy is kept on this machine without another attempt.
_refetching: set[tuple[int, str]] = set()


def put_query(
    store: Store, record_args: dict[str, Any], write: Callable[[], QueryRecord]
) -> QueryRecord:
    """Publish the result through ``write`` (the store's own write path) or keep it here."""
    key, scope = record_args["key"], record_args["scope"]
    if scope != ANONYMOUS and not may_share(store, scope, f"the result of query {key[:12]}"):
        return _keep_here(store, record_args)
    if (id(store), key) in _refetching:  # the read just failed: the store is down
        _refetching.discard((id(store), key))
        return _keep_here(store, record_args)
    try:
        return write()
    except StoreUnavailableError as exc:
        logger.warning("%s The result of query %s is kept on this machine.", exc, key[:12])
        return _keep_here(store, record_args)


def may_share(store: Store, scope: str, what: str) -> bool:
    """Whether ``what``, fetched under ``scope``, may go to the team catalog and store: the
    member opted in (``share_scoped``) and its role is a member of the scope's role. Else
    one notice per process says why it stays on this machine."""
    if not store.settings.share_scoped:
        _notice_once("private", _PRIVATE_NOTICE, what, store.root)
        return False
    member = _is_member(store, scope)
    if not member:
        role = scope_role(scope)
        _notice_once(f"member:{scope}", _NOT_MEMBER_NOTICE, what, scope, role, scope)
    return member


def _is_member(store: Store, scope: str) -> bool:
    """:func:`is_member`, asked at most once a minute per catalog and scope."""
    slot = (str(store.settings.catalog_url), scope)
    known = _memberships.get(slot)
    if known is not None and time.monotonic() - known[1] < MEMBERSHIP_TTL_S:
        return known[0]
    from sqlalchemy.exc import SQLAlchemyError

    try:
        member = is_member(store.engine, scope)
    except SQLAlchemyError as exc:  # an outage here only means "keep it here"
        logger.warning("mastcache: could not check the membership of %s: %s", scope, exc)
        return False
    _memberships[slot] = (member, time.monotonic())
    return member


def _keep_here(store: Store, record_args: dict[str, Any]) -> QueryRecord:
    assert store.local is not None
    return store.local.store().put_query(**record_args)


def _notice_once(kind: str, message: str, *args: object) -> None:
    if kind not in _noticed:
        _noticed.add(kind)
        logger.warning(message, *args)


def publish_staged(
    store: Store, staged: Path, relative: str, sha256: str, nbytes: int
) -> tuple[str, str, int]:
    """Upload a staged result file, verify it there, and keep the verified bytes as this
    machine's copy (the staged file is gone afterwards either way)."""
    try:
        store.objects.publish(staged, relative, sha256, nbytes)
        if store.local is not None:
            copy = store.root / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, copy)
    finally:
        staged.unlink(missing_ok=True)
    return relative, sha256, nbytes


def newer(team: QueryRecord | None, here: QueryRecord | None) -> QueryRecord | None:
    """The team's row, unless this machine kept a newer result of the key (an outage)."""
    if team is None or (here is not None and here.fetched_at > team.fetched_at):
        return here
    return team


def read_table(store: Store, record: QueryRecord) -> Table | None:
    """``record``'s table from this machine's copy, else from the team store (verified and
    kept here). None when the object is gone (the caller looks for a newer row). A shared
    store without a team catalog (``store.local`` None) keeps no copies."""
    from mastcache.store import parquet

    copy = _read_local_copy(store, record) if store.local is not None else None
    if copy is not None:
        return copy
    try:
        data = store.objects.read_bytes(record.table_path)
    except FileNotFoundError:
        return None
    except StoreUnavailableError as exc:
        if store.local is None:  # a shared store without a team catalog: nowhere to keep it
            raise
        _refetching.add((id(store), record.key))  # its fresh copy stays here, no 2nd line
        raise EntryUnreachableError(
            f"{str(exc).split(';', 1)[0]}, and this machine has no copy of the result of "
            f"query {record.key[:12]} ({record.service}): retry when the store is back, or "
            "check MASTCACHE_S3_ENDPOINT_URL."
        ) from exc
    store.check_bytes(record, data)
    if store.local is not None:
        _keep_local_copy(store, record, data)
    return parquet.read_table(data)


def _read_local_copy(store: Store, record: QueryRecord) -> Table | None:
    """This machine's verified copy of a team result, if it has one (else None)."""
    from mastcache.store.hotcache import FileIdentity, hot_cache

    path = store.root / record.table_path
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size != record.nbytes:
        return None
    slot = (str(store.root), record.key)
    identity = FileIdentity(record.sha256, stat.st_ino, stat.st_mtime_ns, stat.st_size)
    try:
        return hot_cache().serve(slot, identity, lambda: store.read_verified(record, path, stat))
    except CorruptEntryError:
        path.unlink(missing_ok=True)  # a damaged copy: read the team's object instead
        return None


def _keep_local_copy(store: Store, record: QueryRecord, data: bytes) -> None:
    """Write the verified bytes as this machine's copy and record them locally."""
    from mastcache.store.files import bytes_writer, write_atomic

    assert store.local is not None
    try:
        write_atomic(store.root / record.table_path, bytes_writer(data))
    except OSError as exc:
        logger.warning("could not keep a local copy of %s: %s", record.key[:12], exc)
        return
    store.local.keep_query(record)
