"""``create(...)``: freeze chosen cache entries into one deterministic ``NAME.mastsnap``.

Order of operations: choose the entries (:mod:`.selection`); describe every member with the
size and sha256 the cache recorded; build the manifest; write all members sorted into a temp
file beside the target (each file re-hashed while copied), fsync, rename; record the
snapshot in the cache's ``snapshots`` table. Nothing in the file depends on the clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from mastcache import runtime
from mastcache._version import __version__
from mastcache.errors import SnapshotError
from mastcache.keys import resolution_key
from mastcache.settings import Settings
from mastcache.snapshot import records_io
from mastcache.snapshot.bundle import BundleWriter, MemberSource
from mastcache.snapshot.manifest import (
    EPOCH,
    MANIFEST,
    MANIFEST_HASH,
    PRODUCTS,
    RESOLUTIONS,
    FileEntry,
    Manifest,
    MemberDigest,
    QueryEntry,
    ResolutionEntry,
    file_member,
    iso,
    sha256_hex,
    table_member,
)
from mastcache.snapshot.selection import Chosen, Selection, choose
from mastcache.store import QueryRecord, ResolutionRecord, SnapshotRecord, Store
from mastcache.store.files import write_atomic

__all__ = ["SUFFIX", "SnapshotInfo", "create", "create_from", "snapshot_path"]

SUFFIX = ".mastsnap"


@dataclass(frozen=True)
class SnapshotInfo:
    """What :func:`create` wrote."""

    name: str
    path: Path
    sha256: str
    size: int
    created_at: datetime
    queries: int
    resolutions: int
    products: int
    files: int
    excluded_proprietary: int = 0
    #: Keys asked for (by ``record``) that the cache does not hold, e.g. uncached calls.
    not_cached: tuple[str, ...] = ()
    #: Of ``queries`` / ``resolutions``: those taken because the chosen ones' replay needs
    #: them (column configurations; resolutions of the names behind their positions).
    needed_configs: int = 0
    needed_resolutions: int = 0

    def summary(self) -> str:
        """One line for people, e.g. for the CLI."""
        chosen_queries = self.queries - self.needed_configs
        chosen_resolutions = self.resolutions - self.needed_resolutions
        text = (
            f"{self.path}: {chosen_queries} queries, {chosen_resolutions} resolutions, "
            f"{self.products} product rows, {self.files} files, {self.size} bytes, "
            f"sha256 {self.sha256}"
        )
        if self.needed_configs or self.needed_resolutions:
            text += (
                f"; plus what their replay needs: {self.needed_resolutions} name "
                f"resolution(s), {self.needed_configs} column configuration(s)"
            )
        if self.excluded_proprietary:
            text += (
                f"; {self.excluded_proprietary} proprietary (non-anonymous) entries left out "
                "(use include_proprietary=True / --include-proprietary to keep them)"
            )
        return text


def snapshot_path(name_or_path: str | os.PathLike[str], output_dir: Path | None) -> Path:
    """``NAME`` -> ``output_dir/NAME.mastsnap`` (default the current directory); a path
    (with a separator or the suffix) is used as given, the suffix added if missing."""
    given = Path(name_or_path)
    if not given.name or given.name in (".", ".."):
        raise SnapshotError(f"{str(name_or_path)!r} is not a snapshot name: expected e.g. fig3")
    if given.suffix != SUFFIX:
        given = given.with_name(given.name + SUFFIX)
    return given if given.is_absolute() else (output_dir or Path.cwd()) / given


def create(
    name_or_path: str | os.PathLike[str],
    *,
    keys: Iterable[str] | None = None,
    services: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    with_files: bool = False,
    include_proprietary: bool = False,
    output_dir: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
) -> SnapshotInfo:
    """Write the cached queries (all, or those chosen by key, service and time window) with
    their resolutions and product manifests (and files, with ``with_files``) to one file."""
    selection = Selection(
        keys=None if keys is None else frozenset(keys),
        services=None if services is None else frozenset(services),
        since=since,
        until=until,
        include_proprietary=include_proprietary,
        with_files=with_files,
    )
    path = snapshot_path(name_or_path, None if output_dir is None else Path(output_dir))
    with Store.open(settings or runtime.current_settings()) as store:
        return create_from(store, path, selection)


def create_from(store: Store, path: Path, selection: Selection) -> SnapshotInfo:
    """:func:`create` over an open store, for a resolved target path."""
    chosen = choose(store, selection)
    name = path.name.removesuffix(SUFFIX)
    sources = _sources(store, chosen)
    manifest = _manifest(name, store.schema_revision, chosen, sources)
    sources += _manifest_sources(manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = _writer(sources, manifest.created)
    sha256, size = write_atomic(path, writer)
    keys = [q.key for q in chosen.queries]
    record = SnapshotRecord(
        name,
        str(path.resolve()),
        sha256,
        manifest.created,
        keys,
        __version__,
        store.schema_revision,
    )
    if not store.read_only:  # a read-only cache cannot list it in `snapshot list`
        store.put_snapshot(record)
    return _info(path, sha256, size, manifest, chosen)


def _writer(sources: list[MemberSource], when: datetime) -> Callable[[BinaryIO], None]:
    def write(out: BinaryIO) -> None:
        BundleWriter(out, when).write_all(sources)

    return write


def _sources(store: Store, chosen: Chosen) -> list[MemberSource]:
    sources = [
        _stored(store, table_member(q.key), MemberDigest(q.sha256, q.nbytes), q.table_path)
        for q in chosen.queries
    ]
    files = {f.sha256: f for f in chosen.files}
    sources += [
        _stored(store, file_member(sha), MemberDigest(sha, f.size), f.local_path)
        for sha, f in sorted(files.items())
    ]
    resolutions = records_io.resolutions_to_parquet(chosen.resolutions)
    products = records_io.products_to_parquet(chosen.products)
    sources.append(MemberSource.of_bytes(RESOLUTIONS, resolutions))
    sources.append(MemberSource.of_bytes(PRODUCTS, products))
    return sources


def _stored(store: Store, name: str, digest: MemberDigest, relative: str) -> MemberSource:
    """A member read from the cache directory, or streamed from the team object store."""
    if not store.shares_files:
        return MemberSource(name, digest, path=store.root / relative)
    objects = store.objects
    location = objects.location(relative)
    return MemberSource(
        name,
        digest,
        opener=lambda: objects.filesystem.open_input_stream(location),
        origin=f"{objects.url}/{relative}",
    )


def _manifest_sources(manifest: Manifest) -> list[MemberSource]:
    data = manifest.to_bytes()
    line = f"{sha256_hex(data)}  {MANIFEST}\n".encode("ascii")
    return [
        MemberSource.of_bytes(MANIFEST, data),
        MemberSource.of_bytes(MANIFEST_HASH, line),
    ]


def _created_at(chosen: Chosen) -> datetime:
    """The newest fetch time in the snapshot: a time from the data, never the clock."""
    times = [q.fetched_at for q in chosen.queries] + [r.fetched_at for r in chosen.resolutions]
    times += [p.fetched_at for p in chosen.products if p.fetched_at is not None]
    return max(times, default=EPOCH)


def _manifest(
    name: str, schema_revision: str, chosen: Chosen, sources: list[MemberSource]
) -> Manifest:
    files = {FileEntry(f.uri, f.sha256, f.size) for f in chosen.files}
    return Manifest(
        name=name,
        created_at=_iso(_created_at(chosen)),
        mastcache_version=__version__,
        schema_revision=schema_revision,
        queries=tuple(_query_entry(q) for q in chosen.queries),
        resolutions=tuple(_resolution_entry(r) for r in chosen.resolutions),
        products=len(chosen.products),
        files=tuple(sorted(files, key=lambda f: (f.uri, f.sha256))),
        members={s.name: s.digest for s in sorted(sources, key=lambda s: s.name)},
        excluded_proprietary=chosen.excluded_proprietary,
    )


def _iso(value: datetime) -> str:
    return iso(value) or ""


def _query_entry(q: QueryRecord) -> QueryEntry:
    return QueryEntry(
        q.key,
        q.service,
        q.kind,
        q.params,
        q.scope,
        q.nrows,
        _iso(q.fetched_at),
        iso(q.expires_at),
    )


def _resolution_entry(r: ResolutionRecord) -> ResolutionEntry:
    key = resolution_key(r.name, r.resolver, r.resolve_all, r.scope)
    return ResolutionEntry(
        key, r.name, r.resolver, r.resolve_all, r.scope, _iso(r.fetched_at), iso(r.expires_at)
    )


def _info(path: Path, sha256: str, size: int, manifest: Manifest, chosen: Chosen) -> SnapshotInfo:
    return SnapshotInfo(
        name=manifest.name,
        path=path,
        sha256=sha256,
        size=size,
        created_at=manifest.created,
        queries=len(manifest.queries),
        resolutions=len(manifest.resolutions),
        products=manifest.products,
        files=len(manifest.files),
        excluded_proprietary=manifest.excluded_proprietary,
        not_cached=tuple(chosen.not_cached),
        needed_configs=chosen.needed_configs,
        needed_resolutions=chosen.needed_resolutions,
    )
