"""The collaborators of every client call, in one public object.

A :class:`ClientContext` is built once per (settings, cache source, identity scope) by
:meth:`~mastcache.client.core.MastClient.context` and holds everything a call needs: the
settings, the archive (store + refresh policy), the gateways that speak to MAST (Portal,
Search API / Pan-STARRS, files), and the products engine. Client classes take their
collaborators from it and never build a transport, a URL or a store path themselves.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mastcache.auth.account import ANONYMOUS, MastSession

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.archive import Archive
    from mastcache.gateways.files import FileGateway
    from mastcache.gateways.portal import MastGateway
    from mastcache.gateways.services import ServiceGateway
    from mastcache.net.endpoints import Endpoints
    from mastcache.products.cutouts import CutoutStore
    from mastcache.products.engine import DownloadEngine
    from mastcache.settings import Settings
    from mastcache.store import Store

__all__ = ["ClientContext"]


class _GatewaySlot:
    """The context's gateway, built on first use: a call served from the cache never
    imports the HTTP stack (requests, the Portal client) nor opens a session."""

    def __init__(self, login: MastSession | None) -> None:
        self.login = login
        self.gateway: MastGateway | None = None
        self.lock = threading.Lock()

    def get(self, settings: Settings, scope: str) -> MastGateway:
        with self.lock:
            if self.gateway is None:
                self.gateway = _new_gateway(settings, scope, self.login)
            return self.gateway


def _new_gateway(settings: Settings, scope: str, login: MastSession | None) -> MastGateway:
    """A gateway over its own HTTP session (with the account's cookie after login)."""
    from mastcache.auth.account import set_token_cookie
    from mastcache.gateways.portal import MastGateway
    from mastcache.net.transport import Transport

    transport = Transport(settings, scope=scope)
    if login is not None:
        set_token_cookie(transport.session, login.token, transport.endpoints.server)
    return MastGateway(transport)


@dataclass(frozen=True)
class ClientContext:
    """Everything one settings value and one identity need to answer calls."""

    settings: Settings
    #: How results stored here are labelled: ``network`` or ``snapshot`` (inside a replay).
    source: str
    archive: Archive
    #: The identity scope every query, resolution, manifest and file of this context uses.
    scope: str = ANONYMOUS
    #: Column configurations already read, per service (astroquery also keeps them for the
    #: life of the process); refresh and online calls read them again.
    column_configs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _gateway: _GatewaySlot = field(
        default_factory=lambda: _GatewaySlot(None), repr=False, compare=False
    )

    @classmethod
    def build(cls, settings: Settings, source: str, login: MastSession | None) -> ClientContext:
        """A new context; its HTTP session is made when it first speaks to MAST."""
        from mastcache.archive import Archive

        scope = login.scope if login else ANONYMOUS
        archive = Archive.from_settings(settings)
        return cls(settings, source, archive, scope, _gateway=_GatewaySlot(login))

    @property
    def gateway(self) -> MastGateway:
        """The Portal, columns-config and resolver gateway (built on first use)."""
        return self._gateway.get(self.settings, self.scope)

    def resolve(
        self,
        names: Sequence[str],
        resolver_name: str | None = None,
        resolve_all: bool = False,
        *,
        force_refresh: bool = False,
    ) -> dict[str, list[dict[str, Any]]]:
        """:meth:`MastGateway.resolve`, building the gateway only when a name is fetched."""
        return self.gateway.resolve(names, resolver_name, resolve_all, force_refresh=force_refresh)

    @property
    def store(self) -> Store:
        return self.archive.store

    @property
    def endpoints(self) -> Endpoints:
        return self.gateway.transport.endpoints

    @property
    def services(self) -> ServiceGateway:
        """The Search API (missions) and Catalogs.MAST (Pan-STARRS) gateway."""
        from mastcache.gateways.services import ServiceGateway

        return ServiceGateway(self.gateway.transport)

    @property
    def files(self) -> FileGateway:
        """The gateway of file-shaped answers: product bodies, cutouts, scripts, cloud paths."""
        from mastcache.gateways.files import FileGateway

        return FileGateway(self.gateway.transport)

    def engine(self, mode: str, link: str, *, verbose: bool | None = None) -> DownloadEngine:
        """The products engine for one call; ``link`` is checked (hard, copy, symlink).

        Progress: ``verbose=True`` follows ``settings.progress``, False hides it, None leaves
        it to the engine (shown on a terminal)."""
        from mastcache.products.engine import DownloadEngine
        from mastcache.products.placement import check_link_kind

        shown = None if verbose is None else (self.settings.progress if verbose else False)
        return DownloadEngine(
            self.store, self.files, mode=mode, link=check_link_kind(link), progress=shown
        )

    def cutouts(self) -> CutoutStore:
        """Cutout requests served as products (stored zips, team-published)."""
        from mastcache.products.cutouts import CutoutStore

        return CutoutStore(self.archive, self.files)

    def close(self) -> None:
        """Release the store and the HTTP session (if one was made)."""
        self.archive.close()
        with self._gateway.lock:
            gateway = self._gateway.gateway
        if gateway is not None:
            gateway.transport.close()
