"""``cache verify`` for product files: re-hash every stored file and report any that changed
(missing, another size, other bytes) on disk or, in team mode, in the object store. Each
checked row gets ``verified_at`` and the status ``complete`` or ``corrupt``; a corrupt file is
fetched again on its next download, verified against the sha256 recorded the first time.
With ``repair`` in team mode a missing or damaged object is re-uploaded from this machine's
copy when that copy still matches the record, and the file stays ``complete``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mastcache.store import Store
from mastcache.store.blobs import blob_problem, repair_from_local_copy
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
    #: Re-uploaded from this machine's verified copy (``verify_files(repair=True)``).
    repaired: bool = False

    def __str__(self) -> str:
        return f"{self.uri} ({self.local_path}): {self.detail}"


def verify_files(store: Store, *, repair: bool = False) -> list[FileProblem]:
    """Re-hash every finished file of ``store``; returns the problems found (none: all good).

    ``repair`` (team mode): a file whose object is missing or damaged but whose copy on this
    machine still matches the record is re-uploaded, reported, and stays ``complete``."""
    with store.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.files.list() if r.status in ("complete", "corrupt")]
    checked = [(record, _problem(record, store, repair)) for record in records]
    now = utcnow()
    with store.unit_of_work() as uow:
        for record, problem in checked:
            broken = problem is not None and not problem.repaired
            uow.files.mark_verified(record.uri, now, "corrupt" if broken else "complete")
    return [problem for _, problem in checked if problem is not None]


def _problem(record: FileRecord, store: Store, repair: bool) -> FileProblem | None:
    found = blob_problem(store, record)
    if found is None:
        return None
    if repair and repair_from_local_copy(store, record):  # team: this machine's good copy
        detail = f"{found[1]}; re-uploaded from this machine's verified copy"
        return FileProblem(record.uri, record.local_path, found[0], detail, repaired=True)
    return FileProblem(record.uri, record.local_path, found[0], found[1])
