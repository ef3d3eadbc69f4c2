"""Where product files go: names checked for safety, astroquery's download layout, and the
store's own paths (content-addressed blobs, resumable partial files keyed by URI).

A name from MAST (``productFilename``, ``obs_id``, ``obs_collection``, the URI's last part)
never reaches the file system unchecked: ``..``, absolute paths, NUL and separators that
would leave the folder are refused for that row (:class:`UnsafePathError`).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from mastcache.errors import DownloadError
from mastcache.store.blobs import blob_relpath

__all__ = [
    "LAYOUT_ROOT",
    "UnsafePathError",
    "blob_relpath",
    "check_inside",
    "layout_path",
    "partial_path",
    "safe_component",
    "safe_filename",
]

#: The folder astroquery puts under ``download_dir`` unless ``flat=True``.
LAYOUT_ROOT = "mastDownload"
_DRIVE = re.compile(r"^[A-Za-z]:")


class UnsafePathError(DownloadError):
    """A name from MAST would write outside the download folder or the store."""


def _refuse(what: str, value: str, why: str) -> UnsafePathError:
    return UnsafePathError(
        f"refused to write {what} {value!r}: {why}; expected a plain file or folder name. "
        "The row was not downloaded (nothing was written)"
    )


def safe_component(value: object, what: str) -> str:
    """``value`` as one folder name, or UnsafePathError (``..``, separators, NUL, empty)."""
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise _refuse(what, text, "it contains a NUL byte")
    if text.strip() in ("", ".", ".."):
        raise _refuse(what, text, "it is empty or a relative step ('.' or '..')")
    if "/" in text or "\\" in text or _DRIVE.match(text):
        raise _refuse(what, text, "it contains a path separator or a drive")
    return text


def safe_filename(value: object, what: str = "product filename") -> str:
    """astroquery's ``basename(productFilename)``, refusing ``..``, absolute paths and NUL."""
    text = "" if value is None else str(value)
    if "\x00" in text:
        raise _refuse(what, text, "it contains a NUL byte")
    if text.startswith(("/", "\\")) or _DRIVE.match(text):
        raise _refuse(what, text, "it is an absolute path")
    parts = re.split(r"[/\\]", text)
    if ".." in parts:
        raise _refuse(what, text, "it climbs out of its folder with '..'")
    return safe_component(parts[-1], what)


def layout_path(
    base_dir: str, obs_collection: object, obs_id: object, filename: object, *, flat: bool
) -> str:
    """The local path astroquery prints for a product (``os.path.join`` of its parts)."""
    name = safe_filename(filename)
    if flat:
        return os.path.join(base_dir, name)
    collection = safe_component(obs_collection, "obs_collection")
    folder = safe_component(obs_id, "obs_id")
    return os.path.join(base_dir, collection, folder, name)


def check_inside(path: Path, root: Path) -> None:
    """Raise UnsafePathError unless ``path``'s real folder lies inside ``root``'s real path
    (a symbolic link planted in the download folder must not carry a file elsewhere)."""
    real_root = root.resolve()
    real_parent = path.parent.resolve()
    if real_parent != real_root and real_root not in real_parent.parents:
        raise _refuse(
            "file", str(path), f"its folder resolves to {real_parent}, outside {real_root}"
        )


def partial_path(products_dir: Path, uri: str) -> Path:
    """Where the unfinished download of ``uri`` lives (keyed by the URI, never named by it)."""
    key = hashlib.sha256(uri.encode("utf-8")).hexdigest()
    return products_dir / "partial" / key
