"""``cache verify`` for product files: re-hash every stored file and report any that changed
on disk (missing, another size, other bytes). Each checked row gets ``verified_at`` and the
status ``complete`` or ``corrupt``; a corrupt file is fetched again on its next download,
verified against the sha256 recorded the first time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mastcache.store import Store
from mastcache.store.files import sha256_file
from mastcache.store.records import FileRecord, utcnow

__all__ = ["FileProblem", "verify_files"]


@dataclass(frozen=True)
class FileProblem:
    """One stored product file that no longer matches its record."""

    uri: str
    local_path: str
    #: ``missing``, ``size`` or ``checksum``.
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.uri} ({self.local_path}): {self.detail}"


def verify_files(store: Store) -> list[FileProblem]:
    """Re-hash every finished file of ``store``; returns the problems found (none: all good)."""
    with store.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.files.list() if r.status in ("complete", "corrupt")]
    checked = [(record, _problem(record, store.root)) for record in records]
    now = utcnow()
    with store.unit_of_work() as uow:
        for record, problem in checked:
            uow.files.mark_verified(record.uri, now, "corrupt" if problem else "complete")
    return [problem for _, problem in checked if problem is not None]


def _problem(record: FileRecord, root: Path) -> FileProblem | None:
    path = root / record.local_path
    if not record.local_path or not path.is_file():
        return FileProblem(record.uri, record.local_path, "missing", "the file is missing")
    size = path.stat().st_size
    if size != record.size:
        detail = f"{size} bytes on disk, {record.size} recorded"
        return FileProblem(record.uri, record.local_path, "size", detail)
    actual = sha256_file(path)
    if actual != record.sha256:
        detail = f"sha256 {actual} on disk, {record.sha256} recorded: the file changed"
        return FileProblem(record.uri, record.local_path, "checksum", detail)
    return None
