"""Looking after a cache directory: verification, pruning and clearing (stats: stats.py).

In team mode the files live in the object store (``store.objects``): verify rehashes the
objects, prune and clear remove them (and this machine's local copies of product files).

Everything that removes cached files holds the cache's exclusive lock (live SQL sessions
hold it shared), and removes the catalog row first, the file after the commit: a crash in
between leaves an unreferenced file for the sweeper, never a row pointing at nothing.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mastcache.settings import Settings
from mastcache.sqlview.lock import CacheLock
from mastcache.stats import CacheStats, ServiceStats, cache_stats, human_bytes, stats_html
from mastcache.store import FileRecord, QueryRecord, Store
from mastcache.store.blobs import blob_problem, remove_blob
from mastcache.store.records import utcnow

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.products.verify import FileProblem

__all__ = [
    "REUPLOADED",
    "CacheStats",
    "PruneReport",
    "Repair",
    "ServiceStats",
    "VerifyProblem",
    "cache_stats",
    "clear_cache",
    "human_bytes",
    "prune_cache",
    "repair_cache",
    "stats_html",
    "verify_cache",
]

#: An unfinished download untouched this long is abandoned: prune --expired removes it.
PARTIAL_LIFETIME = timedelta(days=1)


#: What a problem repaired from this machine's copy says (team mode, ``--repair``).
REUPLOADED = "re-uploaded from this machine's verified copy"


@dataclass(frozen=True)
class VerifyProblem:
    """One cached file that no longer matches what was recorded when it was written."""

    kind: str  # "query" or "file"
    identifier: str  # query key or product URI
    path: Path
    problem: str
    #: Already repaired by ``verify_cache(repair=True)``: re-uploaded to the team store from
    #: this machine's verified copy (team mode).
    repaired: bool = False

    @property
    def state(self) -> str:
        """``missing`` (the file is gone) or ``damaged`` (other size or bytes)."""
        return "missing" if "missing" in self.problem else "damaged"


@dataclass(frozen=True)
class Repair:
    """What ``cache verify --repair`` did about one problem."""

    problem: VerifyProblem
    repaired: bool
    detail: str


@dataclass
class PruneReport:
    queries: list[str] = field(default_factory=list)
    resolutions: int = 0
    files: list[str] = field(default_factory=list)
    #: unfinished downloads removed (their resumable partial files)
    partials: int = 0
    freed_bytes: int = 0
    dry_run: bool = False


def _check_object(store: Store, record: QueryRecord, repair: bool = False) -> str | None:
    """What is wrong with a result file (local or in the team object store), if anything.

    Team mode with ``repair``: a missing or damaged object is re-uploaded from this machine's
    verified copy (and reported as repaired)."""
    problem = _object_problem(store, record)
    if problem is not None and repair and _repaired_from_local_copy(store, record):
        return f"{problem}; {REUPLOADED}"
    return problem


def _repaired_from_local_copy(store: Store, record: QueryRecord) -> bool:
    from mastcache.store.files import sha256_file

    copy = store.root / record.table_path
    if store.local is None or not copy.is_file() or sha256_file(copy) != record.sha256:
        return False
    store.objects.publish(copy, record.table_path, record.sha256, record.nbytes)
    return True


def _object_problem(store: Store, record: QueryRecord) -> str | None:
    if not store.objects.exists(record.table_path):
        return "missing"
    actual, size = store.objects.digest(record.table_path)
    if size != record.nbytes:
        return f"{size} bytes instead of {record.nbytes}"
    if actual != record.sha256:
        return f"sha256 {actual[:12]}... instead of {record.sha256[:12]}..."
    return None


def verify_cache(settings: Settings, *, repair: bool = False) -> list[VerifyProblem]:
    """Rehash every cached result table and downloaded file; list each one that changed.

    ``repair`` (team mode): a missing or damaged object this machine holds a verified copy
    of is re-uploaded, and its file is not marked corrupt."""
    from mastcache.products import verify_files

    problems: list[VerifyProblem] = []
    with Store.open(settings) as store:
        for record in store.list_queries():
            problem = _check_object(store, record, repair)
            if problem:
                path = Path(store.objects.location(record.table_path))
                repaired = problem.endswith(REUPLOADED)
                problems.append(VerifyProblem("query", record.key, path, problem, repaired))
        # product files: rehashed, and marked corrupt so their next download re-fetches them
        # (a read-only cache is only checked: nothing can be marked in it)
        found_files = _check_files(store) if store.read_only else verify_files(store, repair=repair)
        problems.extend(
            VerifyProblem(
                "file",
                found.uri,
                Path(store.objects.location(found.local_path)),
                found.detail,
                repaired=found.repaired,
            )
            for found in found_files
        )
    return problems


def _check_files(store: Store) -> list[FileProblem]:
    """The problems of every finished product file, without recording anything."""
    from mastcache.products.verify import FileProblem

    with store.unit_of_work(read_only=True) as uow:
        records = [r for r in uow.files.list() if r.status in ("complete", "corrupt")]
    problems = []
    for record in records:
        found = blob_problem(store, record)
        if found is not None:
            problems.append(FileProblem(record.uri, record.local_path, found[0], found[1]))
    return problems


def repair_cache(settings: Settings, problems: Iterable[VerifyProblem]) -> list[Repair]:
    """Fetch an intact copy from MAST of every damaged or missing product file (verified
    against MAST's checksum, or the sha256 first recorded); drop damaged result tables, which
    the next cache-first call fetches again. Needs the network and a writable cache.

    A problem ``verify_cache(repair=True)`` already repaired from this machine's verified
    copy (team mode) is reported as repaired and not fetched again."""
    from mastcache.errors import ConfigurationError

    problems = list(problems)
    if settings.mode == "offline" and not all(problem.repaired for problem in problems):
        raise ConfigurationError(
            "`cache verify --repair` fetches intact copies from MAST, which offline mode "
            "forbids; run it without --mode offline / MASTCACHE_MODE=offline"
        )
    repairs = []
    for problem in problems:
        if problem.repaired:
            repairs.append(Repair(problem, True, REUPLOADED))
        elif problem.kind == "file":
            repairs.append(_refetch_file(settings, problem))
        else:
            repairs.append(_drop_query(settings, problem))
    return repairs


def _refetch_file(settings: Settings, problem: VerifyProblem) -> Repair:
    import tempfile

    from mastcache.client import Observations
    from mastcache.runtime import using_settings

    with tempfile.TemporaryDirectory(prefix="mastcache-repair-") as folder:
        target = Path(folder) / "file"
        with using_settings(settings):
            status, message, _ = Observations.download_file(
                problem.identifier, local_path=target, mode="refresh", verbose=False
            )
    if status == "COMPLETE":
        return Repair(problem, True, "fetched an intact copy from MAST")
    return Repair(problem, False, f"could not fetch it again: {message}")


def _drop_query(settings: Settings, problem: VerifyProblem) -> Repair:
    with Store.open(settings) as store:
        store.delete_query(problem.identifier)
    return Repair(problem, True, "removed; the next cache-first call fetches it again")


@contextmanager
def _exclusive(settings: Settings, wait: float) -> Iterator[Store]:
    if not settings.cache_dir.is_dir():
        settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with CacheLock(settings.cache_dir).exclusive(wait), Store.open(settings) as store:
        yield store


def prune_cache(
    settings: Settings,
    *,
    expired: bool = False,
    older_than: timedelta | None = None,
    max_bytes: int | None = None,
    dry_run: bool = False,
    wait: float = 30.0,
) -> PruneReport:
    """Remove expired entries, entries fetched longer ago than ``older_than``, and then the
    least recently fetched result tables until results and files fit in ``max_bytes``."""
    report = PruneReport(dry_run=dry_run)
    now = utcnow()
    with _exclusive(settings, wait) as store:
        queries = store.list_queries()
        doomed = _chosen(queries, now, expired=expired, older_than=older_than)
        with store.unit_of_work(read_only=True) as uow:
            files = uow.files.list()
        if max_bytes is not None:
            doomed |= _over_budget(queries, doomed, files, max_bytes)
        report.queries = sorted(record.key for record in queries if record.key in doomed)
        report.freed_bytes = sum(r.nbytes for r in queries if r.key in doomed)
        if expired:
            report.resolutions = _prune_resolutions(store, now, dry_run)
        partial_age = older_than or (PARTIAL_LIFETIME if expired else None)
        if partial_age is not None:
            report.partials = _prune_partials(store.root, partial_age, dry_run)
        if max_bytes is not None:
            remaining = sum(r.nbytes for r in queries if r.key not in doomed)
            report.files = _files_over_budget(store, files, max_bytes - remaining, dry_run)
            report.freed_bytes += sum(f.size for f in files if f.uri in set(report.files))
        if not dry_run:
            for key in report.queries:
                store.delete_query(key)
            if store.shares_files:  # team store: orphan sweeping is maintenance's job
                store.sweep_orphans()
    return report


def _chosen(
    queries: list[QueryRecord],
    now: datetime,
    *,
    expired: bool,
    older_than: timedelta | None,
) -> set[str]:
    doomed: set[str] = set()
    for record in queries:
        if expired and record.is_expired(now):
            doomed.add(record.key)
        if older_than is not None and now - record.fetched_at > older_than:
            doomed.add(record.key)
    return doomed


def _over_budget(
    queries: list[QueryRecord], doomed: set[str], files: list[FileRecord], max_bytes: int
) -> set[str]:
    """Oldest results first, until the remaining results and files fit in the budget."""
    kept = sorted((r for r in queries if r.key not in doomed), key=lambda r: r.fetched_at)
    total = sum(r.nbytes for r in kept) + sum(f.size for f in files)
    evicted: set[str] = set()
    for record in kept:
        if total <= max_bytes:
            break
        evicted.add(record.key)
        total -= record.nbytes
    return evicted


def _files_over_budget(
    store: Store, files: list[FileRecord], budget: int, dry_run: bool
) -> list[str]:
    """Oldest downloads first, until the files fit in what the results left of the budget."""
    files = sorted(files, key=lambda f: (f.downloaded_at or utcnow(), f.uri))
    total = sum(f.size for f in files)
    evicted: list[str] = []
    for record in files:
        if total <= max(budget, 0):
            break
        evicted.append(record.uri)
        total -= record.size
        if not dry_run:
            _delete_file(store, record)
    return evicted


def _delete_file(store: Store, record: FileRecord) -> None:
    with store.unit_of_work() as uow:
        uow.files.delete(record.uri)
        others = [f for f in uow.files.by_sha256(record.sha256) if f.uri != record.uri]
        if not others:  # content-addressed: the bytes may serve another URI
            uow.after_commit(lambda: remove_blob(store, record.local_path))


def _prune_resolutions(store: Store, now: datetime, dry_run: bool) -> int:
    with store.unit_of_work(read_only=dry_run) as uow:
        stale = [r for r in uow.resolutions.list() if r.is_expired(now)]
        if not dry_run:
            for record in stale:
                uow.resolutions.delete(record)
    return len(stale)


def _prune_partials(root: Path, older_than: timedelta, dry_run: bool) -> int:
    """Remove resumable partial downloads (and their lock files) and the kept pages of
    interrupted paged queries (store/fragments.py) untouched for ``older_than``."""
    from mastcache.store.fragments import PARTIAL_DIR

    cutoff = time.time() - older_than.total_seconds()
    stale = [
        path
        for path in (root / "products" / "partial").glob("*")
        if path.is_file() and path.stat().st_mtime < cutoff
    ]
    pages = [path for path in (root / PARTIAL_DIR).glob("*") if path.stat().st_mtime < cutoff]
    if not dry_run:
        for path in stale:
            path.unlink(missing_ok=True)
        for folder in pages:
            shutil.rmtree(folder, ignore_errors=True)
    return sum(1 for path in stale if not path.name.endswith(".lock")) + len(pages)


def clear_cache(settings: Settings, *, wait: float = 30.0) -> PruneReport:
    """Remove every cached result, resolution, manifest and file; keep the empty catalog."""
    report = PruneReport()
    with _exclusive(settings, wait) as store:
        queries = store.list_queries()
        with store.unit_of_work() as uow:
            files = uow.files.list()
            resolutions = uow.resolutions.list()
            for resolution in resolutions:
                uow.resolutions.delete(resolution)
            uow.products.delete_all()
        for file in files:
            _delete_file(store, file)
        for query in queries:
            store.delete_query(query.key)
        report.queries = [record.key for record in queries]
        report.files = [record.uri for record in files]
        report.resolutions = len(resolutions)
        report.freed_bytes = sum(r.nbytes for r in queries) + sum(f.size for f in files)
        report.partials = _prune_partials(store.root, timedelta(0), dry_run=False)
    _clear_http_cache(settings.cache_dir)
    return report


def _clear_http_cache(root: Path) -> None:
    """Empty the HTTP-level cache through requests-cache (never by deleting a live file)."""
    if not (root / "http.sqlite").exists():
        return
    from mastcache.net.httpcache import make_session

    settings = Settings.from_env({}, cache_dir=root)
    session = make_session(settings)
    try:
        session.cache.clear()  # type: ignore[no-untyped-call]
    finally:
        session.close()  # type: ignore[no-untyped-call]
