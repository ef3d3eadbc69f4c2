"""The mastcache side of transparent mode: archive, gateway and HTTP cache for one server.

Stock astroquery fixes its MAST server at import; the services here talk to that same
server (``base_url``) with the current mastcache settings otherwise (cache dir, mode, TTLs),
through :class:`~mastcache.client.core.MastClient`, so results land under the keys
mastcache's own clients use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
from astropy.table import Table

from mastcache import runtime
from mastcache.client.context import ClientContext
from mastcache.client.core import ANONYMOUS, MastClient
from mastcache.client.resolution import WireOptions, resolve_names
from mastcache.net.endpoints import MAST_SERVER
from mastcache.settings import Settings

__all__ = ["TransparentServices"]


class TransparentServices(MastClient):
    """Builds (once per settings value) the services answering stock astroquery's calls."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        base = base_url.rstrip("/")
        self.base_url = None if base == MAST_SERVER else base

    def settings(self) -> Settings:
        """The current settings, with every service on astroquery's server."""
        current = runtime.current_settings()
        if current.mast_url == self.base_url:
            return current
        return current.new(mast_url=self.base_url)

    @contextmanager
    def active(self) -> Iterator[ClientContext]:
        """The services, with their settings current for the block (mode kept as set)."""
        with runtime.using_settings(self.settings(), source=runtime.cache_source()):
            yield self.context()

    @property
    def http_session(self) -> requests.Session:
        """The HTTP-level cache session (requests-cache) of the current settings."""
        with self.active() as services:
            return services.gateway.transport.session

    def cached_table(
        self,
        service: str,
        params: Mapping[str, Any],
        kind: str,
        fetch: Callable[[], Table],
        extra: Mapping[str, Any],
    ) -> Table:
        """``archive.table`` under the key mastcache's own clients give this query."""
        with self.active():
            return self._cached_table(service, params, kind, fetch, None, **extra)

    def resolutions(
        self, names: list[str], options: WireOptions
    ) -> dict[str, list[dict[str, Any]]]:
        """Raw SANTA entries per name, each stored as mastcache's clients store it."""
        with self.active() as services:
            return resolve_names(
                names,
                options,
                services.archive,
                services.gateway,
                mode=runtime.effective_mode(),
                scope=ANONYMOUS,
            )

    def close(self) -> None:
        """Release the store and the HTTP session (they are rebuilt on next use)."""
        with self._lock:
            built, self._built = list(self._built), []
        for services in built:
            services.close()
