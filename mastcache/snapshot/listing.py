"""``list_snapshots``: the snapshots this cache made or restored, and bundles in a folder.

Files in a folder are described from their manifest only; run ``verify`` to check them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from mastcache import runtime
from mastcache.errors import SnapshotError
from mastcache.settings import Settings
from mastcache.snapshot.bundle import BundleReader
from mastcache.snapshot.create import SUFFIX
from mastcache.snapshot.manifest import MANIFEST, Manifest
from mastcache.snapshot.verify import MAX_MANIFEST_BYTES
from mastcache.store import SnapshotRecord, Store

__all__ = ["SnapshotListing", "list_snapshots"]


@dataclass(frozen=True)
class SnapshotListing:
    """One snapshot: ``origin`` is ``cache`` (the snapshots table) or ``file`` (a folder)."""

    name: str
    path: Path
    origin: str
    created_at: datetime | None
    queries: int | None
    sha256: str | None = None
    #: Why a file in the folder could not be described (None if it could).
    problem: str | None = None

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    @property
    def written_at(self) -> datetime | None:
        """When the bundle file was written (its mtime); None if it is gone. ``created_at``
        is the newest fetch time of its data, the same for two snapshots of the same data."""
        try:
            return datetime.fromtimestamp(self.path.stat().st_mtime, tz=timezone.utc)
        except OSError:
            return None


def list_snapshots(
    directory: str | os.PathLike[str] | None = None, *, settings: Settings | None = None
) -> list[SnapshotListing]:
    """Snapshots recorded in the cache, then ``*.mastsnap`` files in ``directory``."""
    with Store.open(settings or runtime.current_settings()) as store:
        listings = [_from_record(record) for record in store.list_snapshots()]
    if directory is not None:
        listings += [_from_file(path) for path in sorted(Path(directory).glob(f"*{SUFFIX}"))]
    return listings


def _from_record(record: SnapshotRecord) -> SnapshotListing:
    return SnapshotListing(
        name=record.name,
        path=Path(record.path),
        origin="cache",
        created_at=record.created_at,
        queries=len(record.query_keys),
        sha256=record.sha256,
    )


def _from_file(path: Path) -> SnapshotListing:
    name = path.name.removesuffix(SUFFIX)
    try:
        with BundleReader(path) as reader:
            manifest = Manifest.from_bytes(reader.read(MANIFEST, MAX_MANIFEST_BYTES))
    except SnapshotError as exc:
        return SnapshotListing(name, path, "file", None, None, problem=str(exc))
    return SnapshotListing(manifest.name, path, "file", manifest.created, len(manifest.queries))
