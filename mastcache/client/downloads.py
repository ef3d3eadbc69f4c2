"""Downloads with astroquery.mast 0.4.11's names, signatures and manifests, served through
mastcache's product store (:mod:`mastcache.products`): parallel, resumable, verified, and
offline-capable. Each method also takes ``mode=`` and ``link=`` ("copy", the default: files
of your own; "hard": no space, but an in-place edit damages the cache's copy; "symlink").
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from astropy.table import Row, Table, vstack

from mastcache import runtime
from mastcache.client.rules import file_target, unique_products, write_file
from mastcache.errors import (
    InputWarning,
    InvalidQueryError,
    MastCacheError,
    NoResultsWarning,
    RemoteServiceError,
)
from mastcache.policy import Decision, decide_uncached, offline_miss

# mastcache.products (the download engine, its HTTP and cloud stack: ~30 ms) is imported by
# the methods that download: Observations is imported for queries far more often
if TYPE_CHECKING:  # pragma: no cover
    from mastcache.client.context import ClientContext
    from mastcache.products.cloudpaths import CloudLocator
    from mastcache.products.engine import DownloadEngine, ProductRequest
    from mastcache.products.fetch import FileWanted
    from mastcache.products.outcome import DownloadOutcome

__all__ = ["DownloadsMixin"]

_CLOUD_OFF = (
    "Please enable anonymous cloud access by calling `enable_cloud_dataset` method. "
    "Refer to `~astroquery.mast.ObservationsClass.enable_cloud_dataset` documentation "
    "for more info."
)


class DownloadsMixin:
    """``download_products``, ``download_file`` and the cloud URI helpers of Observations."""

    if TYPE_CHECKING:  # provided by ObservationsClass / MastClient

        def context(self) -> ClientContext: ...
        def get_product_list(
            self, observations: Any, *, verbose: bool = False, mode: str | None = None
        ) -> Table: ...
        def filter_products(
            self, products: Table, *, mrp_only: bool = False, extension: Any = None, **f: Any
        ) -> Table: ...
        def query_criteria(
            self, *, pagesize: int | None = None, page: int | None = None, **c: Any
        ) -> Table: ...
        @property
        def cloud_dataset_enabled(self) -> bool: ...
        @property
        def scope(self) -> str: ...

    # -- downloads -----------------------------------------------------------------------

    def download_products(
        self,
        products: Any,
        *,
        download_dir: str | os.PathLike[str] | None = None,
        flat: bool = False,
        cache: bool = True,
        curl_flag: bool = False,
        mrp_only: bool = False,
        cloud_only: bool = False,
        verbose: bool = True,
        link: str = "copy",
        mode: str | None = None,
        **filters: Any,
    ) -> Table | None:
        """Download data products (obsids, or a product Table/Row from get_product_list).

        Files land in ``<download_dir>/mastDownload/<obs_collection>/<obs_id>/`` (or flat),
        linked from the store; a file already stored is never fetched again. Returns
        astroquery's manifest (Local Path, Status COMPLETE/SKIPPED/ERROR, Message, URL), or
        the curl script's manifest with ``curl_flag=True``. With
        :meth:`enable_cloud_dataset`, files come from MAST's public bucket when it holds
        them (anonymous, verified, stored as the same blob), else from MAST; with
        ``cloud_only=True`` those not in the bucket are SKIPPED (astroquery's rule).
        """
        from mastcache.products.manifests import record_manifest
        from mastcache.products.outcome import manifest_table
        from mastcache.products.paths import LAYOUT_ROOT
        from mastcache.products.placement import check_link_kind

        mode = runtime.effective_mode(mode)
        check_link_kind(link)
        table = self._products_table(products, mode)
        table = unique_products(self.filter_products(table, mrp_only=mrp_only, **filters))
        if not len(table):
            warnings.warn("No products to download.", NoResultsWarning, stacklevel=2)
            return None
        folder = os.fspath(download_dir) if download_dir else "."
        if curl_flag:
            if flat:
                warnings.warn("flat=True has no effect on curl downloads.", InputWarning, 2)
            return self._curl_script(table, folder, mode)
        context = self.context()
        record_manifest(context.store, table, context.scope)
        base_dir = folder if flat else os.path.join(folder, LAYOUT_ROOT)
        requests = [_row_request(row, context, base_dir, flat, folder) for row in table]
        engine = context.engine(mode, link, verbose=verbose)
        return manifest_table(self._run(engine, requests, mode, cache, cloud_only))

    def download_file(
        self,
        uri: str,
        *,
        local_path: str | os.PathLike[str] | None = None,
        base_url: str | None = None,
        cache: bool = True,
        cloud_only: bool = False,
        verbose: bool = True,
        link: str = "copy",
        mode: str | None = None,
    ) -> tuple[str, str | None, str | None]:
        """Download one file by its dataURI; returns astroquery's ``(status, msg, url)``."""
        from mastcache.products.engine import ProductRequest
        from mastcache.products.paths import UnsafePathError

        mode = runtime.effective_mode(mode)
        context = self.context()
        base = base_url or context.endpoints.download_file
        data_url = f"{base}?uri={uri}"
        try:
            target = file_target(uri, local_path)
        except UnsafePathError as exc:
            return "ERROR", str(exc), data_url
        wanted = self._wanted_by_uri(uri, context.endpoints.download_url(uri, base))
        request = ProductRequest(wanted, target, data_url)
        engine = context.engine(mode, link, verbose=verbose)
        outcome = self._run(engine, [request], mode, cache, cloud_only)[0]
        return outcome.status, outcome.message, outcome.url

    def _run(
        self,
        engine: DownloadEngine,
        requests: Sequence[ProductRequest],
        mode: str,
        cache: bool,
        cloud_only: bool,
    ) -> list[DownloadOutcome]:
        """The engine's outcomes; from MAST's public bucket first when cloud is enabled."""
        if not self.cloud_dataset_enabled:
            return engine.run(requests, cache=cache)
        from mastcache.products.clouddownload import run_preferring_cloud

        context = self.context()
        return run_preferring_cloud(
            engine, requests, self._locator(mode), context.endpoints,
            cache=cache, cloud_only=cloud_only,
        )  # fmt: skip

    def _locator(self, mode: str) -> CloudLocator:
        from mastcache.products.cloudpaths import CloudLocator

        context = self.context()
        return CloudLocator(context.store, context.files, mode)

    def _wanted_by_uri(self, uri: str, url: str) -> FileWanted:
        """The file to fetch, with MAST's size and checksum when a stored product list names
        ``uri`` (so a wrong body is refused even when HEAD and GET agree on it)."""
        from mastcache.products.fetch import FileWanted

        store = self.context().store
        with store.unit_of_work(read_only=True) as uow:
            known = uow.products.for_uri(uri, self.scope)
        if known is None:
            return FileWanted(uri, url)
        size = known.size if known.size is not None and known.size > 0 else None
        return FileWanted(uri, url, size, known.checksum)

    # -- cloud ---------------------------------------------------------------------------

    def get_cloud_uris(
        self,
        data_products: Any = None,
        *,
        include_bucket: bool = True,
        full_url: bool = False,
        pagesize: int | None = None,
        page: int | None = None,
        mrp_only: bool = False,
        extension: Any = None,
        filter_products: dict[str, Any] | None = None,
        return_uri_map: bool = False,
        verbose: bool = True,
        mode: str | None = None,
        **criteria: Any,
    ) -> list[str] | dict[str, str | None] | None:
        """Cloud URIs (``s3://stpubdata/...``) of products: MAST's path_lookup, then an
        anonymous HEAD in the bucket (as astroquery), each looked up once and stored, so
        they are answered offline too."""
        self._require_cloud()
        mode = runtime.effective_mode(mode)
        uris = self._cloud_candidates(
            data_products, pagesize, page, mrp_only, extension, filter_products or {}, criteria
        )
        if uris is None:
            return None
        if not uris:
            warnings.warn(
                "No matching products to fetch associated cloud URIs.", NoResultsWarning, 2
            )
            return None
        found = self._cloud_uri_list(uris, include_bucket, full_url, verbose, mode)
        if return_uri_map:
            return dict(zip(uris, found, strict=True))
        return [uri for uri in found if uri is not None]

    def get_cloud_uri(
        self,
        data_product: Any,
        *,
        include_bucket: bool = True,
        full_url: bool = False,
        mode: str | None = None,
    ) -> str | None:
        """The cloud URI of one product (a Row or a dataURI), or None with a warning."""
        self._require_cloud()
        mode = runtime.effective_mode(mode)
        uri = str(data_product if isinstance(data_product, str) else data_product["dataURI"])
        found = self._cloud_uri_list([uri], include_bucket, full_url, True, mode)[0]
        if found is None:
            shown = [uri] if isinstance(data_product, str) else data_product  # as astroquery
            warnings.warn(f"Unable to locate file {shown}.", NoResultsWarning, stacklevel=2)
        return found

    # -- internals -----------------------------------------------------------------------

    def _products_table(self, products: Any, mode: str) -> Table:
        """A product Table from a Table, a Row, or one or more obsids (astroquery's rules)."""
        if isinstance(products, Row):
            return Table(products, masked=True)
        if isinstance(products, Table):
            return products
        obsids = [products] if isinstance(products, (str, int, np.integer)) else list(products)
        if not obsids:
            raise InvalidQueryError("Observation list is empty, no associated products.")
        tables = [self.get_product_list(obsid, mode=mode) for obsid in obsids]
        stacked: Table = (
            vstack(tables, metadata_conflicts="silent") if len(tables) > 1 else tables[0]
        )
        return stacked

    def _curl_script(self, products: Table, folder: str, mode: str) -> Table:
        """astroquery's curl manifest: MAST's bundle script saved as mastDownload_<time>.sh."""
        path = os.path.join(folder, f"mastDownload_{time.strftime('%Y%m%d%H%M%S')}.sh")
        status, message = "COMPLETE", None
        try:
            script = self._bundle_script([str(uri) for uri in products["dataURI"]], mode)
            write_file(path, script)
        except MastCacheError as exc:
            status, message = "ERROR", f"Curl could not be downloaded: {exc}"
        return Table({"Local Path": [path], "Status": [status], "Message": [message]})

    def _bundle_script(self, uris: Sequence[str], mode: str) -> bytes:
        if decide_uncached(mode) is Decision.MISS_ERROR:
            raise offline_miss(
                f"the curl script of {len(uris)} products (Download/bundle.sh)",
                "made by MAST and never cached",
            )
        return self.context().files.bundle_script(uris)

    def _require_cloud(self) -> None:
        if not self.cloud_dataset_enabled:
            raise RemoteServiceError(_CLOUD_OFF)

    def _cloud_candidates(
        self,
        data_products: Any,
        pagesize: int | None,
        page: int | None,
        mrp_only: bool,
        extension: Any,
        filters: dict[str, Any],
        criteria: dict[str, Any],
    ) -> list[str] | None:
        """The dataURIs to look up (astroquery's rules); None when a query found nothing."""
        if data_products is None:
            if not criteria:
                raise InvalidQueryError(
                    "Please provide either a `~astropy.table.Table` of data products or "
                    "query criteria."
                )
            observations = self.query_criteria(pagesize=pagesize, page=page, **criteria)
            if not len(observations):
                return None
            data_products = self.get_product_list(observations)
        if isinstance(data_products, Table):
            chosen = self.filter_products(
                data_products, mrp_only=mrp_only, extension=extension, **filters
            )
            return list(dict.fromkeys(str(uri) for uri in chosen["dataURI"]))
        if filters or extension or mrp_only:
            warnings.warn(
                "Filtering is not supported when providing a list of MAST URIs. To apply "
                "filters, please provide query criteria or a table of data products as "
                "returned by `Observations.get_product_list`",
                InputWarning,
                stacklevel=3,
            )
        return list(dict.fromkeys(str(uri) for uri in data_products))

    def _cloud_uri_list(
        self, uris: Sequence[str], include_bucket: bool, full_url: bool, verbose: bool, mode: str
    ) -> list[str | None]:
        """astroquery's cloud URI per URI (None, with its warnings, when not in the bucket)."""
        from mastcache.products import cloud

        records = self._locator(mode).locate(uris)
        found: list[str | None] = []
        for uri in uris:
            record = records[uri]
            path = record.path if record.in_cloud else None
            if record.path is None and verbose:
                warnings.warn(
                    f"Failed to retrieve MAST relative path for {uri}. Skipping...",
                    NoResultsWarning,
                    stacklevel=4,
                )
            elif path is None and verbose:
                warnings.warn(
                    f"Unable to locate file {record.path}.", NoResultsWarning, stacklevel=4
                )
            found.append(cloud.cloud_uri(path, include_bucket=include_bucket, full_url=full_url))
        return found


def _row_request(
    row: Row, context: ClientContext, base_dir: str, flat: bool, root: str
) -> ProductRequest:
    """The request for one product row; an unsafe name makes a refused request."""
    from mastcache.products.engine import ProductRequest
    from mastcache.products.fetch import FileWanted
    from mastcache.products.manifests import product_checksum, product_size, row_dict
    from mastcache.products.paths import UnsafePathError, layout_path

    values = row_dict(row)
    uri = str(values.get("dataURI") or "")
    endpoints = context.endpoints
    wanted = FileWanted(
        uri, endpoints.download_url(uri), product_size(values), product_checksum(values)
    )
    data_url = f"{endpoints.download_file}?uri={uri}"
    try:
        local = layout_path(
            base_dir,
            values.get("obs_collection"),
            values.get("obs_id"),
            values.get("productFilename"),
            flat=flat,
        )
    except UnsafePathError as exc:
        return ProductRequest(wanted, "", data_url, refusal=str(exc))
    return ProductRequest(wanted, local, data_url, root=root)
