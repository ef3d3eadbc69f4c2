"""One read-only SQL session over the cache: lock, catalog, locked-down DuckDB.

``CacheSQL.open`` takes the cache lock shared (so no prune removes a file under a view) and
reads the catalog while a private DuckDB connection opens in another thread. The first
statement seals the connection, granting it exactly the result files that statement's views
read (all of them, on a cache of up to :data:`GRANT_ALL_UP_TO` results); a later statement
that needs a file not granted gets a new sealed connection. Each statement has the catalog tables
(sqlview/catalog.py) and result views (sqlview/resultviews.py) it names made first. Queries
run until :meth:`CacheSQL.close`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import catalog, lockdown
from mastcache.sqlview.contents import CacheContents, read_contents
from mastcache.sqlview.lock import CacheLock
from mastcache.sqlview.resultviews import ResultViews

if TYPE_CHECKING:  # neither pyarrow nor astropy is imported by `mastcache sql`
    import pyarrow as pa

    from mastcache.sqlview.result import SQLResult

__all__ = ["GRANT_ALL_UP_TO", "Answer", "CacheSQL"]

#: A cache with at most this many results has every result file granted at the first
#: statement (~10 us a path), so later statements never need a new connection.
GRANT_ALL_UP_TO = 500


class Answer:
    """One SELECT's answer, fetched as Python rows or as Arrow (failures as SQLError)."""

    def __init__(self, relation: Any, views: list[str]) -> None:
        self._relation = relation
        self._views = views
        #: Column names and DuckDB type names (``BIGINT``, ``VARCHAR[]``...).
        self.names: list[str] = list(relation.columns)
        self.types: list[str] = [str(type_) for type_ in relation.types]

    def rows(self) -> list[tuple[Any, ...]]:
        """Every row as a tuple of Python values (None is NULL)."""
        try:
            rows: list[tuple[Any, ...]] = self._relation.fetchall()
        except Exception as exc:  # duckdb.Error
            raise _query_error(exc, self._views) from exc
        return rows

    def arrow(self) -> pa.Table:
        """The answer as a ``pyarrow.Table``."""
        try:
            return _to_arrow(self._relation)
        except Exception as exc:  # duckdb.Error and Arrow errors from team datasets
            raise _query_error(exc, self._views) from exc


class CacheSQL:
    """Several read-only SELECTs over one consistent view of the cache.

    Use as a context manager (or call :meth:`close`): the cache's shared lock is held, and
    prunes wait, until the session ends.
    """

    def __init__(self, contents: CacheContents, opening: lockdown.Opening, exits: ExitStack):
        self._contents = contents
        self._timeout = opening.timeout
        self._exits = exits
        #: The result files the sealed connection may read; None until it is sealed.
        self._granted: frozenset[str] | None = None
        self._connection, self._tables, self._results = self._build(opening.connection())
        self._frees_connection = True
        exits.callback(self._free_connection)
        self._views: dict[str, list[tuple[str, str]]] | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        timeout: float | None = None,
        lock_wait: float | None = None,
        scope: str = "anonymous",
        opening: lockdown.Opening | None = None,
    ) -> CacheSQL:
        """Read the catalog of the cache at ``settings.cache_dir`` into a new connection
        (sealed by the first statement; result views are made when a statement names them);
        ``scope``'s proprietary rows are shown along with the public ones, no other's.

        ``opening``: the connection, already being opened with its own timeout (`mastcache
        sql` starts it before importing this module); else one for ``timeout`` is opened
        here, while the catalog is read."""
        if opening is None:
            opening = lockdown.Opening(timeout)
        exits = ExitStack()
        exits.callback(opening.close)  # a no-op once the session has taken the connection
        try:
            exits.enter_context(CacheLock(settings.cache_dir).shared(lock_wait))
            return cls(read_contents(settings, scope), opening, exits)
        except BaseException:
            exits.close()
            raise

    def _build(self, connection: Any = None) -> tuple[Any, catalog.CatalogTables, ResultViews]:
        """A new, unsealed connection (or ``connection``), its catalog tables and result
        views (made when a statement names them)."""
        contents = self._contents
        if connection is None:
            connection = lockdown.open_connection(self._timeout)
        try:
            tables = catalog.CatalogTables(connection, contents)
            names = contents.queries.view_names
            results = ResultViews(connection, contents, names, tables.manifest_columns,
                                  len(contents.products), tables.make)  # fmt: skip
        except BaseException:
            connection.close()
            raise
        return connection, tables, results

    def _grant(self, files: Sequence[str]) -> None:
        """Seal the connection with ``files`` readable (and every result file, on a small
        cache); if it is sealed without some of them, replace it with one that has them."""
        wanted = frozenset(files)
        if self._granted is not None and wanted <= self._granted:
            return
        if self._granted is None:
            small = self._results.count() <= GRANT_ALL_UP_TO
            grant = wanted | frozenset(self._results.all_local_files() if small else ())
        else:  # views made so far are made again, on the new connection, when named
            grant = self._granted | wanted
            old = self._connection
            self._connection, self._tables, self._results = self._build()
            old.close()
        lockdown.seal(self._connection, sorted(grant))
        self._granted = grant

    @property
    def views(self) -> dict[str, list[tuple[str, str]]]:
        """Each view's name and its ``(column, SQL type)`` pairs, sorted by name (makes
        every view: on a large cache, naming the views you need in a query is cheaper)."""
        if self._views is None:
            self._grant(self._results.all_local_files())
            self._tables.prepare((), every=True)
            self._results.make_all()
            self._views = _describe(self._connection)
        return dict(self._views)

    def view_names(self) -> list[str]:
        """Every view's name, without making any."""
        return sorted([*catalog.TABLES, *self._results.names()])

    def execute(self, query: str) -> SQLResult:
        """Run one SELECT; the answer as an astropy Table with ``.arrow()`` and ``.df()``."""
        from mastcache.sqlview.result import to_result

        return to_result(self.arrow(query))

    def arrow(self, query: str) -> pa.Table:
        """Run one SELECT; the answer as a ``pyarrow.Table``."""
        return self.query(query).arrow()

    def query(self, query: str) -> Answer:
        """Run one SELECT; the answer, to fetch as rows or as Arrow."""
        names = self.view_names()
        statement, referenced = lockdown.parse_select(self._connection, query, names)
        try:  # a parsed statement is a parse tree: it runs on a connection rebuilt by _grant
            self._grant(self._results.local_files(query, referenced))
            self._tables.prepare(referenced, every=self._results.lists_views(query))
            self._results.prepare(query, referenced)
            return Answer(self._connection.sql(statement), names)
        except SQLError:
            raise
        except Exception as exc:  # duckdb.Error
            raise _query_error(exc, names) from exc

    def interrupt(self) -> None:
        """Stop the statement running in another thread (it raises :class:`SQLError`)."""
        self._connection.interrupt()

    def close(self, *, free: bool = True) -> None:
        """Close the connection and release the cache lock. ``free=False`` leaves the
        in-memory database open, for a process about to end without freeing it
        (:func:`mastcache.cli.shutdown.leave`); dropped, it is closed when collected."""
        self._frees_connection = free
        self._exits.close()

    def _free_connection(self) -> None:
        if self._frees_connection:
            self._connection.close()

    def __enter__(self) -> CacheSQL:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _describe(connection: Any) -> dict[str, list[tuple[str, str]]]:
    """The views and their columns (not the ``__mc_*`` groups the union views read)."""
    rows = connection.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND NOT starts_with(table_name, '__mc_') "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    views: dict[str, list[tuple[str, str]]] = {}
    for table, column, type_ in rows:
        views.setdefault(table, []).append((column, type_))
    return views


def _to_arrow(relation: Any) -> pa.Table:
    import pyarrow  # noqa: F401  # duckdb hands Arrow out only with pyarrow imported

    # duckdb 2 names it to_arrow_table(); duckdb 1.x calls it arrow()
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    table: pa.Table = fetch()
    return table


#: What DuckDB and Arrow say when a file under a view went away.
_FILE_GONE = ("Failed to open local file", "Cannot open file", "No files found that match")


def _query_error(exc: Exception, views: list[str]) -> SQLError:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, duckdb.InterruptException):
        return SQLError(
            f"the query was stopped ({text}): add a filter or a LIMIT, or pass a larger timeout"
        )
    if isinstance(exc, duckdb.PermissionException | duckdb.ParserException):
        return SQLError(
            f"the query was refused ({text}): SQL over the cache reads only the cache views, "
            f"never files, URLs or extensions. {lockdown.allowed_message(views)}"
        )
    if any(sign in str(exc) for sign in _FILE_GONE):
        return SQLError(
            f"the query failed: {text}. A cached result was replaced or removed while this "
            "session was open (a refresh, or a prune that ignored the cache lock); "
            "open a new session and run the query again"
        )
    return SQLError(f"the query failed: {text}; views: {lockdown.summarize_views(views)}")
