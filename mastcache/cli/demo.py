"""``mastcache demo``: a realistic session against the bundled emulator, no network needed."""

from __future__ import annotations

from pathlib import Path

import click

from mastcache.demo import DemoReport, PhaseResult, run_demo

__all__ = ["demo"]

_EXPLORE = "SELECT obs_collection, count(*) AS n FROM observations GROUP BY 1 ORDER BY n DESC"


def _demo_dir(ctx: click.Context) -> Path:
    """The user's --cache-dir/MASTCACHE_DIR if given, else a 'demo' cache beside the default.

    Emulator answers must not mix with real MAST answers in the user's everyday cache.
    """
    from mastcache.runtime import current_settings

    root = ctx.find_root()
    source = root.get_parameter_source("cache_dir")
    cache_dir = current_settings().cache_dir
    if source in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT):
        return cache_dir
    return cache_dir / "demo"


def _print_phase(phase: PhaseResult) -> None:
    click.secho(f"\n{phase.name} ({phase.mode}): {phase.seconds * 1000:.0f} ms", bold=True)
    for step in phase.steps:
        click.echo(
            f"  {step.name:<32} {step.rows:>7} rows  {step.source:<8} {step.seconds * 1000:8.1f} ms"
        )


def _print_summary(report: DemoReport) -> None:
    cold = report.phase("cold")
    click.secho("\nsummary", bold=True)
    click.echo(f"  cold: {cold.count('network')} of {len(cold.steps)} calls from the network")
    for name in ("warm", "offline"):
        phase = report.phase(name)
        local = phase.count("cache") + phase.count("store")
        click.echo(
            f"  {name}: {local} of {len(phase.steps)} calls from the cache, "
            f"{phase.count('network')} from the network, "
            f"{report.speedup(name):.0f}x faster than cold"
        )
    if report.snapshot is not None:
        click.echo(f"  snapshot: {report.snapshot} (verified; replay it anywhere, offline)")
    click.echo(f"\nThe cache is in {report.cache_dir}. Explore it with:")
    click.echo(f'  mastcache --cache-dir "{report.cache_dir}" sql "{_EXPLORE}"')


@click.command()
@click.option("--latency-ms", default=20, show_default=True, help="Emulated network latency.")
@click.pass_context
def demo(ctx: click.Context, latency_ms: int) -> None:
    """Run a realistic MAST session against the bundled emulator: cold, warm, then offline.

    Needs no network and no arguments. Prints where every answer came from and how long
    each phase took, and leaves the cache behind for `mastcache sql`.
    """
    cache_dir = _demo_dir(ctx)
    click.echo(f"mastcache demo: emulator on 127.0.0.1, cache in {cache_dir}")
    report = run_demo(cache_dir, latency_ms=latency_ms, progress=_print_phase)
    _print_summary(report)
