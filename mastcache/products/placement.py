"""Putting a stored file where the user asked for it: a hard link, a copy or a symbolic
link, made under a temp name beside the destination and renamed over it (atomic)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from pathlib import Path
from typing import Literal, get_args

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
        "(hard links cost no space; copies are independent of the cache)"
    )


def place_file(blob: Path, dest: Path, link: LinkKind = "hard") -> None:
    """Make ``dest`` show ``blob``'s content (hard link, falling back to a copy)."""
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
    with open(blob, "rb") as source, open(temp, "wb") as target:
        shutil.copyfileobj(source, target, length=1 << 20)
        target.flush()
        os.fsync(target.fileno())
    os.chmod(temp, 0o644)


def _same_file(blob: Path, dest: Path) -> bool:
    try:
        return os.path.samefile(blob, dest) and not dest.is_symlink()
    except OSError:
        return False


def _placement_error(dest: Path, exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageFullError(
            f"the disk holding {dest.parent} is full: {dest.name} was not written; free "
            "some space, or use link='hard' to place files without copying them"
        )
    return StoreError(f"cannot write {dest}: {exc}; check that the folder is writable")
