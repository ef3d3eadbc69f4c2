"""Name resolution through the archive, one stored resolution per name.

:func:`resolve_names` gets the raw SANTA entries of each name (names missing from the cache
are fetched together, batched by the gateway); :func:`mastcache.mast.resolver.skycoords`
turns them into astroquery's shapes. Entries are stored under the options the resolver
request actually carried (see :func:`wire_options`), since those decide what SANTA answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from mastcache.mast import resolver as santa

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.archive import Archive

__all__ = ["NameResolving", "WireOptions", "resolve_names", "wire_options"]

Entries = list[dict[str, Any]]


class NameResolving(Protocol):
    """What fetches names: a :class:`~mastcache.gateways.portal.MastGateway`, or a client
    context, which builds its gateway only when a name is not in the cache."""

    def resolve(
        self,
        names: Sequence[str],
        resolver_name: str | None = None,
        resolve_all: bool = False,
        *,
        force_refresh: bool = False,
    ) -> dict[str, Entries]: ...


@dataclass(frozen=True)
class WireOptions:
    """The ``resolver`` / ``resolveAll`` values a SANTA request for these names carries."""

    resolver: str | None
    resolve_all: bool


def wire_options(names: Sequence[str], resolver: str | None, resolve_all: bool) -> WireOptions:
    """Validate the user's options (astroquery's errors and warnings) and derive the wire's.

    As astroquery, a catalog name (``TIC ``, ``KIC ``, ``EPIC ``) with a resolver turns
    ``resolveAll`` on, and a resolver is only sent when ``resolveAll`` is off.
    """
    chosen = santa.check_resolver(resolver)
    santa.warn_if_resolver_ignored(chosen, resolve_all)
    sent_all = bool(resolve_all) or santa.catalog_for(names, chosen) is not None
    return WireOptions(None if sent_all else chosen, sent_all)


@dataclass
class _LazyBatch:
    """Fetches every not-yet-fetched name in one batched call, the first time one is needed."""

    gateway: NameResolving
    names: list[str]
    options: WireOptions
    force_refresh: bool
    fetched: dict[str, Entries] = field(default_factory=dict)

    def entries(self, name: str) -> Entries:
        if name not in self.fetched:
            start = self.names.index(name)
            pending = [n for n in self.names[start:] if n not in self.fetched]
            found = self.gateway.resolve(
                pending,
                self.options.resolver,
                self.options.resolve_all,
                force_refresh=self.force_refresh,
            )
            for item in pending:
                self.fetched[item] = list(found.get(item, []))
        return self.fetched[name]


def resolve_names(
    names: Sequence[str],
    options: WireOptions,
    archive: Archive,
    gateway: NameResolving,
    *,
    mode: str,
    scope: str,
) -> dict[str, Entries]:
    """Raw entries per distinct name, through the archive (stored per name)."""
    unique = list(dict.fromkeys(names))
    batch = _LazyBatch(gateway, unique, options, force_refresh=mode in ("online", "refresh"))
    return {
        name: archive.resolution(
            name,
            options.resolver,
            options.resolve_all,
            partial(batch.entries, name),
            mode=mode,
            scope=scope,
        )
        for name in unique
    }
