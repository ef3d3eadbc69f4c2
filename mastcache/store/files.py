"""Files on disk under the cache directory: atomic writes, streaming hashes, the hash memo,
and the sweeper of orphan temp files that a killed writer leaves behind (DESIGN.md 11).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from mastcache.errors import StorageFullError, StoreError

__all__ = [
    "CHUNK_SIZE",
    "TEMP_PREFIX",
    "HashMemo",
    "HashingWriter",
    "fsync_directory",
    "sha256_file",
    "sweep_temp_files",
    "write_atomic",
    "write_atomic_named",
]

CHUNK_SIZE = 1 << 20  # 1 MiB: 1 KB chunks made hashing/downloading 8x slower
TEMP_PREFIX = ".tmp-"


class HashingWriter(io.RawIOBase):
    """A write-only file that hashes (sha256) and counts every byte on its way to disk."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._hash = hashlib.sha256()
        self.nbytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data)
        self._raw.write(view)
        self._hash.update(view)
        self.nbytes += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self.nbytes

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> tuple[str, int]:
    """Write ``path`` through ``write(file)``: temp file beside it, fsync, rename, fsync dir.

    Returns ``(sha256, nbytes)`` of what was written. On any failure the temp file is
    removed and ``path`` is untouched; a full disk raises :class:`StorageFullError`.
    """
    _, sha256, nbytes = write_atomic_named(path.parent, lambda _sha: path.name, write)
    return sha256, nbytes


def bytes_writer(data: bytes) -> Callable[[BinaryIO], None]:
    """A ``write`` callable for :func:`write_atomic` that writes ``data``."""

    def write(out: BinaryIO) -> None:
        out.write(data)

    return write


def write_atomic_named(
    directory: Path, name_for: Callable[[str], str], write: Callable[[BinaryIO], None]
) -> tuple[Path, str, int]:
    """Like :func:`write_atomic`, but the final name is ``name_for(sha256)`` of the content.

    Returns ``(path, sha256, nbytes)``. Content-derived names let a new version of a file
    land beside the old one, which stays valid until the catalog points elsewhere.
    """
    directory.mkdir(parents=True, exist_ok=True)
    temp = directory / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        sha256, nbytes = _write_temp(temp, write)
        path = directory / name_for(sha256)
        with _disk_errors(path):
            os.replace(temp, path)
            fsync_directory(directory)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return path, sha256, nbytes


def _write_temp(temp: Path, write: Callable[[BinaryIO], None]) -> tuple[str, int]:
    with _disk_errors(temp), open(temp, "wb") as raw:
        writer = HashingWriter(raw)
        write(writer)  # type: ignore[arg-type]
        raw.flush()
        os.fsync(raw.fileno())
    return writer.hexdigest(), writer.nbytes


@contextlib.contextmanager
def _disk_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFullError(
                f"the disk holding {path.parent} is full: nothing was written; "
                "free some space or run `mastcache cache prune`"
            ) from exc
        raise StoreError(f"cannot write {path}: {exc}") from exc


def fsync_directory(directory: Path) -> None:
    """Make a rename inside ``directory`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    """The sha256 of ``path``, streamed in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()


class HashMemo:
    """sha256 of files already hashed in this process, keyed by (inode, mtime_ns, size).

    Re-hashing a 100 MB file on every use costs ~100 ms; a file whose identity and size did
    not change is trusted until ``cache verify`` re-hashes it.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[int, int, int, str]] = {}
        self._lock = threading.Lock()

    def lookup(self, path: Path, stat: os.stat_result) -> str | None:
        with self._lock:
            entry = self._known.get(str(path))
        if entry is None or entry[:3] != (stat.st_ino, stat.st_mtime_ns, stat.st_size):
            return None
        return entry[3]

    def remember(self, path: Path, stat: os.stat_result, sha256: str) -> None:
        with self._lock:
            self._known[str(path)] = (stat.st_ino, stat.st_mtime_ns, stat.st_size, sha256)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._known.pop(str(path), None)


def sweep_temp_files(root: Path, *, older_than: float = 60.0) -> int:
    """Remove temp files left under ``root`` by killed writers; returns how many.

    Only files named with :data:`TEMP_PREFIX` and untouched for ``older_than`` seconds go,
    so a live writer's temp file survives.
    """
    if not root.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for directory, _dirs, names in os.walk(root):
        for name in names:
            if name.startswith(TEMP_PREFIX) and _remove_if_older(Path(directory, name), cutoff):
                removed += 1
    return removed


def _remove_if_older(path: Path, cutoff: float) -> bool:
    try:
        if path.stat().st_mtime >= cutoff:
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def export_atomic(output: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """A file for the user at ``output``: ``write(temp_path)`` beside it, then rename.

    For exports (tables, MOCs, maps), not the store: the folder must exist, the file gets
    the usual permissions (umask), and any failure is one :class:`StoreError` line with the
    temp file removed and ``output`` untouched.
    """
    target = Path(output)
    try:
        folder = target.parent if str(target.parent) else Path(".")
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.close(handle)
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc.strerror or exc}") from exc
    try:
        write(temp)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; an export is for sharing
        os.replace(temp, target)
    except OSError as exc:
        raise StoreError(f"cannot write {output}: {exc.strerror or exc}") from exc
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return target


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
