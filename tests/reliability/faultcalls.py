"""The emulator's route kinds and one mastcache call per kind, for the fault matrix.

Each call returns a comparable value (a table digest, coordinates, a file's sha256), so a result
after retries can be checked against the fault-free answer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from astropy.coordinates import SkyCoord
from reliability.tabledigest import table_digest

from mastcache.client import CatalogsClass, MastMissionsClass, ObservationsClass, TesscutClass
from mastcache.errors import MastCacheError

__all__ = ["FAULT_KINDS", "ROUTES", "Call", "RouteKind"]

FAULT_KINDS = ("500", "503", "slow", "truncate", "invalid-json", "wrong-length", "reset", "trickle")
POSITION = "10.68 41.27"
T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """What one call gave: a comparable ``value``, whether it came from the cache, and for
    downloads the URI it stored (or not)."""

    value: Any
    source: str | None = None
    uri: str | None = None


@dataclass(frozen=True)
class RouteKind:
    """A route of the emulator (a fault-plan glob) and the mastcache call that crosses it."""

    route: str
    call: Callable[[Path], Call]
    #: whether results of this call are cached as query rows (stale-if-error applies)
    is_query: bool = True
    #: what must be in the cache before the faulted call (made without faults)
    prepare: Callable[[Path], None] | None = None


@contextmanager
def built(cls: type[T], *args: Any, **kwargs: Any) -> Iterator[T]:
    """A client for one call, its sessions and store closed afterwards."""
    client = cls(*args, **kwargs)
    try:
        yield client
    finally:
        for services in getattr(client, "_built", ()):
            services.close()


def _table_call(table: Any) -> Call:
    return Call(table_digest(table), table.meta.get("mastcache", {}).get("source"))


def portal_cone(folder: Path) -> Call:
    with built(ObservationsClass) as client:
        return _table_call(client.query_region(POSITION, radius=0.05))


def resolve(folder: Path) -> Call:
    with built(ObservationsClass) as client:
        found = client.resolve_object("M31")
    assert isinstance(found, SkyCoord), found  # one name: one position (not a dict of them)
    return Call([round(float(found.ra.deg), 9), round(float(found.dec.deg), 9)])  # JSON-safe


def list_products(folder: Path) -> None:
    """Before any fault: the cone and product listing the download step reads from the cache."""
    with built(ObservationsClass) as client:
        products = client.get_product_list(client.query_region(POSITION, radius=0.05)[:1])
    (folder / "uri.txt").write_text(str(products["dataURI"][0]))


def download(folder: Path) -> Call:
    """The first product of one observation (listed by :func:`list_products`)."""
    uri = (folder / "uri.txt").read_text()
    with built(ObservationsClass) as client:
        status, message, _ = client.download_file(uri, local_path=folder / "product.fits")
    if status != "COMPLETE":
        raise DownloadFailed(f"{status}: {message}")
    return Call(hashlib.sha256((folder / "product.fits").read_bytes()).hexdigest(), uri=uri)


def download_listed(folder: Path) -> Call:
    """The same product through download_products, from its listed row (size known)."""
    with built(ObservationsClass) as client:
        products = client.get_product_list(client.query_region(POSITION, radius=0.05)[:1])
        row = products[products["dataURI"] == (folder / "uri.txt").read_text()]
        manifest = client.download_products(row, download_dir=folder / "dl", verbose=False)
    if manifest is None or manifest["Status"][0] != "COMPLETE":
        raise DownloadFailed(
            f"{manifest and manifest['Status'][0]}: {manifest and manifest['Message'][0]}"
        )
    data = Path(str(manifest["Local Path"][0])).read_bytes()
    return Call(hashlib.sha256(data).hexdigest(), uri=str(row["dataURI"][0]))


class DownloadFailed(MastCacheError):
    """download_file's ``ERROR`` status, as an exception (astroquery returns it instead)."""


def missions(folder: Path) -> Call:
    with built(MastMissionsClass, mission="hst") as client:
        return _table_call(client.query_region(POSITION, radius=3))


def panstarrs(folder: Path) -> Call:
    with built(CatalogsClass) as client:
        return _table_call(client.query_region(POSITION, radius=0.01, catalog="Panstarrs"))


def tess_sectors(folder: Path) -> Call:
    with built(TesscutClass) as client:
        return _table_call(client.get_sectors(coordinates=POSITION))


ROUTES: dict[str, RouteKind] = {
    "portal-invoke": RouteKind("/api/v0/invoke", portal_cone),
    "columnsconfig": RouteKind("/portal/Mashup/Mashup.asmx/columnsconfig", portal_cone),
    "resolver": RouteKind("/Santa-war/query", resolve),
    "download": RouteKind(
        "/api/v0.1/Download/file", download, is_query=False, prepare=list_products
    ),
    "download-listed": RouteKind(
        "/api/v0.1/Download/file", download_listed, is_query=False, prepare=list_products
    ),
    "search-api": RouteKind("/search/*", missions),
    "panstarrs": RouteKind("/api/v0.1/panstarrs/*", panstarrs),
    "tesscut": RouteKind("/tesscut/*", tess_sectors),
}
