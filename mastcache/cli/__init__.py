"""The ``mastcache`` command line: a thin layer over the public Python API.

Subcommands live in their own modules and are imported only when invoked, so
``mastcache --help`` stays fast and every command module owns one noun.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from typing import Any, NoReturn

import click

from mastcache._version import __version__
from mastcache.errors import MastCacheError

__all__ = ["cli", "main", "run"]

# command name -> "module:attribute" (a click.Command); imported on demand
COMMANDS: dict[str, str] = {
    "auth": "mastcache.cli.auth:auth",
    "cache": "mastcache.cli.cache:cache",
    "coverage": "mastcache.cli.coverage:coverage",
    "db": "mastcache.cli.db:db",
    "demo": "mastcache.cli.demo:demo",
    "download": "mastcache.cli.products:download",
    "emulator": "mastcache.cli.emulator:emulator",
    "products": "mastcache.cli.products:products",
    "query": "mastcache.cli.query:query",
    "resolve": "mastcache.cli.query:resolve",
    "run": "mastcache.cli.run:run",
    "snapshot": "mastcache.cli.snapshot:snapshot",
    "sql": "mastcache.cli.sql:sql",
}

# commands that read or write cached tables (pyarrow): see cli/lean.py
# (`cache` decides per subcommand: `cache stats` prints without pyarrow, see cli/cache.py;
# `sql` reads through DuckDB alone and defers the probe itself when it needs pyarrow)
TABLE_COMMANDS = frozenset({"demo", "download", "products", "query", "resolve", "snapshot"})

# ... and those that open pyarrow datasets (DuckDB views), which probe for pandas again
DATASET_COMMANDS = {"snapshot": ("pyarrow.dataset",)}

# one-line help, so `mastcache --help` need not import every command module
SUMMARIES: dict[str, str] = {
    "auth": "Log in to MAST with a token, log out, show the session.",
    "cache": "Inspect and maintain the cache: stats, verify, prune, clear, map.",
    "coverage": "Sky coverage of the cached observations as a MOC (--moc FILE).",
    "db": "Manage the cache catalog schema: upgrade, current.",
    "demo": "Run a realistic session against the bundled emulator, cold, warm and offline.",
    "download": "Download the products of observations into a directory.",
    "emulator": "Run the bundled MAST emulator.",
    "products": "List the products of observations.",
    "query": "Query observations by region, object or criteria.",
    "resolve": "Resolve object names to sky positions.",
    "run": "Record a command's MAST calls into a snapshot, or replay them offline.",
    "snapshot": "Create, verify, restore, list and diff reproducible snapshots.",
    "sql": "Run a read-only SQL query over everything cached.",
}


def _module_exists(target: str) -> bool:
    """Whether the module behind ``target`` ("module:attribute") is installed."""
    return importlib.util.find_spec(target.split(":")[0]) is not None


class LazyGroup(click.Group):
    """A group whose subcommands are imported when first used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        available = {name for name, target in COMMANDS.items() if _module_exists(target)}
        return sorted(available | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = getattr(module, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mastcache")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    envvar="MASTCACHE_DIR",
    help="Cache directory (default: $MASTCACHE_DIR, else the user cache dir).",
)
@click.option(
    "--mode",
    type=click.Choice(["cache-first", "online", "refresh", "offline"]),
    envvar="MASTCACHE_MODE",
    help="Refresh policy for this command (default: $MASTCACHE_MODE, else cache-first).",
)
@click.option(
    "--mast-url",
    envvar="MASTCACHE_MAST_URL",
    help="Base URL of a MAST-compatible server for every service (e.g. the emulator).",
)
@click.option(
    "--snapshot",
    "snapshot_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Serve this command from a .mastsnap snapshot alone, offline.",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logging.")
@click.pass_context
def cli(
    ctx: click.Context,
    cache_dir: str | None,
    mode: str | None,
    mast_url: str | None,
    snapshot_file: str | None,
    debug: bool,
) -> None:
    """mastcache: the MAST archive, offline, fast and reproducible.

    Every command reads and fills the same local cache that the Python API uses.
    """
    from mastcache.runtime import configure

    if ctx.invoked_subcommand in TABLE_COMMANDS:
        from mastcache.cli.lean import defer_pandas_probe

        defer_pandas_probe(*DATASET_COMMANDS.get(ctx.invoked_subcommand, ()))
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    changes: dict[str, Any] = {}
    if cache_dir:
        changes["cache_dir"] = cache_dir
    if mode:
        changes["mode"] = mode
    if mast_url:
        changes["mast_url"] = mast_url
    if debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    configure(**changes)
    if snapshot_file:
        from mastcache.snapshot import replay

        ctx.with_resource(replay(snapshot_file))


def main(argv: list[str] | None = None) -> int:
    """The command line, as a function returning the exit code (:func:`run` is the program):
    one clear line and a non-zero code on errors.

    A user's mistake (bad option, bad value, bad path) is one ``error:`` line, exit 2 for
    usage and 1 otherwise; Ctrl-C is exit 130. Anything unexpected is one line too, naming
    ``--debug``, which shows the full traceback instead.
    """
    args = argv if argv is not None else sys.argv[1:]
    debug = "--debug" in args
    from mastcache.interrupts import finish_interrupt, interruptible, was_interrupted

    try:
        # standalone_mode=False hands back ctx.exit(n) codes instead of exiting
        with interruptible():
            code = cli.main(args=args, prog_name="mastcache", standalone_mode=False)
    except click.exceptions.Abort:  # click's form of Ctrl-C (or of end of input at a prompt)
        click.echo("Interrupted.", err=True)
        return finish_interrupt()
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        return _usage_error(exc)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return finish_interrupt()
    except Exception as exc:
        if not was_interrupted():
            return _fail(_error_line(exc), debug)
        click.echo("Interrupted.", err=True)  # a Ctrl-C a library reported as its error
        return finish_interrupt()
    return code if isinstance(code, int) else 0


def _error_line(exc: Exception) -> str:
    if isinstance(exc, MastCacheError):
        return f"error: {exc}"
    if isinstance(exc, OSError):
        return f"error: {os_error_text(exc)}"
    return (  # a bug: still one line unless --debug
        f"error: unexpected {type(exc).__name__}: {_one_line(str(exc))}; this is a bug in "
        "mastcache: re-run with --debug for the traceback and report it"
    )


def run() -> NoReturn:
    """The ``mastcache`` program (console script, ``python -m mastcache``): :func:`main`,
    then the process ends without the teardown of native libraries
    (:mod:`mastcache.cli.shutdown`)."""
    from mastcache.cli.shutdown import as_program, end_process

    as_program()
    end_process(main())


def os_error_text(exc: OSError) -> str:
    """``Permission denied: /path`` rather than ``[Errno 13] Permission denied: '/path'``."""
    reason = exc.strerror or str(exc)
    return f"{reason}: {exc.filename}" if exc.filename else reason


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(message: str, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    click.echo(_one_line(message), err=True)
    return 1


#: click >= 8.2 raises it for a group called without a command (`mastcache`, `mastcache cache`)
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(exc: click.ClickException) -> int:
    """Click's usage and parameter errors as one line, with where to find help; a group
    called without a command prints its help, as click does."""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, _NO_ARGS_IS_HELP) and ctx is not None:
        click.echo(ctx.get_help())
        return int(exc.exit_code)
    message = _one_line(exc.format_message())
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    click.echo(f"Error: {message}", err=True)  # click's own prefix, on one line
    return exc.exit_code
