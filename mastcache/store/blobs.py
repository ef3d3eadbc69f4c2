"""Product files in the object store: publish after a download, fetch on another machine.

A product file's home is ``store.objects`` at its catalog path (``products/<sha[:2]>/<sha>``,
content-addressed). In a local cache that is the file in the cache directory itself. In team
mode (DESIGN.md section 10) it is an object in the team store, and each machine keeps a local
copy at the same relative path under its own cache directory, which is what gets linked or
copied to the user's folder. Publication follows the rule of results: upload, read back and
verify (size and sha256), and only then commit the FileRecord.

This module is the one blob writer: every file-shaped result (product downloads, cutout
zips, HSC spectra, snapshot restores) lands through :func:`commit_blob` (a verified local
file) or :func:`write_blob` (bytes in memory). Both rename into ``products/<sha[:2]>/<sha>``
read-only and fsync, publish to the team store (team mode), and only then record the
``files`` row with its identity scope. :func:`place_blob` does the first two steps for a
caller that commits its rows in its own transaction (snapshot restore).

A file fetched under a login follows the rule of results (store/teamresults.py): kept on this
machine only, unless the member opted in to share with its scope and belongs to the scope's
role; then it lives under the scope's prefix, ``scopes/<digest>/products/<sha[:2]>/<sha>``,
on every machine and in the team store, where per-scope bucket credentials can fence it.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from mastcache.errors import StoreError, StoreUnavailableError
from mastcache.store.files import (
    TEMP_PREFIX,
    bytes_writer,
    fsync_directory,
    sha256_file,
    write_atomic_named,
)
from mastcache.store.records import FileRecord, utcnow
from mastcache.store.scopes import ANONYMOUS, scoped_path
from mastcache.store.store import Store
from mastcache.store.teamresults import may_share

__all__ = [
    "blob_problem",
    "blob_relpath",
    "commit_blob",
    "local_blob",
    "place_blob",
    "publish_blob",
    "remove_blob",
    "repair_from_local_copy",
    "stage_blob",
    "write_blob",
]


logger = logging.getLogger(__name__)


def blob_relpath(sha256: str) -> str:
    """A verified file's path in the store, relative to the cache dir (POSIX separators)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return str(PurePosixPath("products", sha256[:2], sha256))


def commit_blob(
    store: Store, source: Path, uri: str, sha256: str, nbytes: int, *, scope: str
) -> FileRecord:
    """Store the verified local file ``source`` (its sha256 and size already checked) as the
    file of ``uri``: rename into place, publish (team mode), then record it under ``scope``.

    Team mode: a file fetched under a login (``scope`` not anonymous) is kept on this machine
    only (its personal cache), with one notice, unless it may be shared with its scope
    (:func:`~mastcache.store.teamresults.may_share`): then it is published under the scope's
    prefix. Any file is kept here while the team cache is unreachable; every published file
    is also recorded here (served during an outage).
    """
    shared = store.local is not None and (
        scope == ANONYMOUS or may_share(store, scope, f"the file {uri}")
    )
    relative = blob_relpath(sha256)
    if shared and scope != ANONYMOUS:
        relative = scoped_path(scope, relative)
    _place_local(store, source, relative, nbytes)
    record = FileRecord(uri, sha256, nbytes, relative, "complete", utcnow(), scope=scope)
    if store.local is None:  # a local catalog, maybe with a shared store: publish first
        publish_blob(store, store.root / relative, relative, sha256, nbytes)
        return store.put_file(record)
    if not shared:
        return store.local.store().put_file(record)
    try:
        publish_blob(store, store.root / relative, relative, sha256, nbytes)
        record = store.put_file(record)
    except StoreUnavailableError as exc:
        logger.warning("%s The file %s is kept on this machine.", exc, uri)
        return store.local.store().put_file(record)
    store.local.keep_file(record)
    return record


def write_blob(store: Store, uri: str, body: bytes, *, scope: str) -> FileRecord:
    """Store ``body`` (a small file-shaped answer, e.g. a cutout zip) as the file of ``uri``."""
    staged, sha256, nbytes = stage_blob(store, bytes_writer(body))
    return commit_blob(store, staged, uri, sha256, nbytes, scope=scope)


def stage_blob(store: Store, write: Callable[[BinaryIO], None]) -> tuple[Path, str, int]:
    """Write a temp file in the products folder through ``write``; ``(path, sha256, size)``.

    The temp name is swept as an orphan if the process dies before :func:`place_blob`.
    """
    name = f"{TEMP_PREFIX}blob-{uuid.uuid4().hex}"
    return write_atomic_named(store.products_dir, lambda _sha: name, write)


def place_blob(store: Store, source: Path, sha256: str, nbytes: int) -> str:
    """Move ``source`` to its content address (read-only, fsynced) and, in team mode, publish
    it; returns the relative path. The verified bytes replace whatever was there (which
    repairs a damaged copy of the same address)."""
    relative = blob_relpath(sha256)
    _place_local(store, source, relative, nbytes)
    publish_blob(store, store.root / relative, relative, sha256, nbytes)  # before the row
    return relative


def _place_local(store: Store, source: Path, relative: str, nbytes: int) -> None:
    """Move ``source`` to ``relative`` in the cache directory (read-only, fsynced)."""
    blob = store.root / relative
    if source != blob:
        blob.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(source, 0o444)
        os.replace(source, blob)
        fsync_directory(blob.parent)
    if not _has_size(blob, nbytes):
        raise StoreError(f"{blob} does not hold the {nbytes} bytes just stored; check the disk")


def publish_blob(store: Store, local: Path, relative: str, sha256: str, nbytes: int) -> None:
    """In team mode, upload the verified local file and check the object; else nothing."""
    if store.shares_files:
        store.objects.publish(local, relative, sha256, nbytes)


def local_blob(store: Store, record: FileRecord) -> Path | None:
    """A local copy of ``record``'s file with its recorded size: the one in the cache
    directory, else (team mode) one fetched from the store and verified; None if neither."""
    if not record.local_path:
        return None
    path = store.root / record.local_path
    if _has_size(path, record.size):
        return path
    if not store.shares_files:
        return None
    copied = _download(store, record, path)
    if copied is not None and store.local is not None:
        store.local.keep_file(record)  # served from this machine during an outage
    return copied


def remove_blob(store: Store, relative: str) -> None:
    """Remove the file: the local copy and, in team mode, the object."""
    (store.root / relative).unlink(missing_ok=True)
    if store.shares_files:
        store.objects.remove(relative)


def blob_problem(store: Store, record: FileRecord) -> tuple[str, str] | None:
    """``(kind, detail)`` of what is wrong with the file's home copy, if anything; kind is
    ``missing``, ``size`` or ``checksum``."""
    if not record.local_path or not store.objects.exists(record.local_path):
        return "missing", "the file is missing"
    sha256, size = store.objects.digest(record.local_path)
    where = "in the team store" if store.shares_files else "on disk"
    if size != record.size:
        return "size", f"{size} bytes {where}, {record.size} recorded"
    if sha256 != record.sha256:
        return "checksum", f"sha256 {sha256} {where}, {record.sha256} recorded: the file changed"
    return None


def repair_from_local_copy(store: Store, record: FileRecord) -> bool:
    """Team mode: upload this machine's copy of ``record``'s file if it still has the recorded
    size and sha256 (the team object is missing or damaged); whether it did."""
    if not store.shares_files or not record.local_path:
        return False
    path = store.root / record.local_path
    if not _has_size(path, record.size) or sha256_file(path) != record.sha256:
        return False
    store.objects.publish(path, record.local_path, record.sha256, record.size)
    return True


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _download(store: Store, record: FileRecord, path: Path) -> Path | None:
    """Copy the object to ``path`` through a temp file; None if missing or not as recorded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        store.objects.download(record.local_path, temp)
        if temp.stat().st_size != record.size or sha256_file(temp) != record.sha256:
            return None  # damaged object: the caller fetches from MAST and republishes it
        os.chmod(temp, 0o444)
        os.replace(temp, path)
        fsync_directory(path.parent)
        return path
    except FileNotFoundError:
        return None
    finally:
        temp.unlink(missing_ok=True)
