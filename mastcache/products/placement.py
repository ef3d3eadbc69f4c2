"""Putting a stored file where the user asked for it, made under a temp name beside the
destination and renamed over it (atomic).

``copy`` (the default) gives the user a file of their own: a copy-on-write clone where the file
system can make one (FICLONE on Btrfs/XFS/..., else ``copy_file_range``, which clones or copies
in the kernel), a plain copy otherwise. Editing it (``fits.open(mode="update")``) never changes
the cached bytes. ``hard`` links share the stored bytes and cost no space, but an in-place edit
of the placed file then changes (damages) the cache's copy too, and the file is read-only
(0444) so a non-root user's edit fails: ask for it only for data you never modify. ``symlink``
points at the store, with the same caveats."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO, Literal, get_args

from mastcache.errors import ConfigurationError, StorageFullError, StoreError
from mastcache.store.files import TEMP_PREFIX, fsync_directory

__all__ = ["LINK_KINDS", "LinkKind", "check_link_kind", "place_file"]

LinkKind = Literal["hard", "copy", "symlink"]
LINK_KINDS: tuple[LinkKind, ...] = get_args(LinkKind)
#: Why a hard link can fail where a copy works (other disk, file system without links...).
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EACCES}


def check_link_kind(link: str) -> LinkKind:
    """``link`` as a LinkKind, or a ConfigurationError naming the choices."""
    for kind in LINK_KINDS:
        if link == kind:
            return kind
    raise ConfigurationError(
        f"unknown link kind {link!r}: expected one of {', '.join(LINK_KINDS)} "
        "(copies, the default, are yours to edit; hard links cost no space but share the "
        "cache's bytes, so editing one damages the cache)"
    )


def place_file(blob: Path, dest: Path, link: LinkKind = "copy") -> None:
    """Make ``dest`` show ``blob``'s content: a writable copy (or clone) of its own, or, when
    asked, a hard link (falling back to a copy) or a symbolic link."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if link == "hard" and _same_file(blob, dest):
        return
    temp = dest.parent / f"{TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        _make(blob, temp, link)
        os.replace(temp, dest)
        fsync_directory(dest.parent)
    except OSError as exc:
        raise _placement_error(dest, exc) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _make(blob: Path, temp: Path, link: LinkKind) -> None:
    if link == "symlink":
        os.symlink(blob.resolve(), temp)
        return
    if link == "hard":
        try:
            os.link(blob, temp)
            return
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
    _copy(blob, temp)


def _copy(blob: Path, temp: Path) -> None:
    """A copy the user owns and may edit: cloned when the file system can, else copied."""
    with open(blob, "rb") as source, open(temp, "wb") as target:
        if not _clone(source.fileno(), target.fileno()):
            _copy_range(source, target)
        target.flush()
        os.fsync(target.fileno())
    os.chmod(temp, 0o644)


#: ioctl FICLONE (linux/fs.h): share the extents copy-on-write (Btrfs, XFS, bcachefs...).
_FICLONE = 0x40049409


def _clone(source: int, target: int) -> bool:
    try:
        import fcntl

        fcntl.ioctl(target, _FICLONE, source)
    except (ImportError, OSError):
        return False
    return True


def _copy_range(source: BinaryIO, target: BinaryIO) -> None:
    """``copy_file_range`` (in-kernel; clones on some file systems), else a buffered copy."""
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        try:
            while copy_range(source.fileno(), target.fileno(), 1 << 30):
                pass
            return
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
                raise
            source.seek(0)
            target.seek(0)
            target.truncate()
    shutil.copyfileobj(source, target, length=1 << 20)


def _same_file(blob: Path, dest: Path) -> bool:
    try:
        return os.path.samefile(blob, dest) and not dest.is_symlink()
    except OSError:
        return False


def _placement_error(dest: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(
            f"the disk holding {dest.parent} is full: {dest.name} was not written; free "
            "some space, or use link='hard' to place files without copying them (then never "
            "edit them in place: the cache shares their bytes)"
        )
    return StoreError(f"cannot write {dest}: {exc}; check that the folder is writable")
