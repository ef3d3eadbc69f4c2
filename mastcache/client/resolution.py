"""Name resolution with astroquery.mast 0.4.11's rules and return shapes.

:func:`resolve_names` gets the raw SANTA entries of each name through the archive (one stored
resolution per name; names missing from the cache are fetched together, batched by the
gateway). :func:`coordinates_for` turns entries into what ``astroquery.mast.utils.
resolve_object`` returns: a SkyCoord, or dicts keyed by resolver and/or name.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

import astropy.units as u
from astropy.coordinates import SkyCoord

from mastcache.errors import InputWarning, ResolverError

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.archive import Archive
    from mastcache.gateway import MastGateway

__all__ = ["WireOptions", "coordinates_for", "resolve_names", "wire_options"]

Entries = list[dict[str, Any]]
Resolved: TypeAlias = Any  # a SkyCoord, or dicts of them keyed by resolver and/or name

_RESOLVERS = ("NED", "SIMBAD")
#: Name prefixes of MAST catalogs, and the SANTA resolver that answers for each.
_CATALOG_PREFIXES = {"TIC ": "TIC", "KIC ": "KEPLER", "EPIC ": "K2"}


@dataclass(frozen=True)
class WireOptions:
    """What the user asked for, and what the resolver request actually carries."""

    resolver: str | None
    resolve_all: bool
    catalog: str | None
    sent_resolver: str | None
    sent_resolve_all: bool


def wire_options(names: Sequence[str], resolver: str | None, resolve_all: bool) -> WireOptions:
    """Validate the options and derive the request's ``resolver``/``resolveAll`` values."""
    if resolver is not None:
        resolver = str(resolver).upper()
        if resolver not in _RESOLVERS:
            raise ResolverError('Invalid resolver. Must be "NED" or "SIMBAD".')
        if resolve_all:
            warnings.warn(
                "The resolver parameter is ignored when resolve_all is True. "
                "Coordinates will be resolved using all available resolvers.",
                InputWarning,
                stacklevel=4,
            )
    catalog = _catalog_of(names) if resolver else None
    sent_all = bool(resolve_all) or catalog is not None
    sent_resolver = resolver if not sent_all else None
    return WireOptions(resolver, bool(resolve_all), catalog, sent_resolver, sent_all)


def _catalog_of(names: Sequence[str]) -> str | None:
    catalog = None
    for prefix, name in _CATALOG_PREFIXES.items():
        if any(str(obj).startswith(prefix) for obj in names):
            catalog = name
    return catalog


@dataclass
class _LazyBatch:
    """Fetches every not-yet-fetched name in one batched call, the first time one is needed."""

    gateway: MastGateway
    names: list[str]
    options: WireOptions
    fetched: dict[str, Entries] = field(default_factory=dict)

    def entries(self, name: str) -> Entries:
        if name not in self.fetched:
            start = self.names.index(name)
            pending = [n for n in self.names[start:] if n not in self.fetched]
            found = self.gateway.resolve(
                pending, self.options.sent_resolver, self.options.sent_resolve_all
            )
            for item in pending:
                self.fetched[item] = list(found.get(item, []))
        return self.fetched[name]


def resolve_names(
    names: Sequence[str],
    options: WireOptions,
    archive: Archive,
    gateway: MastGateway,
    *,
    mode: str,
    scope: str,
) -> dict[str, Entries]:
    """Raw entries per distinct name, through the archive (stored per name)."""
    unique = list(dict.fromkeys(names))
    batch = _LazyBatch(gateway, unique, options)
    return {
        name: archive.resolution(
            name,
            options.sent_resolver,
            options.sent_resolve_all,
            lambda n=name: batch.entries(n),
            mode=mode,
            scope=scope,
        )
        for name in unique
    }


def coordinates_for(
    names: Sequence[str], entries: Mapping[str, Entries], options: WireOptions
) -> Resolved:
    """astroquery's ``resolve_object`` result built from the raw entries of each name."""
    single = len(names) == 1
    resolved: dict[str, Any] = {}
    for name in names:
        matches = [e for e in entries.get(name, []) if e.get("searchString") == name.lower()]
        try:
            resolved[name] = _one(name, matches, options)
        except ResolverError as exc:
            if single:
                raise
            warnings.warn(str(exc), InputWarning, stacklevel=3)
    if not resolved:
        raise ResolverError("Could not resolve any of the given object names to sky positions.")
    return next(iter(resolved.values())) if single else resolved


def _one(name: str, matches: Entries, options: WireOptions) -> Resolved:
    if options.resolver and not options.resolve_all:
        return _by_resolver(name, matches, options)
    if not matches:
        raise ResolverError(f'Could not resolve "{name}" to a sky position.')
    if options.resolve_all:
        return {entry["resolver"]: _skycoord(entry) for entry in matches}
    return _skycoord(matches[0])


def _by_resolver(name: str, matches: Entries, options: WireOptions) -> SkyCoord:
    chosen = next((e for e in matches if e.get("resolver") == options.resolver), None)
    if chosen is None:
        raise ResolverError(
            f'Could not resolve "{name}" to a sky position using resolver "{options.resolver}". '
            "Please try another resolver or set `resolver=None` to use the first compatible "
            "resolver."
        )
    coord = _skycoord(chosen)
    catalog = next((e for e in matches if e.get("resolver") == options.catalog), None)
    if options.catalog and catalog and coord.separation(_skycoord(catalog)) > 1 * u.arcsec:
        warnings.warn(
            f"Resolver {options.resolver} returned coordinates that differ from MAST "
            f"{options.catalog} catalog by more than 1 arcsec. ",
            InputWarning,
            stacklevel=5,
        )
    return coord


def _skycoord(entry: Mapping[str, Any]) -> SkyCoord:
    return SkyCoord(entry["ra"], entry["decl"], unit="deg")
