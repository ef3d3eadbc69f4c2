"""The download engine: many products at once, each served from the store when it is
there, fetched (resumable, verified) when it is not, then placed in the user's folder.

For each :class:`ProductRequest`, in a bounded thread pool (``settings.max_parallel``):

1. a row refused for an unsafe name is reported ERROR, and nothing is written;
2. :func:`mastcache.policy.decide_file` says what to do with the stored copy, if any (its
   table: cache-first serves it, online serves it only when MAST's size and checksum
   confirm it, refresh and ``cache=False`` fetch again, offline serves it or reports the
   miss); a stored copy is used with no network at all;
3. a fetch goes through :class:`~mastcache.products.fetch.FileFetcher` (resumable,
   verified, then the one blob writer of :mod:`mastcache.store.blobs`);
4. the stored file is linked (or copied) to the row's local path, atomically.

Every failure becomes that row's ERROR with a message; no row is ever silently skipped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mastcache.errors import MastCacheError
from mastcache.gateways.files import FileGateway
from mastcache.policy import FileDecision, decide_file, offline_miss
from mastcache.products.fetch import FileFetcher, FileWanted, mast_confirms
from mastcache.products.outcome import DownloadOutcome
from mastcache.products.paths import check_inside
from mastcache.products.placement import LinkKind, place_file
from mastcache.products.progress import DownloadProgress
from mastcache.store import Store
from mastcache.store.blobs import blob_problem, local_blob
from mastcache.store.records import FileRecord

__all__ = ["DownloadEngine", "ProductRequest"]


@dataclass(frozen=True)
class ProductRequest:
    """One product to deliver to ``local_path`` (astroquery's path string)."""

    wanted: FileWanted
    local_path: str
    #: The URL astroquery prints on an ERROR row (``<download url>?uri=<uri>``, unquoted).
    url: str
    #: The folder ``local_path`` must stay inside (None: the caller chose the path itself).
    root: str | None = None
    #: Why this row is refused (an unsafe name); nothing is fetched or written.
    refusal: str | None = None


class DownloadEngine:
    """Delivers products through one store and one file gateway, in ``mode``."""

    def __init__(
        self,
        store: Store,
        gateway: FileGateway,
        *,
        mode: str,
        link: LinkKind = "copy",
        progress: bool | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.mode = mode
        self.link = link
        self._progress = progress
        self._sleep = sleep

    def run(
        self, requests: Sequence[ProductRequest], *, cache: bool = True
    ) -> list[DownloadOutcome]:
        """One outcome per request, in the same order."""
        total = sum(r.wanted.size or 0 for r in requests if r.refusal is None)
        with DownloadProgress(total, len(requests), shown=self._progress) as progress:
            fetcher = FileFetcher(
                self.store, self.gateway, on_bytes=progress.add_bytes, sleep=self._sleep
            )
            workers = max(1, min(self.gateway.settings.max_parallel, len(requests)))
            pool = ThreadPoolExecutor(workers, thread_name_prefix="mastcache-download")
            try:
                futures = [
                    pool.submit(self._deliver, r, fetcher, progress, cache) for r in requests
                ]
                outcomes = [future.result() for future in futures]
            except BaseException:  # Ctrl-C: abandon the transfers in flight, wait for none
                fetcher.cancel()
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown()
            return outcomes

    def _deliver(
        self, request: ProductRequest, fetcher: FileFetcher, progress: DownloadProgress, cache: bool
    ) -> DownloadOutcome:
        try:
            if request.refusal is not None:
                return DownloadOutcome("", "ERROR", request.refusal, request.url)
            record, source = self._obtain(request, fetcher, progress, cache)
            if record is None:
                message = self._offline(request)
                return DownloadOutcome(request.local_path, "ERROR", message, request.url)
            self._place(record, request)
            return DownloadOutcome(request.local_path, "COMPLETE", None, None, source)
        except MastCacheError as exc:
            return DownloadOutcome(request.local_path, "ERROR", str(exc), request.url)
        finally:
            progress.file_done()

    def _obtain(
        self, request: ProductRequest, fetcher: FileFetcher, progress: DownloadProgress, cache: bool
    ) -> tuple[FileRecord | None, str | None]:
        """The stored record (source ``cache``), a fetched one (``network``), or None offline."""
        stored = fetcher.usable_record(request.wanted.uri) if cache else None
        decision = decide_file(
            self.mode,
            stored=stored is not None,
            confirmed=stored is not None and self._confirmed(request.wanted, stored),
            reuse=cache,
        )
        if decision is FileDecision.SERVE_STORED and stored is not None:
            progress.add_bytes(request.wanted.size or 0)
            return stored, "cache"
        if decision is FileDecision.MISS_ERROR:
            return None, None
        replace = decision is FileDecision.REFETCH
        # A copy stored meanwhile by another thread serves a fetch decided for a missing
        # file; a copy that was there and still made the policy fetch does not.
        fetched = fetcher.fetch(request.wanted, replace=replace, reuse_stored=stored is None)
        return fetched, "network"

    def _confirmed(self, wanted: FileWanted, stored: FileRecord) -> bool:
        """Only ``online`` asks whether MAST vouches for the stored bytes (it may hash them)."""
        if self.mode != "online":
            return False
        path = local_blob(self.store, stored)
        return path is not None and mast_confirms(wanted, stored, path)

    def _offline(self, request: ProductRequest) -> str:
        """Why offline mode cannot deliver: not stored at all, or stored but damaged."""
        uri = request.wanted.uri
        record = self.store.get_file(uri)
        if record is not None and record.status in ("complete", "corrupt"):
            problem = blob_problem(self.store, record)
            if problem is not None or record.status == "corrupt":
                detail = problem[1] if problem else "`mastcache cache verify` found it changed"
                return (
                    f"offline mode: {uri} is in the cache but damaged ({detail}); run "
                    "`mastcache cache verify --repair` online, or download it again without "
                    "offline mode, to fetch an intact copy"
                )
        return str(offline_miss(uri, "not in the cache, so it was not downloaded"))

    def _place(self, record: FileRecord, request: ProductRequest) -> None:
        dest = Path(request.local_path)
        if request.root is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            check_inside(dest, Path(request.root))
        place_file(self.store.root / record.local_path, dest, self.link)
