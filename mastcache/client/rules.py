"""astroquery 0.4.11's rules that several clients share, each written once.

- :func:`unique_products`: ``remove_duplicate_products`` (first row of each value, in order);
- :class:`LocationRule`: ``parse_input_location`` (coordinates or an object name), with the
  presets :data:`LOCATION`, :data:`OBSERVATIONS_LOCATION` and :data:`CUTOUT_LOCATION`;
- :func:`file_target`: ``download_file``'s destination (a file path, or a folder + name);
- :func:`write_file`: save a small answer (a script, a cutout member) atomically.

The download engine each client uses comes from
:meth:`mastcache.client.context.ClientContext.engine`.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.table import Table

from mastcache.errors import InputWarning, InvalidQueryError

__all__ = [
    "CUTOUT_LOCATION",
    "LOCATION",
    "OBSERVATIONS_LOCATION",
    "LocationRule",
    "file_target",
    "unique_products",
    "write_file",
]

log = logging.getLogger("mastcache")


def unique_products(products: Table, column: str = "dataURI") -> Table:
    """astroquery's remove_duplicate_products: the first row of each ``column`` value, in
    order, with its log line when some went."""
    if not len(products):
        return products
    _, first = np.unique(np.asarray(products[column]), return_index=True)
    unique: Table = products[np.sort(first)]
    removed = len(products) - len(unique)
    if removed:
        log.info(
            "%d of %d products were duplicates. Only returning %d unique product(s).",
            removed,
            len(products),
            len(unique),
        )
    return unique


def _truthy(value: Any) -> bool:
    return bool(value)


def _not_none(value: Any) -> bool:
    return value is not None


@dataclass(frozen=True)
class LocationRule:
    """astroquery's ``parse_input_location`` checks, as one client applies them (astroquery's
    clients differ in what counts as given and whether a position is required)."""

    #: Neither coordinates nor a name is an error (the cutout clients).
    required: bool = False
    name_given: Callable[[Any], bool] = _truthy
    coordinates_given: Callable[[Any], bool] = _truthy

    def by_name(
        self, coordinates: Any, objectname: Any, resolver: str | None, *, stacklevel: int = 4
    ) -> bool:
        """True when the object name is to be resolved, False when the coordinates are to
        be parsed (the caller does either, so the warnings raised while parsing keep
        pointing at the user's line). Both given is an error, neither too when
        ``required``; a resolver given with coordinates is warned about and ignored.
        ``stacklevel`` is the caller's."""
        has_name = self.name_given(objectname)
        has_coordinates = self.coordinates_given(coordinates)
        if has_name and has_coordinates:
            raise InvalidQueryError("Only one of objectname and coordinates may be specified.")
        if self.required and not (has_name or has_coordinates):
            raise InvalidQueryError("One of objectname and coordinates must be specified.")
        if not has_name and resolver:
            warnings.warn(
                "Resolver is only used when resolving object names and will be ignored.",
                InputWarning,
                stacklevel=stacklevel + 1,
            )
        return has_name


#: Catalogs and MastMissions: a truthy argument counts as given.
LOCATION = LocationRule()
#: Observations: an argument other than None counts as given.
OBSERVATIONS_LOCATION = LocationRule(name_given=_not_none, coordinates_given=_not_none)
#: Tesscut, Zcut, Hapcut: one of them is required; coordinates count unless None.
CUTOUT_LOCATION = LocationRule(required=True, coordinates_given=_not_none)


def file_target(
    uri: str, local_path: str | os.PathLike[str] | None, *, style: str = "observations"
) -> str:
    """astroquery's ``download_file`` destination; a name that could leave the folder (or a
    NUL in the URI) raises :class:`UnsafePathError`. astroquery's two clients differ, and
    each is kept:

    - ``observations``: ``local_path`` when it has a suffix, else that folder (created) plus
      ``basename(uri)``; ``basename(uri)`` alone when no path is given;
    - ``missions``: ``Path(local_path or name)``, plus ``/name`` when it has no suffix (the
      parent folder created).
    """
    # here: the products package (the download engine, ~30 ms) is for calls that download
    from mastcache.products.paths import UnsafePathError, safe_filename

    if "\x00" in uri:
        raise UnsafePathError(f"refused the URI {uri!r}: it contains a NUL byte")
    name = Path(uri).name if style == "missions" else os.path.basename(uri)
    filename = safe_filename(name, "file name of the URI")
    if style == "missions":
        path = Path(local_path or filename)
        if not path.suffix:
            path = path / filename
            path.parent.mkdir(parents=True, exist_ok=True)
        return os.fspath(path)
    if not local_path:
        return filename
    if Path(local_path).suffix:
        return os.fspath(local_path)
    Path(local_path).mkdir(parents=True, exist_ok=True)
    return os.fspath(Path(local_path) / filename)


def write_file(path: str | os.PathLike[str], data: bytes) -> str:
    """Save ``data`` at ``path`` atomically (its folder created); returns the path."""
    from mastcache.store.files import bytes_writer, write_atomic

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, bytes_writer(data))
    return os.fspath(path)
