"""Class-level hooks: every astroquery.mast session, of any instance, whenever it was made.

astroquery.mast keeps one ``requests.Session`` per query object (``BaseQuery._session``),
shares it with the object's Portal/Service connections (their ``_session``) and its
``MastAuth`` (``session``). Clients such as lightkurve create their own ``TesscutClass()``
or ``ObservationsClass()`` instances, so hooking the module singletons is not enough.

:class:`SessionHooks` puts a data descriptor (:class:`_SessionAttribute`) for that attribute
on the astroquery.mast classes. A data descriptor on a class wins over the instance's own
``__dict__``, so every read of ``obj._session`` (by astroquery itself, old instances and
new ones, subclasses included) goes through it; the descriptor mounts mastcache's adapter
on the session it returns, once, remembering the adapters the session had. Writes and
deletes go to the instance's ``__dict__`` exactly as without the descriptor.
:meth:`SessionHooks.remove` deletes the descriptors and gives every session it touched back
its own adapter objects, so astroquery is left exactly as it was.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import BaseAdapter

__all__ = ["HookTarget", "SessionHooks"]

_MISSING = object()


@dataclass(frozen=True)
class HookTarget:
    """A class whose instances keep a ``requests.Session`` in ``attribute``."""

    owner: type
    attribute: str


class _SessionAttribute:
    """Data descriptor standing in for one class's session attribute while installed."""

    def __init__(self, attribute: str, on_read: Callable[[Any, requests.Session], None]) -> None:
        self.attribute = attribute
        self.on_read = on_read

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            value = instance.__dict__[self.attribute]
        except KeyError:
            raise AttributeError(self.attribute) from None
        if isinstance(value, requests.Session):
            self.on_read(instance, value)
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.attribute] = value

    def __delete__(self, instance: Any) -> None:
        try:
            del instance.__dict__[self.attribute]
        except KeyError:
            raise AttributeError(self.attribute) from None


class SessionHooks:
    """Mounts ``adapter`` on every session read through the hooked classes, reversibly."""

    def __init__(self, adapter: BaseAdapter, targets: Iterable[HookTarget]) -> None:
        self.adapter = adapter
        self.targets = tuple(targets)
        self._lock = threading.Lock()
        self._mounted: weakref.WeakKeyDictionary[
            requests.Session, tuple[tuple[str, BaseAdapter], ...]
        ] = weakref.WeakKeyDictionary()
        self._replaced: list[tuple[type, str, Any]] = []

    def apply(self) -> None:
        """Put the descriptors on the classes (each class's own prior entry remembered)."""
        for target in self.targets:
            previous = target.owner.__dict__.get(target.attribute, _MISSING)
            self._replaced.append((target.owner, target.attribute, previous))
            hook = _SessionAttribute(target.attribute, self._on_read)
            setattr(target.owner, target.attribute, hook)

    def remove(self) -> None:
        """Delete the descriptors and restore every touched session's adapters exactly."""
        for owner, attribute, previous in reversed(self._replaced):
            if previous is _MISSING:
                delattr(owner, attribute)
            else:
                setattr(owner, attribute, previous)
        self._replaced.clear()
        with self._lock:
            sessions = list(self._mounted.items())
            self._mounted.clear()
        for session, adapters in sessions:
            session.adapters.clear()
            session.adapters.update(adapters)

    def mount(self, session: requests.Session) -> bool:
        """Mount the adapter on ``session`` unless done already; True when done now."""
        with self._lock:
            if session in self._mounted:
                return False
            self._mounted[session] = tuple(session.adapters.items())
            for prefix in list(session.adapters):
                session.adapters[prefix] = self.adapter
        return True

    def hooked_sessions(self) -> list[requests.Session]:
        """The live sessions carrying the adapter now."""
        with self._lock:
            return list(self._mounted.keys())

    def _on_read(self, _instance: Any, session: requests.Session) -> None:
        self.mount(session)
