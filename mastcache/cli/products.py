"""``mastcache products`` and ``mastcache download``: observation products from the shell.

Thin layers over :data:`mastcache.Observations` (``get_product_list``, ``filter_products``,
``download_products``); product lists and files land in the same cache the Python API reads.
"""

from __future__ import annotations

from typing import Any

import click

from mastcache.cli.auth import account_option
from mastcache.cli.output import emit_table, format_options

__all__ = ["download", "products"]


def _filters(mrp_only: bool, product_type: tuple[str, ...], extension: tuple[str, ...]) -> Any:
    filters: dict[str, Any] = {"mrp_only": mrp_only}
    if product_type:
        filters["productType"] = list(product_type)
    if extension:
        filters["extension"] = list(extension)
    return filters


def _make_download_dir(directory: str) -> None:
    """Create ``--dir`` first, so a folder that cannot be made fails before any work."""
    from pathlib import Path

    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise click.BadParameter(
            f"{directory!r} cannot be created: {exc.strerror or exc}", param_hint="'--dir'"
        ) from None


_MRP = click.option("--mrp-only", is_flag=True, help="Only Minimum Recommended Products.")
_TYPE = click.option(
    "--product-type",
    multiple=True,
    metavar="T",
    help="Keep products of this productType (SCIENCE, PREVIEW, AUXILIARY...). Repeatable.",
)
_EXTENSION = click.option(
    "--extension",
    multiple=True,
    metavar="E",
    help="Keep files whose name ends with E (e.g. fits, _lc.fits). Repeatable.",
)


@click.command()
@account_option("Observations")
@click.argument("obsids", nargs=-1, required=True)
@_MRP
@_TYPE
@_EXTENSION
@format_options
def products(
    obsids: tuple[str, ...],
    mrp_only: bool,
    product_type: tuple[str, ...],
    extension: tuple[str, ...],
    fmt: str,
    output: str | None,
) -> None:
    """List the products of observations OBSIDS (the obsid column, not obs_id).

    Example: mastcache products 2003520266 --mrp-only --extension fits
    """
    from mastcache.client import Observations

    table = Observations.get_product_list(list(obsids))
    chosen = Observations.filter_products(table, **_filters(mrp_only, product_type, extension))
    emit_table(chosen, fmt, output)


@click.command()
@account_option("Observations")
@click.argument("obsids", nargs=-1, required=True)
@click.option(
    "--dir",
    "directory",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder to download into (files go to DIR/mastDownload/<mission>/<obs_id>/).",
)
@click.option("--flat", is_flag=True, help="Put every file directly in DIR.")
@_MRP
@_TYPE
@_EXTENSION
@click.option(
    "--link",
    type=click.Choice(["copy", "hard", "symlink"]),
    default="copy",
    show_default=True,
    help="How files are placed from the cache: copy (a clone where the file system can) is "
    "yours to edit; hard links cost no space but share the cache's bytes, so editing one "
    "damages the cache.",
)
@format_options
@click.pass_context
def download(
    ctx: click.Context,
    obsids: tuple[str, ...],
    directory: str,
    flat: bool,
    mrp_only: bool,
    product_type: tuple[str, ...],
    extension: tuple[str, ...],
    link: str,
    fmt: str,
    output: str | None,
) -> None:
    """Download the products of observations OBSIDS into DIR and print the manifest.

    Files already in the cache are linked without any network access (offline too).
    Exits with status 1 when any product could not be delivered.

    Example: mastcache download 2003520266 --dir data --mrp-only --extension fits
    """
    from mastcache.client import Observations

    _make_download_dir(directory)
    manifest = Observations.download_products(
        list(obsids),
        download_dir=directory,
        flat=flat,
        link=link,
        **_filters(mrp_only, product_type, extension),
    )
    if manifest is None:
        click.echo("No products to download.", err=True)
        ctx.exit(1)
    emit_table(manifest, fmt, output)
    failed = sum(str(status) == "ERROR" for status in manifest["Status"])
    if failed:
        click.echo(f"{failed} of {len(manifest)} product(s) failed; see Message.", err=True)
        ctx.exit(1)
