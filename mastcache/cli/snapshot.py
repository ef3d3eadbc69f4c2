"""``mastcache snapshot``: create, verify, restore and list reproducible snapshots.

A thin layer over :mod:`mastcache.snapshot`; see docs/snapshots.md for the format.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from mastcache.errors import SnapshotError, TransportError

__all__ = ["snapshot"]


def _iso_time(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 time; expected e.g. 2025-03-01 or 2025-03-01T12:00Z"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@click.group()
def snapshot() -> None:
    """Create, verify, restore and list reproducible snapshots (NAME.mastsnap files)."""


@snapshot.command()
@click.argument("name")
@click.argument("keys", nargs=-1)
@click.option("--service", "services", multiple=True, help="Only queries of this service.")
@click.option("--since", callback=_iso_time, help="Only entries fetched at or after (ISO).")
@click.option("--until", callback=_iso_time, help="Only entries fetched at or before (ISO).")
@click.option("--with-files", is_flag=True, help="Also include downloaded product files.")
@click.option("--include-proprietary", is_flag=True, help="Keep results fetched with a MAST login.")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for NAME.mastsnap (default: the current folder).",
)
def create(
    name: str,
    keys: tuple[str, ...],
    services: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    with_files: bool,
    include_proprietary: bool,
    output_dir: Path | None,
) -> None:
    """Write NAME.mastsnap from the cache: every cached query, or the KEYs given
    (full query or resolution keys, or unique prefixes), filtered by --service and time."""
    from mastcache.snapshot import create as create_snapshot

    info = create_snapshot(
        name,
        keys=keys or None,
        services=services or None,
        since=since,
        until=until,
        with_files=with_files,
        include_proprietary=include_proprietary,
        output_dir=output_dir,
    )
    click.echo(info.summary())


@snapshot.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def verify(file: Path) -> None:
    """Check FILE's manifest and the sha256 and size of every member.

    Exits with status 1 and lists every difference if anything is wrong.
    """
    from mastcache.snapshot import verify as verify_snapshot

    report = verify_snapshot(file)
    if report.ok:
        click.echo(f"{file}: OK ({report.checked} members verified, sha256 {report.sha256})")
        return
    click.echo(f"{file}: FAILED verification", err=True)
    problems = report.problems()
    for line in problems:
        click.echo(f"  {line}", err=True)
    # an exception, not ctx.exit(1): cli.main runs click in non-standalone mode
    raise SnapshotError(
        f"{file} failed verification ({len(problems)} problem(s) listed above); "
        "do not restore or replay it: get an intact copy"
    )


@snapshot.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--overwrite-newer", is_flag=True, help="Replace cache entries newer than the snapshot's."
)
def restore(file: Path, overwrite_newer: bool) -> None:
    """Import FILE into the cache (verified first; newer cache entries are kept)."""
    from mastcache.snapshot import restore as restore_snapshot

    click.echo(restore_snapshot(file, overwrite_newer=overwrite_newer).summary())


@snapshot.command(name="list")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def list_command(directory: Path | None) -> None:
    """List the snapshots this cache made or restored, and *.mastsnap files in DIRECTORY."""
    from mastcache.snapshot import list_snapshots

    listings = list_snapshots(directory)
    if not listings:
        click.echo("no snapshots")
    for item in listings:
        written = item.written_at
        made = written.isoformat(timespec="seconds") if written else "-"
        data = item.created_at.isoformat(timespec="seconds") if item.created_at else "-"
        queries = "-" if item.queries is None else str(item.queries)
        note = f"  ({item.problem})" if item.problem else ("" if item.exists else "  (missing)")
        click.echo(
            f"{item.origin:5}  {item.name}  written {made}  data as of {data}  "
            f"{queries} queries  {item.path}{note}"
        )


_DIFF_FORMATS = ("table", "json")


class _CannotCompare(click.ClickException):
    """MAST could not be reached: exit status 2, never 1 (which means drift)."""

    exit_code = 2


@snapshot.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--against",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Compare with this other snapshot instead of asking MAST again.",
)
@click.option("--format", "output_format", default="table", help="table (default) or json.")
@click.pass_context
def diff(ctx: click.Context, file: Path, against: Path | None, output_format: str) -> None:
    """Re-ask every query in FILE (of MAST, or --against OTHER.mastsnap) and report rows
    added, removed and changed per query, matched on each result kind's natural key.

    Exit status 0: nothing drifted; 1: something drifted; 2: a query could not be asked.
    """
    from mastcache.snapshot import diff as diff_snapshot

    if output_format not in _DIFF_FORMATS:
        raise click.ClickException(
            f"unknown --format {output_format!r}: expected {' or '.join(_DIFF_FORMATS)}"
        )
    for path in (file, against):
        if path is not None and not path.is_file():
            raise click.ClickException(f"snapshot {path} does not exist")
    try:
        report = diff_snapshot(file, against=against)
    except TransportError as exc:
        raise _CannotCompare(f"cannot ask MAST again: {exc}") from exc
    click.echo(report.to_json() if output_format == "json" else report.render())
    ctx.exit(1 if report.has_drift else (2 if report.has_errors else 0))
