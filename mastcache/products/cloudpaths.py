"""Where products are in MAST's public bucket: looked up once per dataURI, then stored.

A lookup is MAST's ``path_lookup`` (in chunks of 50, as astroquery asks) rewritten as
astroquery rewrites it (:func:`mastcache.products.cloud.bucket_path`), then an anonymous
HEAD on the bucket (as astroquery's ``head_object``) for whether the object is there and its
size. Each answer is stored in the catalog's ``cloud_paths`` table, so cloud URIs are
known offline and never asked twice. The refresh mode decides:

- ``cache-first``: a stored answer is used; a "not in the cloud" answer older than
  :data:`NEGATIVE_RECHECK` is asked again (MAST adds products to the bucket over time);
- ``online`` and ``refresh``: asked again (``online`` falls back to stored answers when
  MAST cannot be reached);
- ``offline``: stored answers only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from mastcache.errors import TransportError
from mastcache.gateways.files import FileGateway
from mastcache.policy import offline_miss
from mastcache.products import cloud
from mastcache.store import Store
from mastcache.store.records import CloudPathRecord, as_utc, utcnow

__all__ = ["NEGATIVE_RECHECK", "CloudLocator"]

#: How long a "not in the cloud" answer is trusted in cache-first mode.
NEGATIVE_RECHECK = timedelta(days=1)


class CloudLocator:
    """Cloud locations of products through one store and one file gateway, in ``mode``."""

    def __init__(
        self,
        store: Store,
        files: FileGateway,
        mode: str,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.files = files
        self.mode = mode
        self._now = now

    def locate(self, uris: Sequence[str], *, required: bool = True) -> dict[str, CloudPathRecord]:
        """The record of each of ``uris`` (stored, or looked up and stored).

        Offline, a URI never looked up is left out, or with ``required`` raises
        :class:`~mastcache.errors.CacheMissError`.
        """
        wanted = list(dict.fromkeys(uris))
        stored = self._stored(wanted)
        missing = [uri for uri in wanted if not self._usable(stored.get(uri))]
        if not missing:
            return stored
        if self.mode == "offline":
            if required:
                raise offline_miss(
                    f"the cloud location of {len(missing)} product(s) (first: {missing[0]})",
                    "not in the cache",
                )
            return stored
        try:
            found = self._look_up(missing)
        except TransportError:
            if self.mode == "online" and all(uri in stored for uri in missing):
                return stored  # online serves what it knows when MAST cannot be reached
            raise
        self._save(found.values())
        return {**stored, **found}

    def forget(self, uri: str) -> None:
        """Drop a stored answer that turned out wrong (the object was not there after all)."""
        with self.store.unit_of_work() as uow:
            uow.cloud_paths.delete(uri)

    # -- internals ----------------------------------------------------------------------

    def _stored(self, uris: Sequence[str]) -> dict[str, CloudPathRecord]:
        with self.store.unit_of_work(read_only=True) as uow:
            return uow.cloud_paths.get_many(uris)

    def _usable(self, record: CloudPathRecord | None) -> bool:
        if record is None:
            return False
        if self.mode == "offline":
            return True
        if self.mode in ("online", "refresh"):
            return False
        return record.in_cloud or self._now() - as_utc(record.checked_at) < NEGATIVE_RECHECK

    def _look_up(self, uris: Sequence[str]) -> dict[str, CloudPathRecord]:
        force = self.mode in ("online", "refresh")
        paths: dict[str, str | None] = {}
        for chunk in cloud.chunks(uris):
            answer = self.files.path_lookup(chunk, force_refresh=force)
            paths.update((uri, cloud.bucket_path(uri, answer)) for uri in chunk)
        keyed = [(uri, path) for uri, path in paths.items() if path is not None]
        # HEADs are small: as many at once as the host's polite limit allows (net/hostlimits)
        settings = self.files.settings
        limit = max(settings.max_per_host, settings.max_parallel)
        workers = max(1, min(limit, len(keyed)))
        with ThreadPoolExecutor(workers, thread_name_prefix="mastcache-cloud") as pool:
            sizes = dict(
                zip(
                    [uri for uri, _ in keyed],
                    pool.map(lambda item: self.files.cloud_object_size(item[1]), keyed),
                    strict=True,
                )
            )
        when = self._now()
        return {
            uri: CloudPathRecord(uri, path, sizes.get(uri) is not None, sizes.get(uri), when)
            for uri, path in paths.items()
        }

    def _save(self, records: Iterable[CloudPathRecord]) -> None:
        with self.store.unit_of_work() as uow:
            for record in records:
                uow.cloud_paths.put(record)
