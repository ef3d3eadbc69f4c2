"""This machine's copies of what it used from the team cache (docs/team-mode.md).

In team mode each machine keeps, in its own ``MASTCACHE_DIR``, a personal cache (the same
``catalog.sqlite``, ``tables/`` and ``products/`` layout a local cache has, and what
``cache push``/``cache pull`` call the personal cache). Every result the machine reads or
writes through the team store, and every product file it downloads or copies, is recorded
there too, verified, at the same relative path. So:

- a result read again is served from the local copy (hashed once per process) with no
  request to the object store;
- while the team catalog or object store is down, what is on the machine is still served
  (:meth:`Store.open` with ``serve_local=True`` falls back to this cache, with one warning);
- results fetched under a MAST login stay here and are never published to the team store;
- a member's verified copies can refill a team store that lost objects (``cache push``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from mastcache.errors import StoreError
from mastcache.settings import Settings
from mastcache.store.engine import CATALOG_FILENAME
from mastcache.store.records import FileRecord, QueryRecord

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.store.store import Store

__all__ = ["LocalCopies", "personal_settings"]

logger = logging.getLogger(__name__)


def personal_settings(settings: Settings) -> Settings:
    """The settings of this machine's personal cache: the cache directory alone."""
    return settings.new(catalog_url=None, store_url=None)


class LocalCopies:
    """The personal cache beside a team :class:`Store`, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = personal_settings(settings)
        self.root = Path(self.settings.cache_dir)
        self._store: Store | None = None
        self._warned = False

    def store(self) -> Store:
        if self._store is None:
            from mastcache.store.store import Store

            self._store = Store.open(self.settings)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def table_file(self, record: QueryRecord) -> Path:
        return self.root / record.table_path

    def get_query(self, key: str) -> QueryRecord | None:
        """The personal cache's row for ``key`` (a result kept on this machine), or None.

        Asked on every team lookup, so it creates nothing (no personal catalog yet: None)
        and never fails the caller (an unreadable personal cache: one warning, None).
        """
        if self._store is None and not (self.root / CATALOG_FILENAME).is_file():
            return None
        try:
            return self.store().get_query(key)
        except StoreError as exc:
            if not self._warned:
                self._warned = True
                logger.warning("mastcache: this machine's copies are not used: %s", exc)
            return None

    def keep_query(self, record: QueryRecord) -> None:
        """Record ``record`` whose verified file is already at :meth:`table_file`.

        A failure here never fails the caller: the copy is an optimisation and a fallback.
        """
        try:
            from mastcache.store.transfer import commit_unless_newer

            commit_unless_newer(self.store(), record)
        except StoreError as exc:
            logger.warning("could not record a local copy of %s: %s", record.key[:12], exc)

    def keep_file(self, record: FileRecord) -> None:
        """Record a product file whose verified bytes are at ``root / record.local_path``."""
        try:
            store = self.store()
            existing = store.get_file(record.uri)
            if (
                existing is None
                or existing.sha256 != record.sha256
                or existing.status != (record.status)
            ):
                store.put_file(record)
        except StoreError as exc:
            logger.warning("could not record a local copy of %s: %s", record.uri, exc)
