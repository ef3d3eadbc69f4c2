"""A locked-down DuckDB connection, and the one kind of statement it accepts.

What held in our measurements (DESIGN.md section 11): a private in-memory connection,
extension autoload/autoinstall off, external access off, configuration locked, and exactly
one statement whose parsed type is SELECT (``EXPLAIN ANALYZE COPY`` executes the COPY, so
EXPLAIN is refused too). No folder is ever granted. The exact result files a session's
views read are granted (``allowed_paths``) before it seals: DuckDB reads them with its own
Parquet reader, so `mastcache sql` needs no pyarrow (issue 19). DuckDB would let ``COPY``
or ``ATTACH`` write a granted file (checked on 2.0.1), which is why the one-SELECT rule is
the gate, and tests/sqlview/test_sql_lockdown.py tries those writes on granted files.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import duckdb

from mastcache.errors import SQLError

__all__ = [
    "DEFAULT_TIMEOUT",
    "Opening",
    "allowed_message",
    "open_connection",
    "open_early",
    "opening",
    "parse_select",
    "seal",
    "summarize_views",
]

#: Seconds one statement may run when no timeout is given.
DEFAULT_TIMEOUT = 300.0

_CONFIG: dict[str, Any] = {
    # external access is turned off by seal(): allowed_paths can only be set before that
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    # A query naming a Python variable must not scan whatever our frames hold.
    "python_enable_replacements": False,
}


def open_connection(timeout: float | None) -> Any:
    """A private in-memory connection; ``timeout`` seconds bound each statement. No user
    statement may run on it before :func:`seal`."""
    return _connect(_config(timeout))


class Opening:
    """A connection as :func:`open_connection` makes it, opened in a background thread.

    ``duckdb.connect`` spends ~35 ms building DuckDB's catalog of functions with the GIL
    released, as long as the rest of a `mastcache sql` set-up: a session starts it before
    reading the cache catalog, and `mastcache sql` before importing the rest of the SQL
    layer (issue 19). ``timeout`` bounds each statement (None: :data:`DEFAULT_TIMEOUT`); a
    bad one raises here, in the caller's thread.
    """

    def __init__(self, timeout: float | None) -> None:
        self.timeout = DEFAULT_TIMEOUT if timeout is None else timeout
        self._opened_with = self.timeout
        config = _config(self.timeout)
        self._outcome: list[Any] = []
        # not a daemon: an interpreter that exits mid-connect waits for it (~35 ms) rather
        # than abort inside DuckDB
        self._thread = threading.Thread(
            target=self._open, args=(config,), name="mastcache-sql-connect"
        )
        self._thread.start()

    def _open(self, config: dict[str, Any]) -> None:
        try:
            self._outcome.append(_connect(config))
        except BaseException as exc:  # handed to the caller by connection()
            self._outcome.append(exc)

    def connection(self) -> Any:
        """The connection, once opened (it is the caller's to close from then on)."""
        self._thread.join()
        if not self._outcome:
            raise SQLError("the SQL connection was already handed out or closed")
        found = self._outcome.pop()
        if isinstance(found, BaseException):
            raise found
        if self.timeout != self._opened_with:
            found.execute(f"SET max_execution_time = {_milliseconds(self.timeout)}")
        return found

    def retime(self, timeout: float | None) -> None:
        """Bound each statement by ``timeout`` seconds instead (None: keep the bound)."""
        if timeout is not None:
            _milliseconds(timeout)  # a bad one raises here, in the caller's thread
            self.timeout = timeout

    def close(self) -> None:
        """Close the connection if nobody took it (a set-up that failed after starting)."""
        self._thread.join()
        while self._outcome:
            found = self._outcome.pop()
            if not isinstance(found, BaseException):
                found.close()


_early: list[Opening] = []  # started by open_early(), for the next opening() to take


def open_early() -> None:
    """Start opening the connection that a ``mastcache sql`` about to run will take, so
    DuckDB sets it up while the command line loads (issue 19)."""
    if not _early:
        _early.append(Opening(None))


def opening(timeout: float | None) -> Opening:
    """The connection started by :func:`open_early`, bound by ``timeout`` (None: the
    default), or else a new :class:`Opening`."""
    if not _early:
        return Opening(timeout)
    early = _early.pop()
    try:
        early.retime(timeout)
    except BaseException:
        early.close()
        raise
    return early


def _config(timeout: float | None) -> dict[str, Any]:
    config = dict(_CONFIG)
    if timeout is not None:
        config["max_execution_time"] = _milliseconds(timeout)
    return config


def _milliseconds(timeout: float) -> int:
    if timeout <= 0:
        raise SQLError(f"the SQL timeout must be a positive number of seconds, got {timeout}")
    return max(1, round(timeout * 1000))


def _connect(config: dict[str, Any]) -> Any:
    connection = duckdb.connect(":memory:", config=config)
    try:
        # A union view reads each file's footer to group it, then again to scan: read it
        # once (-30% for a count over 1,000 cached cones). An option of the Parquet
        # extension, which a connect-time config does not know yet.
        connection.execute("SET parquet_metadata_cache = true")
    except BaseException:
        connection.close()
        raise
    return connection


def seal(connection: Any, readable: Sequence[str] = ()) -> None:
    """Forbid external access for good, but for reading the files ``readable``: no SET can
    undo it."""
    if readable:
        connection.execute("SET allowed_paths = ?", [list(readable)])
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def parse_select(connection: Any, query: str, views: Sequence[str]) -> tuple[Any, set[str]]:
    """The one read-only SELECT statement in ``query``, and the names its FROM clauses use
    (CTE names too); anything else raises :class:`SQLError`."""
    try:
        statements = connection.extract_statements(query)
    except duckdb.Error as exc:
        raise SQLError(
            f"cannot parse the SQL: {_first_line(exc)}. {allowed_message(views)}"
        ) from exc
    if len(statements) != 1:
        found = f"{len(statements)} statements" if statements else "no statement"
        raise SQLError(f"expected exactly one statement, found {found}. {allowed_message(views)}")
    statement = statements[0]
    if statement.type != duckdb.StatementType.SELECT:
        kind = str(statement.type.name)
        raise SQLError(f"{kind} statements are not allowed. {allowed_message(views)}")
    return statement, _read_only_names(connection, query, views)


#: The query nodes a read-only SELECT is made of. DuckDB's parser types
#: ``WITH x AS (COPY ... TO 'file') SELECT 1`` as a SELECT, and runs the COPY (checked on
#: 2.0.1): it would write a granted file. Every node of the parse tree is checked.
_READ_NODES = frozenset({"SELECT_NODE", "SET_OPERATION_NODE", "RECURSIVE_CTE_NODE", "CTE_NODE"})


def _read_only_names(connection: Any, query: str, views: Sequence[str]) -> set[str]:
    """The FROM names of ``query``, after checking from DuckDB's own parse tree that every
    query node in it only reads. ``get_table_names`` is not used: it binds the views it
    meets, and a ``read_parquet`` view does not bind there (duckdb 2.0.1)."""
    import json

    ((tree,),) = connection.execute("SELECT json_serialize_sql(?)", [query]).fetchall()
    document = json.loads(tree)
    if document.get("error"):
        raise SQLError(
            f"cannot check the SQL: {document.get('error_message') or 'not a plain SELECT'}. "
            f"{allowed_message(views)}"
        )
    names: set[str] = set()
    pending: list[Any] = [document["statements"]]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            kind = node.get("type")
            if isinstance(kind, str) and kind.endswith("_NODE") and kind not in _READ_NODES:
                raise SQLError(
                    f"the query was refused: it holds a {kind.removesuffix('_QUERY_NODE')} "
                    f"inside the SELECT. {allowed_message(views)}"
                )
            if kind == "BASE_TABLE" and node.get("table_name"):
                names.add(str(node["table_name"]))
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return names


def allowed_message(views: Sequence[str]) -> str:
    """The sentence every refusal ends with: what is allowed, over which views."""
    return (
        "Only read-only SELECT queries over the cache views are allowed; "
        f"views: {summarize_views(views)}"
    )


def summarize_views(views: Sequence[str]) -> str:
    """The view names for a message: every named view, and how many ``q_`` views."""
    named = [v for v in sorted(views) if not v.startswith("q_")]
    per_query = len(views) - len(named)
    if per_query:
        named.append(f"q_<key8> for each of the {per_query} cached queries")
    return ", ".join(named) if named else "(none)"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
