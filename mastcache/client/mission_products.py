"""Products of Search API datasets: listing, filtering and downloading (astroquery 0.4.11's
``MastMissions.get_product_list`` ... ``download_products``; MAST_PROTOCOL.md section 5).

Product lists are stored through the archive (kind ``products``); files go through the
product store and download engine of :mod:`mastcache.products`, so a file fetched once is
linked from the store afterwards, offline included.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from astropy.table import Column, Row, Table, vstack

from mastcache import runtime
from mastcache.auth.account import ANONYMOUS
from mastcache.auth.tokens import TOKEN_PAGE
from mastcache.client.core import bypasses_http_cache
from mastcache.client.products import column_filter_mask
from mastcache.client.rules import file_target, unique_products
from mastcache.errors import InvalidQueryError, NoResultsWarning
from mastcache.products.engine import DownloadEngine, ProductRequest
from mastcache.products.fetch import FileWanted
from mastcache.products.manifests import product_size, row_dict
from mastcache.products.outcome import DownloadOutcome, manifest_table
from mastcache.products.paths import LAYOUT_ROOT, UnsafePathError, safe_component, safe_filename

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.client.context import ClientContext

__all__ = ["MissionProductsMixin"]

log = logging.getLogger("mastcache")

#: Missions whose files come from their own ``retrieve_product`` endpoint.
_RETRIEVE_MISSIONS = ("hst", "jwst", "roman")
_BATCH = 1000
#: How a refused download's message (transport ``HTTPStatusError``) names HTTP 401.
_UNAUTHORIZED = "answered HTTP 401"


class MissionProductsMixin:
    """Product methods of :class:`~mastcache.client.missions.MastMissionsClass`."""

    if TYPE_CHECKING:  # provided by MastMissionsClass / MastClient
        mission: str

        def context(self) -> ClientContext: ...
        def get_dataset_kwd(self) -> str | None: ...
        def _cached_table(self, *args: Any, **kwargs: Any) -> Table: ...
        @property
        def scope(self) -> str: ...

    def get_product_list(self, datasets: Any, *, mode: str | None = None) -> Table | None:
        """Products of dataset ids (a string, list, Column, or query result Row/Table)."""
        ids = self._dataset_ids(datasets)
        if ids is None:
            return None
        mode = runtime.effective_mode(mode)
        mission = self.mission

        def fetch() -> Table:
            refresh = bypasses_http_cache(mode)
            gateway = self.context().services
            products = []
            for start in range(0, len(ids), _BATCH):
                body = {"dataset_ids": ids[start : start + _BATCH]}
                products += gateway.mission_products(mission, body, force_refresh=refresh)
            return Table(products)

        service = f"search/{mission}/post_list_products"
        return self._cached_table(service, {"dataset_ids": ids}, "products", fetch, mode)

    def get_unique_product_list(self, datasets: Any, *, mode: str | None = None) -> Table:
        """Like :meth:`get_product_list`, keeping the first product of each filename."""
        products = self.get_product_list(datasets, mode=mode)
        if products is None:
            raise InvalidQueryError(
                f"cannot list products: the mission {self.mission!r} has no known dataset id "
                "column; pass dataset ids as strings instead of a Table or Row"
            )
        unique = unique_products(products, "filename")
        if len(unique) < len(products):
            log.info("To return all products, use `MastMissions.get_product_list`")
        return unique

    def filter_products(
        self, products: Table, *, extension: str | Iterable[str] | None = None, **filters: Any
    ) -> Table:
        """Rows of a product Table matching every filter (astroquery's semantics).

        ``extension`` keeps file names ending so; each other keyword is a column with one
        or more values (OR), ``!`` excludes, numeric columns take ``"100..1000"``, ``">=5"``.
        """
        mask = np.full(len(products), True, dtype=bool)
        if extension:
            endings = [extension] if isinstance(extension, str) else list(extension)
            names = products["filename"]
            mask &= np.array([_ends_with(name, endings) for name in names], dtype=bool)
        mask &= column_filter_mask(products, filters)
        chosen: Table = products[mask]
        return chosen

    def download_file(
        self,
        uri: str,
        *,
        local_path: str | os.PathLike[str] | None = None,
        cache: bool = True,
        verbose: bool = True,
        link: str = "copy",
        mode: str | None = None,
    ) -> tuple[str, str | None, str | None]:
        """Download one product by its URI; returns astroquery's ``(status, msg, url)``."""
        try:
            target = file_target(uri, local_path, style="missions")
        except UnsafePathError as exc:
            return "ERROR", str(exc), self._product_url(uri, escaped=False)
        request = self._request(uri, target, None, None)
        outcome = self._run(self._engine(mode, link, verbose), [request], cache)[0]
        return outcome.status, outcome.message, outcome.url

    def download_products(
        self,
        products: Any,
        *,
        download_dir: str | os.PathLike[str] | None = None,
        flat: bool = False,
        cache: bool = True,
        extension: str | Iterable[str] | None = None,
        verbose: bool = True,
        link: str = "copy",
        mode: str | None = None,
        **filters: Any,
    ) -> Table | None:
        """Download products (dataset ids, or a product Table/Row) into
        ``<download_dir>/mastDownload/<mission>/<dataset>/`` (or flat); returns the manifest
        (Local Path, Status, Message, URL)."""
        table = self._products_table(products, mode)
        table = unique_products(
            self.filter_products(table, extension=extension, **filters), "filename"
        )
        if not len(table):
            warnings.warn("No products to download.", NoResultsWarning, stacklevel=2)
            return None
        folder = os.fspath(download_dir or ".")
        base_dir = folder if flat else os.path.join(folder, LAYOUT_ROOT, self.mission)
        requests = [self._row_request(row, base_dir, flat, folder) for row in table]
        return manifest_table(self._run(self._engine(mode, link, verbose), requests, cache))

    # -- internals -----------------------------------------------------------------------

    def _dataset_ids(self, datasets: Any) -> list[str] | None:
        """astroquery's dataset id rules: unique, non-empty ids (sorted, for one cache key)."""
        if isinstance(datasets, Table | Row):
            keyword = self.get_dataset_kwd()
            if not keyword:
                log.warning(
                    "Please input dataset IDs as a string, list of strings, or "
                    "`~astropy.table.Column`."
                )
                return None
            values = _column_values(datasets, keyword)
        elif isinstance(datasets, Column):
            values = datasets.tolist()
        elif isinstance(datasets, str):
            values = [datasets]
        elif isinstance(datasets, list):
            values = datasets
        else:
            raise TypeError(
                "Unsupported data type for `datasets`. Expected string, list of strings, "
                "Astropy Row, Astropy Column, or Astropy Table."
            )
        ids = sorted({str(v).strip() for v in values if v and str(v).strip()})
        if not ids:
            raise InvalidQueryError("Dataset list is empty, no associated products.")
        return ids

    def _products_table(self, products: Any, mode: str | None) -> Table:
        if isinstance(products, str | list):
            ids = [products] if isinstance(products, str) else products
            tables = [self.get_product_list(i, mode=mode) for i in ids]
            stacked: Table = vstack(
                [t for t in tables if t is not None], metadata_conflicts="silent"
            )
            return stacked
        if isinstance(products, Row):
            return Table(products, masked=True)
        return products

    def _product_url(self, uri: str, *, escaped: bool) -> str:
        """Where a product is fetched (quoted) or reported (as given), per mission."""
        mission = self.mission if self.mission in _RETRIEVE_MISSIONS else None
        return self.context().endpoints.mission_product_url(mission, uri, escaped=escaped)

    def _request(
        self, uri: str, local_path: str, size: int | None, root: str | None
    ) -> ProductRequest:
        identity = (
            f"mast:search/{self.mission}/{uri}" if self.mission in _RETRIEVE_MISSIONS else uri
        )
        wanted = FileWanted(identity, self._product_url(uri, escaped=True), size)
        return ProductRequest(wanted, local_path, self._product_url(uri, escaped=False), root=root)

    def _row_request(self, row: Row, base_dir: str, flat: bool, root: str) -> ProductRequest:
        values = row_dict(row)
        uri = str(values.get("uri") or "")
        try:
            folder = (
                base_dir
                if flat
                else os.path.join(base_dir, safe_component(values.get("dataset"), "dataset id"))
            )
            local = os.path.join(folder, safe_filename(Path(str(values.get("filename"))).name))
        except UnsafePathError as exc:
            return ProductRequest(
                FileWanted(uri, ""), "", self._product_url(uri, escaped=False), refusal=str(exc)
            )
        return self._request(uri, local, product_size(values), root)

    def _run(
        self, engine: DownloadEngine, requests: list[ProductRequest], cache: bool
    ) -> list[DownloadOutcome]:
        """Run the downloads; each refused with HTTP 401 is logged as astroquery does
        (missions.py ``download_file``): an auth warning, and the row's status stays ERROR."""
        outcomes = engine.run(requests, cache=cache)
        for outcome in outcomes:
            if outcome.status == "ERROR" and _UNAUTHORIZED in (outcome.message or ""):
                log.warning(_unauthorized_message(outcome.url, self.scope != ANONYMOUS))
        return outcomes

    def _engine(self, mode: str | None, link: str, verbose: bool) -> DownloadEngine:
        return self.context().engine(runtime.effective_mode(mode), link, verbose=verbose)


def _unauthorized_message(url: str | None, authenticated: bool) -> str:
    """astroquery 0.4.11's warning for a 401 from a mission download."""
    message = f"You are not authorized to download from {url}."
    if authenticated:
        return message + (
            "\nYou do not have access to download this data, or your authentication token may "
            f"be expired. You can generate a new token at {TOKEN_PAGE}"
        )
    return message + (
        "\nPlease authenticate yourself using the `~astroquery.mast.MastMissions.login` "
        "function or initialize `~astroquery.mast.MastMissions` with an authentication token."
    )


def _column_values(datasets: Table | Row, keyword: str) -> list[Any]:
    if isinstance(datasets, Row):
        return [datasets[keyword]]
    values: list[Any] = datasets[keyword].tolist()
    return values


def _ends_with(name: Any, endings: Sequence[str]) -> bool:
    if isinstance(name, np.ma.core.MaskedConstant):
        return False
    return any(str(name).endswith(ending) for ending in endings)
