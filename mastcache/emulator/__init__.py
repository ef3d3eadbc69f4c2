"""The MAST emulator: a deterministic WSGI app speaking MAST's wire protocol.

``make_app`` builds the app, ``serve`` runs it for a ``with`` block (yielding the base URL),
``start`` returns a running :class:`EmulatorServer`. Names load on first use (nothing at import).

Layout (one subpackage per MAST service; the server core sits at this level)::

    app, server, request, reply, requestlog   WSGI app, routes, HTTP/1.1 server, request log
    config, faults, auth                      knobs, fault injection, tokens and exclusive data
    resolver, downloads                       SANTA name resolver; Download/file, bundle.sh
    sky/        synthetic sky: observations, products, named objects, scale rows, FITS files
    portal/     /api/v0/invoke: CAOM services, result sets, envelopes, filters, columnsconfig
    catalogs/   Portal catalog services (TIC, Gaia, HSC...) and Pan-STARRS (catalogs API)
    missions/   MAST Search API (/search/<mission>/api/v0.1/...)
    cutouts/    TESScut, Zcut, HAPcut
    samples/    recorded MAST responses (data/recorded/) and their exact-match replay
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mastcache.emulator.app import EmulatorApp, make_app
    from mastcache.emulator.config import EmulatorConfig, Identity
    from mastcache.emulator.faults import FaultPlan, FaultRule
    from mastcache.emulator.server import EmulatorServer, serve, start

__all__ = [
    "EmulatorApp",
    "EmulatorConfig",
    "EmulatorServer",
    "FaultPlan",
    "FaultRule",
    "Identity",
    "make_app",
    "serve",
    "start",
]

_HOMES = {
    "EmulatorApp": "app",
    "make_app": "app",
    "EmulatorConfig": "config",
    "Identity": "config",
    "FaultPlan": "faults",
    "FaultRule": "faults",
    "EmulatorServer": "server",
    "serve": "server",
    "start": "server",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mastcache.emulator' has no attribute {name!r}")
    return getattr(importlib.import_module(f"mastcache.emulator.{home}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
