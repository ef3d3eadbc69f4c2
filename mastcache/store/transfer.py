"""Copying cache entries between two stores: a personal cache and the team cache.

``cache push`` copies personal -> team, ``cache pull`` team -> personal. Per query result:

1. skip it if the target already holds the key fetched at the same time or later;
2. read the source file, check its size and sha256 against the source row;
3. publish it under the same relative path in the target (write, read back, verify);
4. in one writing transaction, re-check that nothing newer arrived meanwhile and commit the
   row; a file left unreferenced by a lost race is removed after the transaction.

Resolutions and product manifests follow the same "never overwrite newer" rule. The bytes
are copied unchanged, so the Tables read on either side are identical.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import BinaryIO

from mastcache.errors import CorruptEntryError
from mastcache.store.files import write_atomic
from mastcache.store.records import ProductRecord, QueryRecord, ResolutionRecord
from mastcache.store.store import STAGING_DIR, Store
from mastcache.store.unit_of_work import UnitOfWork

__all__ = ["TransferReport", "transfer"]


@dataclass
class TransferReport:
    """What one push or pull did."""

    copied: list[str] = field(default_factory=list)
    #: Keys the target already had as new or newer.
    kept: list[str] = field(default_factory=list)
    resolutions: int = 0
    products: int = 0


def transfer(source: Store, target: Store, keys: Iterable[str] | None = None) -> TransferReport:
    """Copy query results (all, or those of ``keys``), resolutions and manifests."""
    report = TransferReport()
    for record in _selected(source, keys):
        if copy_query(source, target, record):
            report.copied.append(record.key)
        else:
            report.kept.append(record.key)
    if keys is None:
        report.resolutions = _copy_resolutions(source, target)
        report.products = _copy_products(source, target)
    return report


def copy_query(source: Store, target: Store, record: QueryRecord) -> bool:
    """Copy one result unless the target's is as new; returns whether it was copied."""
    if _is_newer_or_same(target.get_query(record.key), record.fetched_at):
        return False
    data = _verified_bytes(source, record)
    _publish(target, record, data)
    return _commit_unless_newer(target, record)


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


def _commit_unless_newer(target: Store, record: QueryRecord) -> bool:
    """Commit ``record`` in one writing transaction unless a newer row won the race."""
    copied = False
    with target.unit_of_work() as uow:
        current = uow.queries.get(record.key)
        if _is_newer_or_same(current, record.fetched_at):
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


def _copy_resolutions(source: Store, target: Store) -> int:
    with source.unit_of_work(read_only=True) as uow:
        records = uow.resolutions.list()
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


def _copy_products(source: Store, target: Store) -> int:
    with source.unit_of_work(read_only=True) as uow:
        records = uow.products.list()
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
