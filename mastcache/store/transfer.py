"""Copying cache entries between two stores: a personal cache and the team cache.

``cache push`` copies personal -> team, ``cache pull`` team -> personal. Per query result:

1. skip it if the target already holds the key fetched at the same time or later;
2. read the source file, check its size and sha256 against the source row;
3. publish it under the same relative path in the target (write, read back, verify);
4. in one writing transaction, re-check that nothing newer arrived meanwhile and commit the
   row; a file left unreferenced by a lost race is removed after the transaction.

Resolutions and product manifests follow the same "never overwrite newer" rule. Product
files (content-addressed ``products/<sha[:2]>/<sha>``) are read from the source, rehashed,
published in the target unless it already holds those bytes (write, read back, verify), and
only then is their ``files`` row committed; a target row for other, newer bytes is kept. The
bytes are copied unchanged, so the Tables read on either side are identical.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import BinaryIO

from mastcache.errors import CorruptEntryError
from mastcache.store.blobs import blob_problem, local_blob
from mastcache.store.files import sha256_file, write_atomic
from mastcache.store.records import FileRecord, ProductRecord, QueryRecord, ResolutionRecord
from mastcache.store.scopes import ANONYMOUS, scope_prefix, scoped_path
from mastcache.store.store import STAGING_DIR, Store
from mastcache.store.teamresults import may_share
from mastcache.store.unit_of_work import UnitOfWork

__all__ = ["TransferReport", "commit_unless_newer", "copy_file", "copy_query", "transfer"]


@dataclass
class TransferReport:
    """What one push or pull did."""

    copied: list[str] = field(default_factory=list)
    #: Keys the target already had as new or newer.
    kept: list[str] = field(default_factory=list)
    resolutions: int = 0
    products: int = 0
    #: Product files copied (bytes and ``files`` row).
    files: int = 0
    #: Objects the target's rows pointed at but that were missing (results and files),
    #: filled in from the source's verified copies.
    restored: list[str] = field(default_factory=list)
    #: Entries fetched under a login that a team target does not take (not shared with
    #: their scope, and product files of a login): they stay where they are.
    private: int = 0


def transfer(source: Store, target: Store, keys: Iterable[str] | None = None) -> TransferReport:
    """Copy query results (all, or those of ``keys``), resolutions and manifests; fill in
    objects the target lacks even when its rows are as new (a lost or emptied bucket)."""
    report = TransferReport()
    present = _Present(target)
    scopes = _Scopes(target)
    for record in _selected(source, keys):
        if not scopes.takes(record.scope):
            continue
        if copy_query(source, target, _for_target(target, record), present, source_record=record):
            report.copied.append(record.key)
        elif _restore_query(source, target, record, present):
            report.restored.append(record.key)
        else:
            report.kept.append(record.key)
    if keys is None:
        report.resolutions = _copy_resolutions(source, target, scopes)
        report.products = _copy_products(source, target, scopes)
        files, restored = _copy_files(source, target, present, scopes)
        report.files = files
        report.restored.extend(restored)
    report.private = scopes.skipped
    return report


class _Scopes:
    """Which scopes the target takes: every one for a personal cache; for a team cache the
    anonymous scope, and a login's scope only when shared with it (store/teamresults.py)."""

    def __init__(self, target: Store) -> None:
        self._target = target
        self.skipped = 0

    @property
    def is_team(self) -> bool:
        return self._target.local is not None

    def takes(self, scope: str) -> bool:
        if scope == ANONYMOUS or not self.is_team:
            return True
        if may_share(self._target, scope, "a result in this machine's cache"):
            return True
        self.skipped += 1
        return False


def _for_target(target: Store, record: QueryRecord) -> QueryRecord:
    """``record`` as the target stores it: a login's result shared with a team goes under
    its scope's prefix (store/scopes.py)."""
    if target.local is None or record.scope == ANONYMOUS:
        return record
    if record.table_path.startswith(scope_prefix(record.scope)):
        return record
    return replace(record, table_path=scoped_path(record.scope, record.table_path))


def _file_for_target(target: Store, record: FileRecord) -> FileRecord:
    """``record`` as the target stores it (see :func:`_for_target`)."""
    if target.local is None or record.scope == ANONYMOUS:
        return record
    if record.local_path.startswith(scope_prefix(record.scope)):
        return record
    return replace(record, local_path=scoped_path(record.scope, record.local_path))


class _Present:
    """Which objects the target holds: one listing per folder, not one request per entry."""

    def __init__(self, target: Store) -> None:
        self._target = target
        self._listed: dict[str, set[str]] = {}

    def __contains__(self, relative: object) -> bool:
        if not isinstance(relative, str):
            return False
        folder = relative.split("/", 1)[0]
        if folder not in self._listed:
            found = self._target.objects.list_files(folder)
            self._listed[folder] = {info.path for info in found}
        return relative in self._listed[folder]

    def add(self, relative: str) -> None:
        self._listed.setdefault(relative.split("/", 1)[0], set()).add(relative)


def _target_query(target: Store, key: str) -> QueryRecord | None:
    """The target catalog's own row (never a local copy of a team store)."""
    with target.unit_of_work(read_only=True) as uow:
        return uow.queries.get(key)


def copy_query(
    source: Store,
    target: Store,
    record: QueryRecord,
    present: _Present | None = None,
    *,
    source_record: QueryRecord | None = None,
) -> bool:
    """Copy one result unless the target's is as new; returns whether it was copied.
    ``record`` is the target's row; ``source_record`` the source's when its path differs.

    A target row whose object is missing does not count as newer: it is replaced."""
    existing = _target_query(target, record.key)
    if _is_newer_or_same(existing, record.fetched_at):
        assert existing is not None
        if existing.sha256 == record.sha256 or _holds(target, existing.table_path, present):
            return False
    data = _verified_bytes(source, source_record or record)
    _publish(target, record, data)
    if present is not None:
        present.add(record.table_path)
    return commit_unless_newer(target, record, replace_missing=True)


def _holds(target: Store, relative: str, present: _Present | None) -> bool:
    return relative in present if present is not None else target.objects.exists(relative)


def _restore_query(source: Store, target: Store, record: QueryRecord, present: _Present) -> bool:
    """Upload the source's bytes where the target's row (same sha256) expects its object."""
    existing = _target_query(target, record.key)
    if existing is None or existing.sha256 != record.sha256:
        return False
    if existing.table_path in present:
        return False
    data = _verified_bytes(source, record)
    _publish(target, existing, data)
    present.add(existing.table_path)
    return True


def _selected(source: Store, keys: Iterable[str] | None) -> list[QueryRecord]:
    if keys is None:
        return source.list_queries()
    wanted = [source.get_query(key) for key in keys]
    return [record for record in wanted if record is not None]


def _is_newer_or_same(existing: QueryRecord | None, fetched_at: datetime) -> bool:
    return existing is not None and existing.fetched_at >= fetched_at


def _verified_bytes(source: Store, record: QueryRecord) -> bytes:
    data = source.objects.read_bytes(record.table_path)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != record.nbytes or digest != record.sha256:
        raise CorruptEntryError(
            f"the cached result of query {record.key[:12]} ({record.service}) in "
            f"{source.objects.url} does not match its catalog row ({len(data)} bytes, sha256 "
            f"{digest[:12]}...); it was not copied: run `mastcache cache verify` there"
        )
    return data


def _publish(target: Store, record: QueryRecord, data: bytes) -> None:
    staged = target.root / STAGING_DIR / f".tmp-transfer-{uuid.uuid4().hex}"
    try:
        write_atomic(staged, lambda out: _write_all(out, data))
        target.objects.publish(staged, record.table_path, record.sha256, record.nbytes)
    finally:
        staged.unlink(missing_ok=True)


def _write_all(out: BinaryIO, data: bytes) -> None:
    out.write(data)


def commit_unless_newer(
    target: Store, record: QueryRecord, *, replace_missing: bool = False
) -> bool:
    """Commit ``record`` in one writing transaction unless a newer row won the race (with
    ``replace_missing``, a newer row whose object is missing does not count)."""
    copied = False
    with target.unit_of_work() as uow:
        current = uow.queries.get(record.key)
        if _is_newer_or_same(current, record.fetched_at) and not (
            replace_missing
            and current is not None
            and current.sha256 != record.sha256
            and not target.objects.exists(current.table_path)
        ):
            _forget_file(uow, target, current, record)
        else:
            previous = uow.queries.replace(record)
            _forget_file(uow, target, record, previous)
            copied = True
    return copied


def _forget_file(
    uow: UnitOfWork, target: Store, kept: QueryRecord | None, dropped: QueryRecord | None
) -> None:
    """After the commit, remove ``dropped``'s file unless ``kept`` still uses it."""
    if dropped is None or (kept is not None and kept.table_path == dropped.table_path):
        return
    path = dropped.table_path
    uow.after_commit(lambda: target.objects.remove(path))


def _copy_resolutions(source: Store, target: Store, scopes: _Scopes) -> int:
    with source.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.resolutions.list() if scopes.takes(r.scope)]
    copied = 0
    with target.unit_of_work() as uow:
        for record in records:
            if not _resolution_is_current(uow, record):
                uow.resolutions.put(record)
                copied += 1
    return copied


def _resolution_is_current(uow: UnitOfWork, record: ResolutionRecord) -> bool:
    found = uow.resolutions.get(record.name, record.resolver, record.resolve_all, record.scope)
    return found is not None and found.fetched_at >= record.fetched_at


def _copy_products(source: Store, target: Store, scopes: _Scopes) -> int:
    with source.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.products.list() if scopes.takes(r.scope)]
    with target.unit_of_work() as uow:
        known = {_product_id(p): p.fetched_at for p in uow.products.list()}
        newer = [r for r in records if _is_newer_product(known, r)]
        return uow.products.put_many(newer) if newer else 0


def _product_id(record: ProductRecord) -> tuple[str, str, str]:
    return record.obsid, record.uri, record.scope


def _is_newer_product(
    known: dict[tuple[str, str, str], datetime | None], record: ProductRecord
) -> bool:
    if _product_id(record) not in known:
        return True
    found = known[_product_id(record)]
    return record.fetched_at is not None and (found is None or found < record.fetched_at)


def _copy_files(
    source: Store, target: Store, present: _Present, scopes: _Scopes
) -> tuple[int, list[str]]:
    """``(files copied, URIs whose missing object was restored)``. Product files fetched
    under a login go to a team store only when shared with their scope, under its prefix."""
    with source.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.files.list() if r.status == "complete" and r.local_path]
    copied, restored = 0, []
    for record in [r for r in records if scopes.takes(r.scope)]:
        existing = _target_file(target, record.uri)
        missing = (
            existing is not None
            and existing.status == "complete"
            and existing.sha256 == record.sha256
            and existing.local_path not in present
        )
        if copy_file(source, target, record):
            present.add(_file_for_target(target, record).local_path)
            if missing:
                restored.append(record.uri)
            else:
                copied += 1
    return copied, restored


def _target_file(target: Store, uri: str) -> FileRecord | None:
    with target.unit_of_work(read_only=True) as uow:
        return uow.files.get(uri)


def copy_file(source: Store, target: Store, record: FileRecord) -> bool:
    """Copy one product file unless the target holds it (or newer bytes for its URI); a
    missing object of the same bytes is uploaded again. A login's file shared with a team
    goes under its scope's prefix."""
    if _keeps_file(target, _target_file(target, record.uri), record):
        return False
    path = local_blob(source, record)
    if path is None or sha256_file(path) != record.sha256:
        raise CorruptEntryError(
            f"the product file {record.uri} ({record.local_path}) in {source.objects.url} is "
            "missing or does not match its catalog row; it was not copied: run "
            "`mastcache cache verify` there"
        )
    record = _file_for_target(target, record)
    if blob_problem(target, record) is not None:  # never rewrite bytes the target holds
        target.objects.publish(path, record.local_path, record.sha256, record.size)
    return _commit_file_unless_newer(target, record)


def _keeps_file(target: Store, existing: FileRecord | None, record: FileRecord) -> bool:
    if existing is None or existing.status != "complete":
        return False
    if existing.sha256 != record.sha256:
        return _is_newer_file(existing, record)
    return target.objects.exists(existing.local_path)  # missing: ours fills the gap


def _is_newer_file(existing: FileRecord, record: FileRecord) -> bool:
    """Whether ``existing`` (complete, other bytes) was downloaded at the same time or later."""
    if existing.downloaded_at is None:
        return False
    return record.downloaded_at is None or existing.downloaded_at >= record.downloaded_at


def _commit_file_unless_newer(target: Store, record: FileRecord) -> bool:
    with target.unit_of_work() as uow:
        current = uow.files.get(record.uri)
        if _other_newer_bytes(current, record):
            return False
        uow.files.put(record)
    return True


def _other_newer_bytes(current: FileRecord | None, record: FileRecord) -> bool:
    if current is None or current.status != "complete" or current.sha256 == record.sha256:
        return False
    return _is_newer_file(current, record)
