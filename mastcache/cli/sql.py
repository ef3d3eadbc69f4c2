"""``mastcache sql``: read-only SQL over everything cached, from the shell."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from mastcache.cli.output import emit_rows, format_options
from mastcache.cli.shutdown import leave

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.sqlview.session import CacheSQL

__all__ = ["sql"]

_EPILOG = """\b
Views: observations, products, resolutions, queries, files, product_manifests,
catalog_<table> and mission_<table> per cached catalog or mission table,
and q_<key8> per cached query (see --list-views).

\b
Examples:
  mastcache sql "SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1"
  mastcache sql --format csv -o obs.csv "SELECT * FROM observations"
  echo "SELECT key, service, nrows FROM queries" | mastcache sql -
"""


@click.command(epilog=_EPILOG)
@click.argument("query", required=False)
@click.option("--list-views", is_flag=True, help="List the views and their columns, then exit.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop the query after this many seconds (default 300).",
)
@format_options
def sql(
    query: str | None, list_views: bool, timeout: float | None, fmt: str, output: str | None
) -> None:
    """Run a read-only SQL query over everything cached.

    QUERY is one SELECT statement ('-' reads it from standard input). Nothing in the cache
    can be changed through SQL, and no file or URL outside the cache views can be read.
    """
    from mastcache.runtime import current_settings

    settings = current_settings()
    if settings.store_url:  # a team store's results are read as pyarrow datasets
        _defer_pandas_probe()
    if not list_views and not query:
        raise click.UsageError(
            "give a SELECT query (or '-' to read it from stdin), or --list-views"
        )
    text = sys.stdin.read() if query == "-" else query
    from mastcache.sqlview.lockdown import opening as start_opening

    # DuckDB sets its connection up in another thread while the rest of the SQL layer is
    # imported and the catalog read (~20 ms of a ~0.12 s command, issue 19); the program
    # may have started it before loading the command line (mastcache/__main__.py)
    opening = start_opening(timeout)
    try:
        from mastcache.sqlview import connect

        session = connect(settings, opening=opening)
    except BaseException:  # Ctrl-C while importing, a catalog that cannot be read...
        opening.close()
        raise
    try:
        _answer(session, text or "", list_views, fmt, output)
    finally:  # the program ends without freeing DuckDB (cli/shutdown.py)
        session.close(free=False)
        leave(session)


def _answer(session: CacheSQL, text: str, list_views: bool, fmt: str, output: str | None) -> None:
    """Print (or write to ``output``) the answer to ``text``, or the list of views."""
    if list_views:
        views = session.views
        rows = [(view, column, type_) for view in sorted(views) for column, type_ in views[view]]
        emit_rows(list(_LISTING), ["VARCHAR"] * 3, lambda: rows,
                  lambda: _arrow(rows), fmt, output)  # fmt: skip
    else:
        answer = session.query(text)

        def arrow() -> object:
            _defer_pandas_probe()
            return answer.arrow()

        emit_rows(answer.names, answer.types, answer.rows, arrow, fmt, output)


def _defer_pandas_probe() -> None:
    """Before pyarrow is first imported (see cli/lean.py)."""
    from mastcache.cli.lean import defer_pandas_probe

    defer_pandas_probe("pyarrow.dataset")


#: The columns of ``--list-views``.
_LISTING = ("view", "column", "type")


def _arrow(rows: list[tuple[str, str, str]]) -> object:
    _defer_pandas_probe()
    import pyarrow as pa

    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(_LISTING)})
