"""``mastcache sql``: read-only SQL over everything cached, from the shell."""

from __future__ import annotations

import sys

import click

from mastcache.cli.output import emit_table, format_options

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
    from mastcache.sqlview import connect

    if not list_views and not query:
        raise click.UsageError(
            "give a SELECT query (or '-' to read it from stdin), or --list-views"
        )
    text = sys.stdin.read() if query == "-" else query
    with connect(current_settings(), timeout=timeout) as session:
        if list_views:
            emit_table(_views_table(session.views), fmt, output)
        else:
            emit_table(session.arrow(text or ""), fmt, output)


def _views_table(views: dict[str, list[tuple[str, str]]]) -> object:
    import pyarrow as pa

    rows = [(name, column, type_) for name in sorted(views) for column, type_ in views[name]]
    return pa.table(
        {
            "view": [r[0] for r in rows],
            "column": [r[1] for r in rows],
            "type": [r[2] for r in rows],
        }
    )
