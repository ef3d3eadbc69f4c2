"""A locked-down DuckDB connection, and the one kind of statement it accepts.

What held in our measurements (DESIGN.md section 11): a private in-memory connection,
extension autoload/autoinstall off, every table handed over as an Arrow object (no folder
granted to DuckDB, so nothing on disk is reachable, let alone writable), external access
off, configuration locked, and exactly one statement whose parsed type is SELECT
(``EXPLAIN ANALYZE COPY`` executes the COPY, so EXPLAIN is refused too).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb

from mastcache.errors import SQLError

__all__ = ["allowed_message", "open_connection", "parse_select", "seal", "summarize_views"]

_CONFIG: dict[str, Any] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "allow_unsigned_extensions": False,
    # A query naming a Python variable must not scan whatever our frames hold.
    "python_enable_replacements": False,
}


def open_connection(timeout: float | None) -> Any:
    """A private in-memory connection; ``timeout`` seconds bound each statement."""
    config = dict(_CONFIG)
    if timeout is not None:
        if timeout <= 0:
            raise SQLError(f"the SQL timeout must be a positive number of seconds, got {timeout}")
        config["max_execution_time"] = max(1, round(timeout * 1000))
    return duckdb.connect(":memory:", config=config)


def seal(connection: Any) -> None:
    """Forbid external access for good once the views exist: no SET can undo it."""
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def parse_select(connection: Any, query: str, views: Sequence[str]) -> Any:
    """The one SELECT statement in ``query``; anything else raises :class:`SQLError`."""
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
    return statement


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
