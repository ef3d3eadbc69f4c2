"""One read-only SQL session over the cache: lock, views, locked-down DuckDB.

``CacheSQL.open`` does, in order: take the cache lock shared (so no prune removes a file
under a view), read the catalog, register the catalog tables with a private DuckDB
connection, then seal the connection. Each statement then has the result views it names
made first (each cached Parquet file opened as a ``pyarrow.dataset``: footers only; see
sqlview/resultviews.py). Queries run until :meth:`CacheSQL.close`.
"""

from __future__ import annotations

from contextlib import ExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from mastcache.errors import SQLError
from mastcache.settings import Settings
from mastcache.sqlview import catalog, lockdown
from mastcache.sqlview.contents import CacheContents, read_contents
from mastcache.sqlview.lock import CacheLock
from mastcache.sqlview.resultviews import ResultViews

if TYPE_CHECKING:  # astropy is imported by execute(), not by `mastcache sql`
    from mastcache.sqlview.result import SQLResult

__all__ = ["DEFAULT_TIMEOUT", "CacheSQL"]

#: Seconds one statement may run when no timeout is given.
DEFAULT_TIMEOUT = 300.0


class CacheSQL:
    """Several read-only SELECTs over one consistent view of the cache.

    Use as a context manager (or call :meth:`close`): the cache's shared lock is held, and
    prunes wait, until the session ends.
    """

    def __init__(self, connection: Any, results: ResultViews, exits: ExitStack):
        self._connection = connection
        self._results = results
        self._exits = exits
        self._views: dict[str, list[tuple[str, str]]] | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        timeout: float | None = None,
        lock_wait: float | None = None,
        scope: str = "anonymous",
    ) -> CacheSQL:
        """Read the catalog of the cache at ``settings.cache_dir`` and seal the connection
        (result views are made when a statement names them: sqlview/resultviews.py);
        ``scope``'s proprietary rows are shown along with the public ones, no other's."""
        exits = ExitStack()
        try:
            exits.enter_context(CacheLock(settings.cache_dir).shared(lock_wait))
            contents = read_contents(settings, scope)
            connection = lockdown.open_connection(DEFAULT_TIMEOUT if timeout is None else timeout)
            exits.callback(connection.close)
            results = _register_catalog(connection, contents)
            lockdown.seal(connection)
            return cls(connection, results, exits)
        except BaseException:
            exits.close()
            raise

    @property
    def views(self) -> dict[str, list[tuple[str, str]]]:
        """Each view's name and its ``(column, SQL type)`` pairs, sorted by name (makes
        every view: on a large cache, naming the views you need in a query is cheaper)."""
        if self._views is None:
            self._results.make_all()
            self._views = _describe(self._connection)
        return dict(self._views)

    def view_names(self) -> list[str]:
        """Every view's name, without making any."""
        return sorted([*_CATALOG_TABLES, *self._results.names()])

    def execute(self, query: str) -> SQLResult:
        """Run one SELECT; the answer as an astropy Table with ``.arrow()`` and ``.df()``."""
        from mastcache.sqlview.result import to_result

        return to_result(self.arrow(query))

    def arrow(self, query: str) -> pa.Table:
        """Run one SELECT; the answer as a ``pyarrow.Table``."""
        names = self.view_names()
        statement = lockdown.parse_select(self._connection, query, names)
        try:
            self._results.prepare(query, self._connection.get_table_names(query))
            return _to_arrow(self._connection.sql(statement))
        except SQLError:
            raise
        except Exception as exc:  # duckdb.Error and Arrow errors from the datasets
            raise _query_error(exc, names) from exc

    def interrupt(self) -> None:
        """Stop the statement running in another thread (it raises :class:`SQLError`)."""
        self._connection.interrupt()

    def close(self) -> None:
        """Close the connection and release the cache lock."""
        self._exits.close()

    def __enter__(self) -> CacheSQL:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


#: Tables every session registers when it opens (small: one row per catalog record).
_CATALOG_TABLES = ("files", "product_manifests", "queries", "resolutions")


def _register_catalog(connection: Any, contents: CacheContents) -> ResultViews:
    """Register the catalog tables; the session's (not yet made) result views."""
    names = contents.queries.view_names
    manifest = catalog.manifests_table(contents.products)
    tables = {
        "queries": catalog.queries_table(contents.queries, names, contents.read_at),
        "resolutions": catalog.resolutions_table(contents.resolutions, contents.read_at),
        "files": catalog.files_table(contents.files),
        "product_manifests": manifest,
    }
    for name, table in tables.items():
        connection.register(name, table)
    return ResultViews(connection, contents, names, manifest)


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
    # duckdb 2 names it to_arrow_table(); duckdb 1.x calls it arrow()
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    table: pa.Table = fetch()
    return table


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
    if "Failed to open local file" in str(exc):
        return SQLError(
            f"the query failed: {text}. A cached result was replaced or removed while this "
            "session was open (a refresh, or a prune that ignored the cache lock); "
            "open a new session and run the query again"
        )
    return SQLError(f"the query failed: {text}; views: {lockdown.summarize_views(views)}")
