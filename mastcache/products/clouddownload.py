"""Downloads that prefer MAST's public bucket (``stpubdata``), as astroquery 0.4.11 does with
``enable_cloud_dataset()``, through the same download engine as HTTPS downloads.

A product of a mission MAST mirrors (:func:`mastcache.products.cloud.is_supported`) whose
object the bucket holds (:class:`~mastcache.products.cloudpaths.CloudLocator`) is fetched with
anonymous, ranged and resumable GETs of its path-style bucket URL; the engine verifies it
against MAST's size and checksum (and the object's Content-Length) and stores it under its
dataURI, so a file from S3 or from HTTPS is the same content-addressed blob. What the bucket
cannot give is fetched from MAST's HTTPS download service, unless ``cloud_only``: then the
row is SKIPPED, as astroquery reports it. A product of a mission
without cloud copies always comes over HTTPS. Without ``cloud_only``, a file already in the store is
served from it in cache-first and offline modes with no lookup and no request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from mastcache.net.endpoints import Endpoints
from mastcache.products import cloud
from mastcache.products.cloudpaths import CloudLocator
from mastcache.products.engine import DownloadEngine, ProductRequest
from mastcache.products.fetch import FileFetcher
from mastcache.products.outcome import DownloadOutcome

__all__ = ["CloudPlan", "cloud_plans", "run_preferring_cloud", "skipped"]

log = logging.getLogger("mastcache")


def skipped(request: ProductRequest) -> DownloadOutcome:
    """astroquery's manifest row for a file skipped with ``cloud_only=True``: its would-be
    local path (nothing is written there), no message, no URL."""
    return DownloadOutcome(request.local_path, "SKIPPED", None, None)


@dataclass(frozen=True)
class CloudPlan:
    """What the bucket offers for one request."""

    #: The request with its bucket URL, or None when the bucket has no copy to offer.
    variant: ProductRequest | None
    #: Whether the bucket is known not to hold it (a supported product, looked up, absent).
    absent: bool


def cloud_plans(
    requests: Sequence[ProductRequest],
    locator: CloudLocator,
    endpoints: Endpoints,
    stored: Callable[[str], bool] = lambda uri: False,
) -> list[CloudPlan]:
    """One plan per request. A product ``stored`` says the store will serve, or (offline)
    one never looked up, has neither a variant nor a known absence: the engine serves it from
    the store (or reports it missing) with no lookup at all."""
    uris = [r.wanted.uri for r in requests if r.refusal is None]
    uris = [uri for uri in uris if cloud.is_supported(uri) and not stored(uri)]
    records = locator.locate(uris, required=False) if uris else {}
    plans: list[CloudPlan] = []
    for request in requests:
        record = records.get(request.wanted.uri) if request.refusal is None else None
        if record is None:
            plans.append(CloudPlan(None, absent=False))
        elif not record.in_cloud or record.path is None:
            plans.append(CloudPlan(None, absent=True))
        else:
            url = endpoints.cloud_object(record.path)
            wanted = replace(request.wanted, url=url, size=request.wanted.size or record.size)
            plans.append(CloudPlan(replace(request, wanted=wanted), absent=False))
    return plans


def run_preferring_cloud(
    engine: DownloadEngine,
    requests: Sequence[ProductRequest],
    locator: CloudLocator,
    endpoints: Endpoints,
    *,
    cache: bool = True,
    cloud_only: bool = False,
) -> list[DownloadOutcome]:
    """One outcome per request, in order: from the bucket when it can, else as described."""
    # cloud_only must know what the bucket lacks even for stored files (astroquery skips them)
    stored = _served_from_store(engine, cache and not cloud_only)
    plans = cloud_plans(requests, locator, endpoints, stored)
    outcomes: dict[int, DownloadOutcome] = {}
    runnable: list[int] = []
    for index, (request, plan) in enumerate(zip(requests, plans, strict=True)):
        if plan.absent and cloud_only:
            log.warning("Unable to locate file %s in the cloud. Skipping...", request.wanted.uri)
            outcomes[index] = skipped(request)
        else:
            runnable.append(index)
    first = [plans[i].variant or requests[i] for i in runnable]
    retry: list[int] = []
    ran = engine.run(first, cache=cache) if first else []
    for index, outcome in zip(runnable, ran, strict=True):
        outcomes[index] = outcome
        if plans[index].variant is None:
            continue
        if outcome.status != "ERROR":
            source = "cloud" if outcome.source == "network" else outcome.source
            outcomes[index] = replace(outcome, source=source)
            continue
        if engine.mode == "offline":
            continue  # nothing was fetched: the offline miss stands, from either source
        log.warning("Error pulling from S3 bucket: %s", outcome.message)
        if cloud_only:
            log.warning("Skipping file...")
            outcomes[index] = skipped(requests[index])
        else:
            log.warning("Falling back to mast download...")
            retry.append(index)
    if retry:
        again = engine.run([requests[i] for i in retry], cache=cache)
        outcomes.update(zip(retry, again, strict=True))
    return [outcomes[i] for i in range(len(requests))]


def _served_from_store(engine: DownloadEngine, cache: bool) -> Callable[[str], bool]:
    """Whether the engine will serve a URI from the store without asking MAST (cache-first
    and offline use a usable stored copy as it is), so its cloud place need not be known."""
    if not cache or engine.mode not in ("cache-first", "offline"):
        return lambda uri: False
    fetcher = FileFetcher(engine.store, engine.gateway)
    return lambda uri: fetcher.usable_record(uri) is not None
