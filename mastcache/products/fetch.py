"""Fetching one product file into the store: resumable, verified, then recorded.

:meth:`FileFetcher.fetch` runs, in order, under a per-URI file lock:

1. the expected size: MAST's (the product list) or, when unknown, a HEAD's Content-Length;
2. stream the body in 1 MiB chunks into ``products/partial/<sha256(uri)>``, asking with
   ``Range: bytes=N-`` for what an earlier (interrupted or killed) attempt left; a broken
   body is resumed the same way, up to ``settings.max_retries`` times with backoff;
3. verify: the size against MAST's size and the server's Content-Length, then MAST's
   checksum when it gives one, else the sha256 recorded when the file was first fetched;
4. rename into ``products/<sha[:2]>/<sha>`` (read-only), fsync; in team mode upload it to
   the object store under the same path and verify it there (store/blobs.py); only then
   commit the ``files`` row as ``complete``. A failed check deletes the partial file and
   records nothing as complete; the error names what did not match.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from mastcache.errors import (
    DownloadError,
    HTTPStatusError,
    MastCacheError,
    StorageFullError,
    TransportError,
)
from mastcache.gateways.files import FileGateway
from mastcache.net.transport import Stream
from mastcache.products.paths import partial_path
from mastcache.products.urilock import uri_lock
from mastcache.store import Store
from mastcache.store.blobs import commit_blob, local_blob
from mastcache.store.claims import claim
from mastcache.store.files import CHUNK_SIZE
from mastcache.store.records import FileRecord, utcnow

__all__ = ["DownloadCancelledError", "FileFetcher", "FileWanted", "SizeMismatchError"]

_BACKOFF_CAP = 30.0
_HASHES = ("sha256", "md5", "sha1")


@dataclass(frozen=True)
class FileWanted:
    """One file to fetch: its URI, the URL to GET, and what MAST says about it."""

    uri: str
    url: str
    #: MAST's size in bytes (product list ``size``), if known and positive.
    size: int | None = None
    #: MAST's checksum as ``"<algorithm>:<hex>"`` (md5, sha1 or sha256), if given.
    checksum: str | None = None


class SizeMismatchError(DownloadError):
    """The server's size for a file disagrees with what was expected."""


class DownloadCancelledError(DownloadError):
    """The download was abandoned (Ctrl-C); what arrived stays in the partial file."""


class _Digests:
    """sha256 (always) and MAST's checksum algorithm (when different), fed chunk by chunk."""

    def __init__(self, checksum: str | None) -> None:
        self.sha256 = hashlib.sha256()
        algorithm = checksum.split(":", 1)[0].lower() if checksum else "sha256"
        self.extra = None if algorithm == "sha256" else hashlib.new(algorithm)

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        if self.extra is not None:
            self.extra.update(data)

    def of_checksum(self) -> str:
        return (self.extra or self.sha256).hexdigest()


class FileFetcher:
    """Downloads files into one store through one file gateway (thread-safe; a lock per URI)."""

    def __init__(
        self,
        store: Store,
        gateway: FileGateway,
        *,
        on_bytes: Callable[[int], None] = lambda n: None,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 0.5,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self._on_bytes = on_bytes
        self._sleep = sleep
        self._backoff = backoff
        #: Set by :meth:`cancel` (Ctrl-C): transfers stop at their next chunk, keeping the
        #: partial file for a later resume; no retry starts.
        self.cancelled = threading.Event()

    def cancel(self) -> None:
        """Abandon every transfer of this fetcher (partial files stay for a resume)."""
        self.cancelled.set()

    def fetch(
        self, wanted: FileWanted, *, replace: bool = False, reuse_stored: bool = True
    ) -> FileRecord:
        """The ``complete`` record of ``wanted`` after fetching and verifying it.

        Without ``replace`` (policy FETCH) new bytes must match the sha256 recorded for the
        URI when MAST gives no checksum, and with ``reuse_stored`` a copy another thread
        stored meanwhile is used; ``replace`` (policy REFETCH) always fetches and accepts
        MAST's current content.
        """
        _check_checksum(wanted)
        partial = partial_path(self.store.products_dir, wanted.uri)
        partial.parent.mkdir(parents=True, exist_ok=True)
        with uri_lock(partial.with_name(partial.name + ".lock")):
            reuse = reuse_stored and not replace
            done = self.usable_record(wanted.uri) if reuse else None
            if done is not None:
                return done
            with claim(self.store, wanted.uri):  # team mode: one machine fetches it
                done = self.usable_record(wanted.uri) if reuse else None
                if done is not None:
                    return done  # another machine fetched and published it meanwhile
                previous = None if replace else self.store.get_file(wanted.uri)
                recorded = previous.sha256 if previous else None
                return self._fetch_locked(wanted, partial, recorded or None)

    def usable_record(self, uri: str) -> FileRecord | None:
        """The ``complete`` record of ``uri`` whose file is in place with its size, if this
        gateway's identity scope may be served it (its own scope, or an anonymous file)."""
        record = self.store.get_file(uri)
        if record is None or record.status != "complete" or not record.local_path:
            return None
        if record.scope not in ("anonymous", self.gateway.scope):
            return None
        return record if local_blob(self.store, record) is not None else None

    # -- one file -----------------------------------------------------------------------

    def _fetch_locked(self, wanted: FileWanted, partial: Path, recorded: str | None) -> FileRecord:
        size = wanted.size or self.gateway.head_size(wanted.url)
        attempts = self.gateway.settings.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                digests = self._download(wanted, partial, size)
                break
            except (TransportError, SizeMismatchError) as exc:
                self._after_failure(wanted, partial, exc)
                if attempt == attempts or not _is_retryable(exc) or self.cancelled.is_set():
                    raise _failed(wanted, attempt, exc) from exc
                self._sleep(self._delay(attempt))
                if isinstance(exc, SizeMismatchError) and not wanted.size:
                    size = self.gateway.head_size(wanted.url)  # the HEAD may have been wrong
        return self._commit(wanted, partial, size, digests, recorded)

    def _download(self, wanted: FileWanted, partial: Path, size: int | None) -> _Digests:
        """Bring ``partial`` to the whole body; returns its digests."""
        digests = _Digests(wanted.checksum)
        have = _prefix_size(partial, size)
        if size and have == size:  # a size of 0 never skips the GET: no partial file exists
            _hash_prefix(partial, have, digests)
            return digests
        with self.gateway.stream(wanted.url, offset=have) as stream:
            _check_total(wanted, stream.total_size, size)
            with _disk_full_as_error(partial, wanted.uri):
                written = self._write_body(stream, partial, digests)
        if stream.total_size is not None and written != stream.total_size:
            raise TransportError(
                f"{wanted.uri}: the body ended after {written} of {stream.total_size} bytes "
                "without an error; the rest will be asked for with a Range request"
            )
        return digests

    def _write_body(self, stream: Stream, partial: Path, digests: _Digests) -> int:
        """Write the streamed body into ``partial`` from the stream's offset; its new size."""
        with open(partial, "r+b" if stream.offset else "wb", buffering=0) as out:
            out.truncate(stream.offset)
            _hash_prefix(partial, stream.offset, digests)
            out.seek(stream.offset)
            written = stream.offset + self._copy(stream.chunks(CHUNK_SIZE), out, digests)
            os.fsync(out.fileno())
        return written

    def _copy(self, chunks: Iterator[bytes], out: BinaryIO, digests: _Digests) -> int:
        count = 0
        for chunk in chunks:
            if self.cancelled.is_set():
                raise DownloadCancelledError("the download was interrupted; it resumes next time")
            out.write(chunk)
            digests.update(chunk)
            count += len(chunk)
            self._on_bytes(len(chunk))
        return count

    def _after_failure(self, wanted: FileWanted, partial: Path, exc: MastCacheError) -> None:
        """Keep a partial body for resuming (and say so in the catalog); drop a wrong one."""
        if isinstance(exc, SizeMismatchError) or _is_status(exc, 416):
            partial.unlink(missing_ok=True)
            return
        have = _prefix_size(partial, None)
        if have and self.store.get_file(wanted.uri) is None:
            relative = partial.relative_to(self.store.root).as_posix()
            self.store.put_file(
                FileRecord(
                    wanted.uri, "", have, relative, "partial", utcnow(), scope=self.gateway.scope
                )
            )

    def _delay(self, attempt: int) -> float:
        base = min(self._backoff * 2.0 ** (attempt - 1), _BACKOFF_CAP)
        return base + random.uniform(0, base / 2)

    # -- verify and commit --------------------------------------------------------------

    def _commit(
        self,
        wanted: FileWanted,
        partial: Path,
        size: int | None,
        digests: _Digests,
        recorded: str | None,
    ) -> FileRecord:
        nbytes = partial.stat().st_size
        sha256 = digests.sha256.hexdigest()
        problem = _verification_problem(wanted, nbytes, size, digests, sha256, recorded)
        if problem is not None:
            partial.unlink(missing_ok=True)
            raise DownloadError(f"{wanted.uri}: {problem}; the file was discarded, not stored")
        return commit_blob(
            self.store, partial, wanted.uri, sha256, nbytes, scope=self.gateway.scope
        )


@contextmanager
def _disk_full_as_error(partial: Path, uri: str) -> Iterator[None]:
    """A full disk while writing a body: drop the partial file (keeping it would keep the disk
    full) and raise :class:`StorageFullError`; other errors pass unchanged."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        partial.unlink(missing_ok=True)
        raise StorageFullError(
            f"{uri}: the disk holding {partial.parent} is full; the partial download was "
            "removed and nothing was recorded; free some space or run `mastcache cache prune`"
        ) from exc


def _verification_problem(
    wanted: FileWanted,
    nbytes: int,
    size: int | None,
    digests: _Digests,
    sha256: str,
    recorded: str | None,
) -> str | None:
    if size is not None and nbytes != size:
        return f"{nbytes} bytes arrived but MAST reports {size}"
    if wanted.checksum:
        expected = wanted.checksum.split(":", 1)[1].strip().lower()
        if digests.of_checksum() != expected:
            return (
                f"checksum mismatch: MAST gives {wanted.checksum}, the bytes received have "
                f"{wanted.checksum.split(':', 1)[0].lower()}:{digests.of_checksum()}"
            )
    elif recorded and sha256 != recorded:
        return (
            f"checksum mismatch: sha256 {sha256} differs from {recorded}, recorded when this "
            "URI was first downloaded; if MAST reprocessed the product, download it again "
            "with mode='refresh'"
        )
    return None


def _check_checksum(wanted: FileWanted) -> None:
    if wanted.checksum is None:
        return
    algorithm, sep, value = wanted.checksum.partition(":")
    if not sep or algorithm.lower() not in _HASHES or not value.strip():
        raise DownloadError(
            f"{wanted.uri}: cannot use checksum {wanted.checksum!r}; expected "
            "'<algorithm>:<hex digest>' with algorithm md5, sha1 or sha256"
        )


def _check_total(wanted: FileWanted, total: int | None, size: int | None) -> None:
    if total is not None and size is not None and total != size:
        raise SizeMismatchError(
            f"{wanted.uri}: the server sends {total} bytes (Content-Length/Content-Range) but "
            f"MAST reports {size}; expected them to agree"
        )


def _prefix_size(partial: Path, size: int | None) -> int:
    """Bytes an earlier attempt left in ``partial`` (0 when none, or more than ``size``)."""
    try:
        have = partial.stat().st_size
    except FileNotFoundError:
        return 0
    if size is not None and have > size:
        partial.unlink()
        return 0
    return have


def _hash_prefix(partial: Path, nbytes: int, digests: _Digests) -> None:
    if nbytes == 0:
        return
    with open(partial, "rb") as handle:
        remaining = nbytes
        while remaining and (chunk := handle.read(min(CHUNK_SIZE, remaining))):
            digests.update(chunk)
            remaining -= len(chunk)


def _is_status(exc: Exception, status: int) -> bool:
    return isinstance(exc, HTTPStatusError) and exc.status_code == status


def _is_retryable(exc: Exception) -> bool:
    """Cut bodies, resets and lying sizes are retried; HTTP errors were retried already."""
    return not isinstance(exc, HTTPStatusError) or _is_status(exc, 416)


def _failed(wanted: FileWanted, attempts: int, exc: Exception) -> DownloadError:
    if isinstance(exc, DownloadError):
        return exc
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    return DownloadError(f"{wanted.uri}: download failed{tries}: {exc}")


def mast_confirms(wanted: FileWanted, record: FileRecord, path: Path) -> bool:
    """Whether MAST's size and checksum for ``wanted`` vouch for the stored copy at ``path``
    (policy's "confirmed"): both must be given and match; md5/sha1 are computed from the
    local copy, a sha256 is compared with the catalog's."""
    if wanted.size is None or wanted.checksum is None or wanted.size != record.size:
        return False
    algorithm, _, value = wanted.checksum.partition(":")
    algorithm, value = algorithm.lower(), value.strip().lower()
    if algorithm == "sha256":
        return value == record.sha256
    if algorithm not in _HASHES:
        return False
    digest = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest() == value
