"""``replay(path)`` and ``record(name)``: a snapshot as the whole world, or as the output of
a block of work.

``replay`` verifies the bundle, restores it into a private temporary cache and, for the
block, points every mastcache call at that cache in offline mode with provenance source
``snapshot`` (:func:`mastcache.runtime.using_settings`); the MAST URL is a dead loopback
address, so nothing can reach the network. ``record`` listens to the archive's served-call
events and, on a clean exit, snapshots exactly the queries and resolutions served.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mastcache import runtime
from mastcache.archive import observing
from mastcache.errors import CacheMissError
from mastcache.settings import Settings
from mastcache.snapshot.create import SnapshotInfo, create_from, snapshot_path
from mastcache.snapshot.manifest import Manifest
from mastcache.snapshot.restore import restore_into
from mastcache.snapshot.selection import Selection
from mastcache.snapshot.verify import verify
from mastcache.store import Store

if TYPE_CHECKING:
    from mastcache.archive import Archive, ServedEvent

__all__ = ["Recording", "Replay", "record", "replay"]

#: Where a replay "sends" requests: the discard port on loopback. Offline mode never
#: sends any; this makes sure a bug could not reach a real server either.
DEAD_URL = "http://127.0.0.1:9"


@dataclass(frozen=True)
class Replay:
    """The snapshot being replayed (yielded by :func:`replay`)."""

    path: Path
    manifest: Manifest
    settings: Settings

    @property
    def keys(self) -> list[str]:
        """Keys of the queries the snapshot can answer."""
        return [entry.key for entry in self.manifest.queries]


@contextmanager
def replay(path: str | os.PathLike[str], *, settings: Settings | None = None) -> Iterator[Replay]:
    """Serve every mastcache call in the block from the snapshot at ``path`` alone.

    The snapshot is verified first (a damaged or unsafe one raises :class:`SnapshotError`).
    A call it cannot answer raises :class:`CacheMissError` naming the call.
    """
    path = Path(path)
    manifest = verify(path).raise_for_problems("replay")
    base = settings or runtime.current_settings()
    with tempfile.TemporaryDirectory(prefix="mastcache-replay-") as private:
        replayed = _replay_settings(base, Path(private))
        with Store.open(replayed) as store:
            restore_into(store, path, manifest, overwrite_newer=True)
        with runtime.using_settings(replayed, source="snapshot"), runtime.using_mode("offline"):
            try:
                yield Replay(path, manifest, replayed)
            except CacheMissError as miss:
                raise _replay_miss(path, miss) from miss


def _replay_miss(path: Path, miss: CacheMissError) -> CacheMissError:
    """What the snapshot lacks, and how to make one that holds it (offline-mode advice
    does not apply: a replay is offline by definition)."""
    if miss.what is None:
        return CacheMissError(f"snapshot {path} cannot answer this call: {miss}")
    key = f" (key {miss.key[:12]})" if miss.key else ""
    return CacheMissError(
        f"snapshot {path} cannot answer this call: it does not hold {miss.what}{key}. Make the "
        "call once with a cache, then create the snapshot again including it (`mastcache "
        "snapshot create NAME`, or run the work inside mastcache.snapshot.record)",
        what=miss.what,
        key=miss.key,
    )


def _replay_settings(base: Settings, private: Path) -> Settings:
    return base.new(
        cache_dir=private / "cache",
        mode="offline",
        mast_url=DEAD_URL,
        catalog_url=None,
        store_url=None,
    )


@dataclass
class Recording:
    """The calls seen inside :func:`record`; ``info`` is set once the snapshot is written."""

    path: Path
    keys: list[str] = field(default_factory=list)
    info: SnapshotInfo | None = None

    def observe(self, event: ServedEvent) -> None:
        """Archive observer: remember the key of every served query or resolution."""
        key = event.provenance.key
        if key not in self.keys:
            self.keys.append(key)


@contextmanager
def record(
    name_or_path: str | os.PathLike[str],
    *,
    output_dir: str | os.PathLike[str] | None = None,
    with_files: bool = False,
    include_proprietary: bool = False,
    archives: Iterable[Archive] | None = None,
    settings: Settings | None = None,
) -> Iterator[Recording]:
    """Snapshot exactly the queries and resolutions served inside the block.

    Calls are seen through the observers of ``archives`` when given, else through every
    archive in the process (:func:`mastcache.archive.observing`), and the snapshot is made
    from the first given archive's store, or from the cache of ``settings`` (default: the
    current settings). On a clean exit ``NAME.mastsnap`` is written; after an exception
    nothing is.
    """
    target = snapshot_path(name_or_path, None if output_dir is None else Path(output_dir))
    recording = Recording(target)
    watched = list(archives) if archives is not None else []
    with ExitStack() as stack:
        if archives is None:
            stack.enter_context(observing(recording.observe))
        for archive in watched:
            archive.add_observer(recording.observe)
            stack.callback(archive.remove_observer, recording.observe)
        yield recording
    selection = Selection(
        keys=frozenset(recording.keys),
        include_proprietary=include_proprietary,
        with_files=with_files,
        is_strict=False,
    )
    if settings is None and watched:
        recording.info = create_from(watched[0].store, target, selection)
        return
    with Store.open(settings or runtime.current_settings()) as store:
        recording.info = create_from(store, target, selection)
