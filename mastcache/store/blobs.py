"""Product files in the object store: publish after a download, fetch on another machine.

A product file's home is ``store.objects`` at its catalog path (``products/<sha[:2]>/<sha>``,
content-addressed). In a local cache that is the file in the cache directory itself. In team
mode (DESIGN.md section 10) it is an object in the team store, and each machine keeps a local
copy at the same relative path under its own cache directory, which is what gets linked or
copied to the user's folder. Publication follows the rule of results: upload, read back and
verify (size and sha256), and only then commit the FileRecord.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from mastcache.store.files import TEMP_PREFIX, fsync_directory, sha256_file
from mastcache.store.records import FileRecord
from mastcache.store.store import Store

__all__ = ["blob_problem", "local_blob", "publish_blob", "remove_blob"]


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
    return _download(store, record, path) if store.shares_files else None


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
