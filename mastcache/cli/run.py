"""``mastcache run``: record every MAST call of a command into a snapshot, or replay one.

``mastcache run --record FILE -- CMD...`` / ``mastcache run --snapshot FILE -- CMD...``; a thin
layer over :mod:`mastcache.testing.runner`. The command's exit status is passed through.
"""

from __future__ import annotations

from pathlib import Path

import click

from mastcache.testing import runner

__all__ = ["run"]

_EXAMPLE = "mastcache run --record analysis.mastsnap -- python analysis.py"


class _RunCommand(click.Command):
    """Insists on ``--`` before the command, so its options are never taken for ours."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args and not any(a in ("-h", "--help") for a in args):
            raise click.ClickException(f"put -- before the command to run, e.g. {_EXAMPLE}")
        return super().parse_args(ctx, args)


@click.command(cls=_RunCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--record",
    "record_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every MAST call the command makes to this .mastsnap file (on exit status 0).",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve the command from this .mastsnap file alone, offline.",
)
@click.option("--with-files", is_flag=True, help="With --record: include downloaded files.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def run(
    ctx: click.Context,
    record_file: Path | None,
    snapshot_file: Path | None,
    with_files: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND recording its MAST calls (--record FILE) or replaying them (--snapshot FILE).

    Every Python process the command starts is covered: mastcache's clients and stock
    astroquery (routed through mastcache when imported). Example:

        mastcache run --record fig3.mastsnap -- python analysis.py

        mastcache run --snapshot fig3.mastsnap -- python analysis.py
    """
    if (record_file is None) == (snapshot_file is None):
        raise click.ClickException(f"give exactly one of --record or --snapshot, e.g. {_EXAMPLE}")
    if snapshot_file is not None:
        if not snapshot_file.is_file():
            raise click.ClickException(f"snapshot {snapshot_file} does not exist")
        result = runner.replay_command(command, snapshot_file)
    else:
        assert record_file is not None
        result = runner.record_command(command, record_file, with_files=with_files)
        _report(result, record_file)
    ctx.exit(result.returncode)


def _report(result: runner.RunResult, record_file: Path) -> None:
    if result.snapshot is not None:
        click.echo(f"recorded {len(result.keys)} calls: {result.snapshot.summary()}", err=True)
    else:
        click.echo(
            f"the command exited with status {result.returncode}: {record_file} not written",
            err=True,
        )
