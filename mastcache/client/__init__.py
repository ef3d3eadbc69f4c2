"""astroquery.mast-compatible clients served through the mastcache archive.

``Observations``, ``Mast``, ``MastMissions`` and ``Catalogs`` are module-level instances made
on first access; their constructors do no I/O, and the transport, gateway and archive behind
them are built on their first query.
"""

from __future__ import annotations

import threading
from typing import Any

from mastcache.client.catalogs import CatalogsClass
from mastcache.client.mast import MastClass
from mastcache.client.missions import MastMissionsClass
from mastcache.client.observations import ObservationsClass

__all__ = [
    "Catalogs",
    "CatalogsClass",
    "Mast",
    "MastClass",
    "MastMissions",
    "MastMissionsClass",
    "Observations",
    "ObservationsClass",
]

_FACTORIES: dict[str, type[Any]] = {
    "Observations": ObservationsClass,
    "Mast": MastClass,
    "MastMissions": MastMissionsClass,
    "Catalogs": CatalogsClass,
}
_lock = threading.Lock()


def __getattr__(name: str) -> Any:
    factory = _FACTORIES.get(name)
    if factory is None:
        raise AttributeError(f"module 'mastcache.client' has no attribute {name!r}")
    with _lock:
        instance = globals().get(name)
        if instance is None:
            instance = factory()
            globals()[name] = instance
    return instance
