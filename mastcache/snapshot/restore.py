"""``restore(path)``: import a verified snapshot into a cache, keeping newer entries.

Order of operations: verify the whole bundle (any problem: refuse, nothing written); decide
per entry whether the cache already holds something as new or newer (kept unless
``overwrite_newer``); stage every taken file (tables, product files) atomically, checking
each hash again while copying; then commit every row in one transaction. A failure before
the commit removes the staged files; the catalog never points at a file that is not there.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from mastcache import runtime
from mastcache.errors import SnapshotError
from mastcache.settings import Settings
from mastcache.snapshot import records_io
from mastcache.snapshot.bundle import BundleReader
from mastcache.snapshot.manifest import (
    PRODUCTS,
    RESOLUTIONS,
    FileEntry,
    Manifest,
    MemberDigest,
    QueryEntry,
    parse_time,
)
from mastcache.snapshot.verify import verify
from mastcache.store import (
    FileRecord,
    ProductRecord,
    QueryRecord,
    ResolutionRecord,
    SnapshotRecord,
    Store,
)
from mastcache.store.blobs import blob_relpath, publish_blob, remove_blob
from mastcache.store.files import TEMP_PREFIX, sha256_file, write_atomic_named
from mastcache.store.objectstore import table_folder
from mastcache.store.unit_of_work import UnitOfWork

__all__ = ["RestoreReport", "restore", "restore_into"]


@dataclass
class RestoreReport:
    """What :func:`restore` imported and what it left alone."""

    path: Path
    name: str
    restored: list[str] = field(default_factory=list)
    kept_newer: list[str] = field(default_factory=list)
    resolutions_restored: int = 0
    resolutions_kept: int = 0
    products_restored: int = 0
    files_restored: int = 0

    def summary(self) -> str:
        text = (
            f"{self.path}: restored {len(self.restored)} queries, "
            f"{self.resolutions_restored} resolutions, {self.products_restored} product rows, "
            f"{self.files_restored} files"
        )
        kept = len(self.kept_newer) + self.resolutions_kept
        if kept:
            text += (
                f"; kept {kept} entries the cache already had as new or newer "
                "(use overwrite_newer=True / --overwrite-newer to replace them)"
            )
        return text


@dataclass
class _Plan:
    """Rows to commit and the files staged for them."""

    queries: list[QueryRecord] = field(default_factory=list)
    resolutions: list[ResolutionRecord] = field(default_factory=list)
    products: list[ProductRecord] = field(default_factory=list)
    files: list[FileRecord] = field(default_factory=list)
    staged: list[Path] = field(default_factory=list)
    #: Objects uploaded to the team store (removed again if the restore fails).
    published: list[str] = field(default_factory=list)


def restore(
    path: str | os.PathLike[str],
    *,
    overwrite_newer: bool = False,
    settings: Settings | None = None,
) -> RestoreReport:
    """Import the snapshot at ``path`` into the cache (default: the current settings')."""
    path = Path(path)
    manifest = verify(path).raise_for_problems("restore")
    with Store.open(settings or runtime.current_settings()) as store:
        return restore_into(store, path, manifest, overwrite_newer=overwrite_newer)


def restore_into(
    store: Store, path: Path, manifest: Manifest, *, overwrite_newer: bool
) -> RestoreReport:
    """Import an already verified snapshot into an open store."""
    report = RestoreReport(path=path, name=manifest.name)
    plan = _Plan()
    with BundleReader(path) as reader, _cleanup_on_error(store, plan):
        _plan_queries(store, reader, manifest, plan, report, overwrite_newer)
        _plan_resolutions(store, reader, manifest, plan, report, overwrite_newer)
        plan.products = _newer_products(store, reader, manifest, overwrite_newer)
        _plan_files(store, reader, manifest, plan)
        _commit(store, plan, _snapshot_record(path, manifest))
    report.products_restored, report.files_restored = len(plan.products), len(plan.files)
    return report


@contextlib.contextmanager
def _cleanup_on_error(store: Store, plan: _Plan) -> Iterator[None]:
    try:
        yield
    except BaseException:
        for staged in plan.staged:
            staged.unlink(missing_ok=True)
        for relative in plan.published:
            store.objects.remove(relative)
        raise


def _is_newer(existing: datetime | None, incoming: datetime, overwrite: bool) -> bool:
    return overwrite or existing is None or existing < incoming


def _plan_queries(
    store: Store,
    reader: BundleReader,
    manifest: Manifest,
    plan: _Plan,
    report: RestoreReport,
    overwrite: bool,
) -> None:
    for entry in manifest.queries:
        fetched_at = parse_time(entry.fetched_at, "fetched_at")
        assert fetched_at is not None
        existing = store.get_query(entry.key)
        if not _is_newer(existing.fetched_at if existing else None, fetched_at, overwrite):
            report.kept_newer.append(entry.key)
            continue
        table_path = _stage_table(store, reader, manifest, entry, plan)
        plan.queries.append(_query_record(entry, table_path, manifest, fetched_at))
        report.restored.append(entry.key)


def _stage_table(
    store: Store, reader: BundleReader, manifest: Manifest, entry: QueryEntry, plan: _Plan
) -> str:
    def name_for(sha: str) -> str:
        return f"{entry.key}-{sha[:16]}.parquet"

    directory = store.tables_dir / entry.key[:2]
    path = _stage(reader, manifest, entry.member, directory, name_for, plan)
    if not store.shares_files:
        return path.relative_to(store.root).as_posix()
    return _publish_table(store, entry, path, manifest.members[entry.member], plan)


def _publish_table(
    store: Store, entry: QueryEntry, staged: Path, digest: MemberDigest, plan: _Plan
) -> str:
    """Team mode: upload the staged table into its service partition and verify it there."""
    name = f"{entry.key}-{digest.sha256[:16]}-{uuid.uuid4().hex[:8]}.parquet"
    relative = f"{table_folder(entry.service)}/{name}"
    try:
        store.objects.publish(staged, relative, digest.sha256, digest.size)
    finally:
        staged.unlink(missing_ok=True)
    plan.published.append(relative)
    return relative


def _stage(
    reader: BundleReader,
    manifest: Manifest,
    member: str,
    directory: Path,
    name_for: Callable[[str], str],
    plan: _Plan,
) -> Path:
    """Copy ``member`` to ``directory``; a hash other than the manifest's is refused."""
    expected = manifest.members[member]

    def checked_name(sha: str) -> str:
        return name_for(sha) if sha == expected.sha256 else f"{TEMP_PREFIX}rejected-{sha}"

    def write(out: BinaryIO) -> None:
        for chunk in reader.chunks(member, expected.size):
            out.write(chunk)

    existed = (directory / name_for(expected.sha256)).exists()
    path, sha, size = write_atomic_named(directory, checked_name, write)
    if sha != expected.sha256 or size != expected.size:
        path.unlink(missing_ok=True)
        raise SnapshotError(
            f"member {member} of {reader.path} changed while it was being restored (sha256 "
            f"{sha[:16]}..., expected {expected.sha256[:16]}...); nothing was imported"
        )
    if not existed:  # never remove a file the cache already had, even on failure
        plan.staged.append(path)
    return path


def _query_record(
    entry: QueryEntry, table_path: str, manifest: Manifest, fetched_at: datetime
) -> QueryRecord:
    digest = manifest.members[entry.member]
    return QueryRecord(
        key=entry.key,
        service=entry.service,
        kind=entry.kind,
        params=dict(entry.params),
        scope=entry.scope,
        table_path=table_path,
        sha256=digest.sha256,
        nbytes=digest.size,
        nrows=entry.nrows,
        fetched_at=fetched_at,
        expires_at=parse_time(entry.expires_at, "expires_at"),
    )


def _member_bytes(reader: BundleReader, manifest: Manifest, member: str) -> bytes:
    return reader.read(member, manifest.members[member].size)


def _plan_resolutions(
    store: Store,
    reader: BundleReader,
    manifest: Manifest,
    plan: _Plan,
    report: RestoreReport,
    overwrite: bool,
) -> None:
    incoming = records_io.parquet_to_resolutions(_member_bytes(reader, manifest, RESOLUTIONS))
    for record in incoming:
        existing = store.get_resolution(
            record.name, record.resolver, record.resolve_all, record.scope
        )
        if _is_newer(existing.fetched_at if existing else None, record.fetched_at, overwrite):
            plan.resolutions.append(record)
        else:
            report.resolutions_kept += 1
    report.resolutions_restored = len(plan.resolutions)


def _newer_products(
    store: Store, reader: BundleReader, manifest: Manifest, overwrite: bool
) -> list[ProductRecord]:
    incoming = records_io.parquet_to_products(_member_bytes(reader, manifest, PRODUCTS))
    existing: dict[tuple[str, str, str], ProductRecord] = {}
    for scope in sorted({p.scope for p in incoming}):
        for product in store.get_products({p.obsid for p in incoming}, scope):
            existing[(product.obsid, product.uri, product.scope)] = product
    return [
        p
        for p in incoming
        if _product_is_newer(existing.get((p.obsid, p.uri, p.scope)), p, overwrite)
    ]


def _product_is_newer(old: ProductRecord | None, new: ProductRecord, overwrite: bool) -> bool:
    if overwrite or old is None or old.fetched_at is None:
        return True
    return new.fetched_at is not None and old.fetched_at < new.fetched_at


def _plan_files(store: Store, reader: BundleReader, manifest: Manifest, plan: _Plan) -> None:
    scopes = _file_scopes(reader, manifest)
    for entry in manifest.files:
        existing = store.get_file(entry.uri)
        if existing is not None and _holds(store, existing, entry):
            continue
        local = blob_relpath(entry.sha256)  # the store's content address, as every writer's
        blob = store.root / local
        path = _stage(reader, manifest, entry.member, blob.parent, _named(blob.name), plan)
        if store.shares_files and not store.objects.exists(local):
            publish_blob(store, path, local, entry.sha256, entry.size)
            plan.published.append(local)
        scope = scopes.get(entry.uri, "anonymous")
        plan.files.append(
            FileRecord(entry.uri, entry.sha256, entry.size, local, "complete", scope=scope)
        )


def _named(name: str) -> Callable[[str], str]:
    """A staged member's final name, whatever its digest (a wrong digest is refused)."""
    return lambda _sha: name


def _file_scopes(reader: BundleReader, manifest: Manifest) -> dict[str, str]:
    """A file of a proprietary product keeps that account's scope when restored."""
    products = records_io.parquet_to_products(_member_bytes(reader, manifest, PRODUCTS))
    return {p.uri: p.scope for p in products if p.scope != "anonymous"}


def _holds(store: Store, existing: FileRecord, entry: FileEntry) -> bool:
    """Whether the cache already has this exact file, complete, on disk."""
    same = existing.sha256 == entry.sha256 and existing.status == "complete"
    return same and store.objects.exists(existing.local_path)


def _snapshot_record(path: Path, manifest: Manifest) -> SnapshotRecord:
    return SnapshotRecord(
        name=manifest.name,
        path=str(path.resolve()),
        sha256=sha256_file(path),
        created_at=manifest.created,
        query_keys=[q.key for q in manifest.queries],
        mastcache_version=manifest.mastcache_version,
        schema_revision=manifest.schema_revision,
    )


def _commit(store: Store, plan: _Plan, snapshot: SnapshotRecord) -> None:
    with store.unit_of_work() as uow:
        for record in plan.queries:
            _replace_query(store, uow, record)
        for resolution in plan.resolutions:
            uow.resolutions.put(resolution)
        uow.products.put_many(plan.products)
        for file in plan.files:
            uow.files.put(file)
        uow.snapshots.put(snapshot)


def _replace_query(store: Store, uow: UnitOfWork, record: QueryRecord) -> None:
    previous = uow.queries.replace(record)
    if previous is not None and previous.table_path != record.table_path:
        old = previous.table_path
        uow.after_commit(lambda: remove_blob(store, old))
