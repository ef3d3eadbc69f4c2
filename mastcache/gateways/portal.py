"""MAST protocol exchanges performed over a :class:`~mastcache.net.transport.Transport`.

The gateway joins the pure protocol code in :mod:`mastcache.mast` to the one HTTP seam: it
fetches column configurations, runs paged Portal queries (several pages in flight) and asks
the SANTA resolver. It knows no cache policy; it raises only the ``MastCacheError`` tree.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from astropy.table import Table

from mastcache.errors import ProtocolError
from mastcache.gateways.pages import (
    DeferredEnvelope,
    envelope_object,
    is_complete_page,
    page_typer,
    stacked,
)
from mastcache.mast import columns, portal, resolver
from mastcache.net.transport import Transport
from mastcache.settings import Settings

if TYPE_CHECKING:
    from mastcache.store.fragments import PageFragments

__all__ = ["MastGateway"]

ColumnConfig = dict[str, dict[str, Any]]
_ALL_HISTOGRAMS = (("tess", "Mast.Catalogs.All.Tic"), ("dd.", "Mast.Catalogs.All.DiskDetective"))


class MastGateway:
    """MAST's Portal, columns-config and resolver services, spoken over one transport.

    Column configurations are memoized per gateway and service name (astroquery keeps them
    for the life of the process). Safe to share between threads.
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self._configs: dict[str, ColumnConfig] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, scope: str = "anonymous") -> MastGateway:
        """A gateway over a new :class:`Transport` for ``settings`` and identity ``scope``."""
        return cls(Transport(settings, scope=scope))

    @property
    def settings(self) -> Settings:
        return self.transport.settings

    # -- column configuration -------------------------------------------------------------

    def column_config(
        self, service: str, *, fetch_name: str | None = None, force_refresh: bool = False
    ) -> ColumnConfig:
        """The columns configuration of ``service`` (``{column: properties}``), memoized.

        ``fetch_name`` is the ``colConfigId`` to ask for when it differs from ``service``
        (astroquery fetches ``Mast.Caom.Cone``'s for ``Mast.Caom.Filtered``). Names holding
        "tess" or "dd." get the TIC / DiskDetective histograms merged in, as astroquery does.
        """
        with self._lock:
            cached = self._configs.get(service)
        if cached is not None and not force_refresh:
            return cached
        config = self._fetch_column_config(fetch_name or service, force_refresh)
        with self._lock:
            self._configs[service] = config
        return config

    def build_filters(
        self,
        column_config_name: str,
        criteria: Mapping[str, Any],
        *,
        service_name: str | None = None,
    ) -> list[dict[str, Any]]:
        """astroquery's ``build_filter_set``: criteria -> Portal ``filters`` list.

        The configuration is fetched with ``colConfigId=column_config_name`` and memoized
        under ``service_name`` (default: the same name). Unknown criteria raise
        :class:`~mastcache.errors.InvalidQueryError` with a "did you mean" suggestion.
        """
        config = self.column_config(
            service_name or column_config_name, fetch_name=column_config_name
        )
        return columns.build_filter_set(config, criteria)

    def metadata_table(self, service: str) -> Table:
        """astroquery's ``get_metadata`` table for one columns-config id (fetched fresh)."""
        response = self.transport.post_form(
            self.transport.endpoints.columnsconfig, f"colConfigId={service}"
        )
        return columns.metadata_table(_config_object(self.transport.json(response)))

    # -- Portal ---------------------------------------------------------------------------

    def portal_table(
        self,
        service: str,
        params: Mapping[str, Any],
        *,
        pagesize: int | None = None,
        page: int | None = None,
        format: str = "json",
        fetch_name: str | None = None,
        force_refresh: bool = False,
        resume_within: float | None = None,
        **extra: Any,
    ) -> Table:
        """Run a Portal query and return its typed table, exactly as astroquery builds it.

        The column config (memoized) is fetched while page 1 is, then pages 2..N with up to
        ``settings.max_parallel`` in flight. ``page`` given: only that page. ``extra`` keys
        (``removenullcolumns``, ``use_json``, ...) go to the request's top level. Zero rows
        give an empty table; warning about it is the caller's job (it must also warn on
        cache hits). MAST's ``ERROR`` raises :class:`~mastcache.errors.RemoteServiceError`.

        Pages pass the HTTP cache by: each is typed as it arrives and, for a query of several
        pages, kept as a decoded fragment (:mod:`mastcache.store.fragments`) until the table
        is built, so a fetch cut short resumes with the pages it has. ``resume_within``: how
        old (seconds) a kept page may be to be used; by default
        :data:`~mastcache.store.fragments.MAX_AGE`, or none with ``force_refresh``.
        """
        if resume_within is None:
            resume_within = 0.0 if force_refresh else float("inf")
        with self._paged(service, params, pagesize, page, format, force_refresh, extra) as paged:
            request, plan = paged
            fragments = self._fragments(request, fetch_name) if plan.all_pages else None
            if fragments is not None and resume_within <= 0:
                fragments.clear()
            resumed = None
            if fragments is not None:
                resumed = portal.Resumed(*fragments.load(max_age=resume_within))
            with ThreadPoolExecutor(1, thread_name_prefix="mast-config") as pool:
                config = pool.submit(self.column_config, service, fetch_name=fetch_name)
                typer = page_typer(config.result, fragments)
                table = stacked(portal.fetch_each(request, plan, typer, resumed))
        if fragments is not None:
            fragments.clear()
        return table

    def portal_pages(
        self,
        service: str,
        params: Mapping[str, Any],
        *,
        pagesize: int | None = None,
        page: int | None = None,
        format: str = "json",
        force_refresh: bool = False,
        **extra: Any,
    ) -> list[dict[str, Any]]:
        """The raw page responses of a Portal query, in page order (no column config);
        these go through the HTTP cache."""
        paged = self._paged(
            service, params, pagesize, page, format, force_refresh, extra, cached=True
        )
        with paged as (request, plan):
            return portal.fetch_each(request, plan, _raw_pages)

    def portal_json(
        self,
        service: str,
        params: Mapping[str, Any],
        *,
        pagesize: int | None = None,
        page: int | None = None,
        format: str = "json",
        force_refresh: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """One polled Portal exchange returning the final JSON object as MAST sent it.

        For ``format="extjs"`` (``list_missions``) and non-table services such as
        ``Mast.Bundle.Request``. ``pagesize``/``page`` are sent only when given.
        ``ERROR`` raises :class:`~mastcache.errors.RemoteServiceError`.
        """
        request = portal.build_request(
            service, params, pagesize=pagesize, page=page, format=format, **extra
        )
        send, resend = self._senders(force_refresh)
        response = portal.poll(
            request, send, resend=resend, deadline=portal.deadline(self.settings.query_timeout)
        )
        portal.raise_for_error(response)
        return dict(response)  # never deferred: this sender decodes every answer

    # -- resolver -------------------------------------------------------------------------

    def resolve(
        self,
        names: str | Sequence[str],
        resolver_name: str | None = None,
        resolve_all: bool = False,
        *,
        force_refresh: bool = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """Raw SANTA entries per input name (in input order), 30 names per request.

        ``resolver_name`` is "SIMBAD", "NED" (any case) or None; an invalid one raises
        :class:`~mastcache.errors.ResolverError`. A name SANTA did not resolve maps to ``[]``.
        Turn the entries into ``SkyCoord`` with :func:`mastcache.mast.resolver.skycoords`.
        """
        name_list = [names] if isinstance(names, str) else list(names)
        chosen = resolver.check_resolver(resolver_name)
        entries: list[dict[str, Any]] = []
        for batch in resolver.batches(name_list):
            params = resolver.request_params(batch, chosen, resolve_all, all_names=name_list)
            response = self.transport.get(
                self.transport.endpoints.resolver, params, force_refresh=force_refresh
            )
            entries.extend(resolver.parse_response(self.transport.json(response)))
        return resolver.group_entries(name_list, entries)

    # -- internals ------------------------------------------------------------------------

    @contextmanager
    def _paged(
        self,
        service: str,
        params: Mapping[str, Any],
        pagesize: int | None,
        page: int | None,
        format: str,
        force_refresh: bool,
        extra: Mapping[str, Any],
        *,
        cached: bool = False,
    ) -> Iterator[tuple[dict[str, Any], portal.Plan]]:
        """(first request, fetch plan) of a paged query: the settings' pagesize unless
        given, every page unless ``page`` is, a progress bar while the pages come."""
        request = portal.build_request(
            service,
            params,
            pagesize=pagesize or self.settings.pagesize,
            page=page or 1,
            format=format,
            **extra,
        )
        send, resend = self._senders(force_refresh, cached=cached, defer=not cached)
        with self.transport.progress(f"{service} pages") as progress:
            yield (
                request,
                portal.Plan(
                    send,
                    resend,
                    max_parallel=self.settings.max_parallel,
                    timeout=self.settings.query_timeout,
                    all_pages=not page,
                    progress=progress,
                ),
            )

    def _fragments(self, request: Mapping[str, Any], fetch_name: str | None) -> PageFragments:
        """The kept pages of ``request`` (any page of it) for this identity and server."""
        document = {
            "v": 1,
            "scope": self.transport.scope,
            "url": self.transport.endpoints.portal_invoke,
            "request": {k: v for k, v in request.items() if k != "page"},
            "config": fetch_name,
        }
        text = json.dumps(document, sort_keys=True, default=str)
        from mastcache.store.fragments import PageFragments  # pyarrow: with the first page

        return PageFragments(self.settings.cache_dir, hashlib.sha256(text.encode()).hexdigest())

    def _fetch_column_config(self, fetch_name: str, force_refresh: bool) -> ColumnConfig:
        response = self.transport.post_form(
            self.transport.endpoints.columnsconfig,
            f"colConfigId={fetch_name}",
            force_refresh=force_refresh,
        )
        config = _config_object(self.transport.json(response))
        all_name = _histogram_service(fetch_name)
        if all_name is not None:
            extjs = self.portal_json(all_name, {}, format="extjs", force_refresh=force_refresh)
            config = columns.merge_histograms(config, extjs)
        return config

    def _senders(
        self, force_refresh: bool, *, cached: bool = True, defer: bool = False
    ) -> tuple[portal.Send, portal.Send]:
        """(first send, re-poll send) for one logical query; both share one cacheBreaker.

        Re-polls after ``EXECUTING`` always bypass the HTTP cache, and a response that is not
        ``COMPLETE`` is evicted from it, so a cache never replays an unfinished answer.
        ``cached=False``: nothing is read from or written to the HTTP cache. ``defer``: a
        COMPLETE page is handed on undecoded (:class:`~mastcache.gateways.pages.DeferredEnvelope`).
        """
        breaker = str(uuid.uuid4())

        def send(request: Mapping[str, Any], refresh: bool = force_refresh) -> Mapping[str, Any]:
            body = portal.encode_form({**request, "cacheBreaker": breaker})
            response = self.transport.post_form(
                self.transport.endpoints.portal_invoke, body, force_refresh=refresh, cached=cached
            )
            if defer and is_complete_page(response):
                return DeferredEnvelope(response, self.transport.json)
            obj = self.transport.json(response)
            if not isinstance(obj, dict) or obj.get("status") != "COMPLETE":
                self.transport.evict(response)
            return envelope_object(obj, response)

        return send, lambda request: send(request, True)


def _raw_pages(total: int) -> portal.PageTyper[dict[str, Any]]:
    return lambda number, response: dict(response)  # decoded (not deferred): a shallow copy


def _histogram_service(fetch_name: str) -> str | None:
    lowered = fetch_name.lower()
    return next((name for marker, name in _ALL_HISTOGRAMS if marker in lowered), None)


def _config_object(obj: Any) -> ColumnConfig:
    if not isinstance(obj, dict):
        raise ProtocolError(
            f"columnsconfig answered a JSON {type(obj).__name__}, expected an object of "
            "column properties; check that MASTCACHE_MAST_URL points at a MAST server"
        )
    return obj
