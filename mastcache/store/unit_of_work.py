"""The unit of work: one catalog transaction with every repository on it.

On SQLite a writing unit begins with ``BEGIN IMMEDIATE`` (see :mod:`.engine`), so concurrent
processes queue on the busy timeout instead of failing with ``database is locked``.
Actions registered with :meth:`UnitOfWork.after_commit` run only once the commit succeeded
(e.g. removing a result file the new row no longer points to).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mastcache.errors import StoreError
from mastcache.store.outage import (
    catalog_read_only,
    catalog_unavailable,
    is_catalog_unreachable,
    is_permission_denied,
)
from mastcache.store.repositories import (
    CloudPathRepository,
    FileRepository,
    ProductRepository,
    QueryRepository,
    ResolutionRepository,
    SnapshotRepository,
    StatsRepository,
)

__all__ = ["UnitOfWork"]


class UnitOfWork:
    """``with UnitOfWork(sessions) as uow: uow.queries.get(...)``; commits on a clean exit."""

    queries: QueryRepository
    resolutions: ResolutionRepository
    products: ProductRepository
    files: FileRepository
    snapshots: SnapshotRepository
    stats: StatsRepository
    cloud_paths: CloudPathRepository

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        where: str = "the cache catalog",
        remote: bool = False,
    ) -> None:
        self._sessions = sessions
        self._where = where
        self._remote = remote
        self._session: Session | None = None
        self._after_commit: list[Callable[[], None]] = []

    def __enter__(self) -> UnitOfWork:
        session = self._sessions()
        try:
            session.begin()
            session.connection()  # BEGIN now, so waiting for the write lock happens here
        except SQLAlchemyError as exc:
            session.close()
            raise self._error("begin a transaction on", exc) from exc
        self._session = session
        self._attach(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if exc_type is None:
                self._commit(session)
            else:
                session.rollback()
                if isinstance(exc, SQLAlchemyError):
                    raise self._error("write to", exc) from exc
        finally:
            session.close()
        if exc_type is None:
            self._run_after_commit()

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` after a successful commit (never after a rollback)."""
        self._after_commit.append(action)

    def _attach(self, session: Session) -> None:
        self.queries = QueryRepository(session)
        self.resolutions = ResolutionRepository(session)
        self.products = ProductRepository(session)
        self.files = FileRepository(session)
        self.snapshots = SnapshotRepository(session)
        self.stats = StatsRepository(session)
        self.cloud_paths = CloudPathRepository(session)

    def _commit(self, session: Session) -> None:
        try:
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            raise self._error("commit to", exc) from exc

    def _run_after_commit(self) -> None:
        actions, self._after_commit = self._after_commit, []
        for action in actions:
            action()

    def _error(self, action: str, exc: SQLAlchemyError) -> StoreError:
        if self._remote and is_catalog_unreachable(exc):
            return catalog_unavailable(self._where.removeprefix("the team catalog "), exc)
        if self._remote and is_permission_denied(exc):
            return catalog_read_only(self._where.removeprefix("the team catalog "), exc)
        detail = str(getattr(exc, "orig", None) or exc)
        return StoreError(
            f"could not {action} {self._where}: {detail}; if another process holds the cache "
            "for long, retry when it is done, or check the disk and `mastcache db current`"
        )
