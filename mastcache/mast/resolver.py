"""The SANTA name resolver: request parameters, response entries and ``SkyCoord`` results.

Rules follow astroquery 0.4.11's ``utils.resolve_object`` (MAST_PROTOCOL.md section 4):
Python-style booleans, at most 30 names per request, entries matched by lower-cased search
string, first entry (or first of the chosen resolver) wins.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeAlias

import astropy.units as u

from mastcache.errors import InputWarning, ProtocolError, ResolverError

if TYPE_CHECKING:  # pragma: no cover
    from astropy.coordinates import SkyCoord

__all__ = [
    "BATCH_SIZE",
    "RESOLVERS",
    "batches",
    "catalog_for",
    "check_resolver",
    "choose_entry",
    "group_entries",
    "parse_response",
    "request_params",
    "skycoords",
    "warn_if_resolver_ignored",
]

BATCH_SIZE = 30
RESOLVERS = ("NED", "SIMBAD")
_CATALOG_PREFIXES = {"TIC ": "TIC", "KIC ": "KEPLER", "EPIC ": "K2"}

Entry: TypeAlias = dict[str, Any]
Resolved: TypeAlias = "SkyCoord | dict[str, SkyCoord]"


def check_resolver(resolver: str | None) -> str | None:
    """The resolver in upper case, or None; anything but NED/SIMBAD raises ResolverError."""
    if not resolver:
        return None
    upper = resolver.upper()
    if upper not in RESOLVERS:
        raise ResolverError('Invalid resolver. Must be "NED" or "SIMBAD".')
    return upper


def warn_if_resolver_ignored(resolver: str | None, resolve_all: bool) -> None:
    """astroquery's InputWarning when both a resolver and ``resolve_all`` are given."""
    if resolver and resolve_all:
        warnings.warn(
            "The resolver parameter is ignored when resolve_all is True. Coordinates will be "
            "resolved using all available resolvers.",
            InputWarning,
            3,
        )


def catalog_for(names: Sequence[str], resolver: str | None) -> str | None:
    """The MAST catalog (TIC, KEPLER, K2) whose prefix a name carries, when a resolver is set.

    As astroquery: the last prefix (in TIC, KIC, EPIC order) that any name starts with.
    """
    if not resolver:
        return None
    found = None
    for prefix, catalog in _CATALOG_PREFIXES.items():
        if any(name.startswith(prefix) for name in names):
            found = catalog
    return found


def request_params(
    names: Sequence[str],
    resolver: str | None,
    resolve_all: bool,
    *,
    all_names: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Query parameters of one SANTA request for ``names`` (one batch).

    ``all_names`` is the whole input when it spans several batches: a catalog name anywhere
    in it turns ``resolveAll`` on for every batch, as in astroquery.
    """
    is_catalog = catalog_for(all_names if all_names is not None else names, resolver) is not None
    resolve_everything = resolve_all or is_catalog
    params: dict[str, Any] = {"outputFormat": "json", "resolveAll": str(resolve_everything)}
    if resolver and not resolve_everything:
        params["resolver"] = resolver
    params["name"] = list(names)
    return params


def batches(names: Sequence[str], size: int = BATCH_SIZE) -> list[list[str]]:
    """``names`` in consecutive batches of at most ``size`` (SANTA's limit is 30)."""
    return [list(names[start : start + size]) for start in range(0, len(names), size)]


def parse_response(obj: Any) -> list[Entry]:
    """The ``resolvedCoordinate`` entries of a SANTA answer (missing or null -> [])."""
    if not isinstance(obj, Mapping):
        raise ProtocolError(
            f"the resolver answered a JSON {type(obj).__name__}, expected an object with "
            "'resolvedCoordinate'; check the resolver URL"
        )
    entries = obj.get("resolvedCoordinate") or []
    if not isinstance(entries, list) or not all(isinstance(e, Mapping) for e in entries):
        raise ProtocolError("the resolver's 'resolvedCoordinate' is not a list of objects")
    return [dict(entry) for entry in entries]


def group_entries(names: Sequence[str], entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    """Entries per input name, in server order; matched by ``searchString == name.lower()``."""
    return {
        name: [entry for entry in entries if entry.get("searchString") == name.lower()]
        for name in names
    }


def choose_entry(entries: Sequence[Entry], resolver: str | None) -> Entry | None:
    """The entry astroquery would use: the first, or the first from ``resolver``."""
    if resolver:
        return next((entry for entry in entries if entry.get("resolver") == resolver), None)
    return entries[0] if entries else None


def skycoords(
    names: str | Sequence[str],
    entries: Mapping[str, Sequence[Entry]],
    *,
    resolver: str | None = None,
    resolve_all: bool = False,
) -> Resolved | dict[str, Resolved]:
    """Positions exactly as astroquery's ``resolve_object`` returns them.

    One name: a SkyCoord (or ``{resolver: SkyCoord}`` with ``resolve_all``), ResolverError if
    unresolved. Several names: ``{name: ...}`` for those resolved, an InputWarning for each
    failure, ResolverError only when none resolved.
    """
    name_list = [names] if isinstance(names, str) else list(names)
    chosen = check_resolver(resolver)
    catalog = catalog_for(name_list, chosen)
    single = len(name_list) == 1
    resolved: dict[str, Resolved] = {}
    for name in name_list:
        position = _resolve_one(name, list(entries.get(name, [])), chosen, resolve_all, catalog)
        if isinstance(position, str):
            _fail(position, single)
        else:
            resolved[name] = position
    if not resolved:
        raise ResolverError("Could not resolve any of the given object names to sky positions.")
    return next(iter(resolved.values())) if single else resolved


def _resolve_one(
    name: str, entries: list[Entry], resolver: str | None, resolve_all: bool, catalog: str | None
) -> Resolved | str:
    """A position for ``name``, or the failure message."""
    if resolver and not resolve_all:
        return _by_resolver(name, entries, resolver, catalog)
    if not entries:
        return f'Could not resolve "{name}" to a sky position.'
    if resolve_all:
        return {entry["resolver"]: _coord(entry) for entry in entries}
    return _coord(entries[0])


def _by_resolver(
    name: str, entries: list[Entry], resolver: str, catalog: str | None
) -> SkyCoord | str:
    entry = choose_entry(entries, resolver)
    if entry is None:
        return (
            f'Could not resolve "{name}" to a sky position using resolver "{resolver}". '
            "Please try another resolver or set `resolver=None` to use the first compatible "
            "resolver."
        )
    coord = _coord(entry)
    catalog_entry = choose_entry(entries, catalog) if catalog else None
    if catalog_entry is not None and coord.separation(_coord(catalog_entry)) > 1 * u.arcsec:
        warnings.warn(
            f"Resolver {resolver} returned coordinates that differ from MAST {catalog} "
            "catalog by more than 1 arcsec. ",
            InputWarning,
            4,
        )
    return coord


def _coord(entry: Mapping[str, Any]) -> SkyCoord:
    from astropy.coordinates import SkyCoord  # here: ~0.1 s, and names may need none

    try:
        ra, dec = entry["ra"], entry["decl"]
        if type(ra) is float and type(dec) is float:
            return _position(ra, dec).copy()  # a copy: ~15x cheaper than building one
        return SkyCoord(ra, dec, unit="deg")
    except (KeyError, ValueError, TypeError) as exc:
        raise ProtocolError(
            f"resolver entry for {entry.get('searchString')!r} lacks a usable ra/decl in "
            f"degrees ({exc})"
        ) from exc


@lru_cache(maxsize=1024)
def _position(ra: float, dec: float) -> SkyCoord:
    """The SkyCoord of a resolved position, kept to be copied (never handed out itself)."""
    from astropy.coordinates import SkyCoord

    return SkyCoord(ra, dec, unit="deg")


def _fail(message: str, single: bool) -> None:
    if single:
        raise ResolverError(message)
    warnings.warn(message, InputWarning, 4)
