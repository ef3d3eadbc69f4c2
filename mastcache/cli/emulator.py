"""``mastcache emulator``: run the bundled MAST emulator on this machine."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

__all__ = ["emulator"]

FAULTS_HELP = (
    "Fault rule ROUTE=KIND[:count=N|:rate=P][:after=N][:retry_after=S][:delay=S]; repeatable "
    "(after=N: N requests pass first). KIND is 500, 503, slowdown (S3 throttling), slow, "
    "truncate, invalid-json, wrong-length, reset or "
    "trickle. Example: '/api/v0/invoke=503:count=2' or '/stpubdata/*=slowdown:rate=0.1'."
)


@click.group()
def emulator() -> None:
    """Run the bundled MAST emulator (no network needed)."""


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=0,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@click.option("--latency-ms", type=click.IntRange(0), help="Delay added to every request (ms).")
@click.option(
    "--rows", type=click.IntRange(0, 1_000_000), help="Make every cone return this many rows."
)
@click.option(
    "--executing-polls",
    type=click.IntRange(0),
    help="Portal answers EXECUTING this many times first.",
)
@click.option("--faults", "faults", multiple=True, metavar="SPEC", help=FAULTS_HELP)
@click.option("--seed", type=int, help="Seed of the synthetic sky (default 20240101).")
@click.option(
    "--cloud-missing",
    multiple=True,
    metavar="GLOB",
    help="Leave files matching GLOB (e.g. '*_trl.fits') out of the S3 bucket; repeatable.",
)
@click.option(
    "--sky-epoch",
    type=click.IntRange(0, 50),
    help="Move the sky N epochs forward in time: new visits, withdrawn observations, revised "
    "metadata, reprocessed products (default 0, today's sky).",
)
@click.option(
    "--prerendered-mb",
    type=click.IntRange(0, 1 << 16),
    help="Keep up to N MB of rendered Portal result pages and serve them again byte for "
    "byte (default 0, off): benchmarks measure the client, not the emulator's CPU.",
)
def serve(
    host: str,
    port: int,
    latency_ms: int | None,
    rows: int | None,
    executing_polls: int | None,
    faults: tuple[str, ...],
    seed: int | None,
    cloud_missing: tuple[str, ...],
    sky_epoch: int | None,
    prerendered_mb: int | None,
) -> None:
    """Serve the emulator, print its base URL, and run until Ctrl-C.

    Point mastcache at it with --mast-url URL (or MASTCACHE_MAST_URL), or stock astroquery
    with its [mast] server setting plus HTTP_PROXY=URL for the name resolver. The public S3
    bucket stpubdata is served path-style at URL too (AWS_ENDPOINT_URL=URL for boto3).
    """
    from mastcache.emulator import EmulatorConfig, start

    options = {
        "latency_ms": latency_ms,
        "rows": rows,
        "executing_polls": executing_polls,
        "seed": seed,
        "cloud_missing": cloud_missing or None,
        "sky_epoch": sky_epoch,
        "prerendered_mb": prerendered_mb,
    }
    changes = {k: v for k, v in options.items() if v is not None}
    config = EmulatorConfig().new(**changes, faults=",".join(faults) or None)
    try:
        server = start(host, port, config)
    except OSError as exc:
        raise click.BadParameter(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another port, "
            "or --port 0 for a free one",
            param_hint="'--host' / '--port'",
        ) from None
    click.echo(server.url)
    click.echo("MAST emulator running; press Ctrl-C to stop.", err=True)
    try:
        _wait_for_stop()
    finally:
        server.stop()
        click.echo("MAST emulator stopped.", err=True)


def _wait_for_stop() -> None:
    """Block until Ctrl-C (SIGINT) or SIGTERM.

    Both signals only set an event: a KeyboardInterrupt raised at an arbitrary point (in
    the middle of shutting the server down, say) is exactly what this avoids.
    """
    stopped = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopped.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
