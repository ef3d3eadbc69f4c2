"""astroquery.mast-compatible clients served through the mastcache archive.

``Observations``, ``Mast``, ``MastMissions``, ``Catalogs``, ``Tesscut``, ``Zcut`` and ``Hapcut``
are module-level instances made on first access; their constructors do no I/O, and the
transport, gateway and archive behind them are built on their first query. Each name imports
only its own module on first access: ``from mastcache.client import Observations`` loads
neither the catalogs nor the cutout clients (``python -X importtime`` shows what is loaded).
"""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover  (what type checkers see of the lazy names below)
    from mastcache.client.catalogs import CatalogsClass
    from mastcache.client.cutouts import HapcutClass, TesscutClass, ZcutClass
    from mastcache.client.mast import MastClass
    from mastcache.client.missions import MastMissionsClass
    from mastcache.client.observations import ObservationsClass

    Observations: ObservationsClass
    Mast: MastClass
    MastMissions: MastMissionsClass
    Catalogs: CatalogsClass
    Tesscut: TesscutClass
    Zcut: ZcutClass
    Hapcut: HapcutClass

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

# class name -> the module that defines it
_CLASSES: dict[str, str] = {
    "ObservationsClass": "mastcache.client.observations",
    "MastClass": "mastcache.client.mast",
    "MastMissionsClass": "mastcache.client.missions",
    "CatalogsClass": "mastcache.client.catalogs",
    "TesscutClass": "mastcache.client.cutouts",
    "ZcutClass": "mastcache.client.cutouts",
    "HapcutClass": "mastcache.client.cutouts",
}
# instance name -> its class name
_INSTANCES: dict[str, str] = {
    "Observations": "ObservationsClass",
    "Mast": "MastClass",
    "MastMissions": "MastMissionsClass",
    "Catalogs": "CatalogsClass",
    "Tesscut": "TesscutClass",
    "Zcut": "ZcutClass",
    "Hapcut": "HapcutClass",
}
_lock = threading.RLock()  # an instance's class may be imported while it is held


def __getattr__(name: str) -> Any:
    if name in _CLASSES:
        return _class(name)
    class_name = _INSTANCES.get(name)
    if class_name is None:
        raise AttributeError(f"module 'mastcache.client' has no attribute {name!r}")
    with _lock:
        instance = globals().get(name)
        if instance is None:
            instance = _class(class_name)()
            globals()[name] = instance
    return instance


def _class(name: str) -> type[Any]:
    found: type[Any] = getattr(importlib.import_module(_CLASSES[name]), name)
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
