"""Whether this process may write a cache directory (no heavy imports: used by the HTTP edge,
the store and the SQL lock alike)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["is_read_only_dir"]


def is_read_only_dir(path: Path) -> bool:
    """Whether this process cannot create files in the existing directory ``path``
    (a read-only mount, or permissions: a shared group cache, a container image)."""
    return path.is_dir() and not os.access(path, os.W_OK | os.X_OK)
