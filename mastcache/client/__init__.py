"""astroquery.mast-compatible clients served through the mastcache archive.

``Observations``, ``Mast``, ``MastMissions``, ``Catalogs``, ``Tesscut``, ``Zcut`` and ``Hapcut``
are module-level instances made on first access; their constructors do no I/O, and the
transport, gateway and archive behind them are built on their first query.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from mastcache.client.catalogs import CatalogsClass
from mastcache.client.cutouts import HapcutClass, TesscutClass, ZcutClass
from mastcache.client.mast import MastClass
from mastcache.client.missions import MastMissionsClass
from mastcache.client.observations import ObservationsClass

__all__ = [
    "Catalogs",
    "CatalogsClass",
    "Hapcut",
    "HapcutClass",
    "Mast",
    "MastClass",
    "MastMissions",
    "MastMissionsClass",
    "Observations",
    "ObservationsClass",
    "Tesscut",
    "TesscutClass",
    "Zcut",
    "ZcutClass",
]

if TYPE_CHECKING:  # pragma: no cover  (the instances __getattr__ makes, as type checkers see them)
    Observations: ObservationsClass
    Mast: MastClass
    MastMissions: MastMissionsClass
    Catalogs: CatalogsClass
    Tesscut: TesscutClass
    Zcut: ZcutClass
    Hapcut: HapcutClass

_FACTORIES: dict[str, type[Any]] = {
    "Observations": ObservationsClass,
    "Mast": MastClass,
    "MastMissions": MastMissionsClass,
    "Catalogs": CatalogsClass,
    "Tesscut": TesscutClass,
    "Zcut": ZcutClass,
    "Hapcut": HapcutClass,
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
