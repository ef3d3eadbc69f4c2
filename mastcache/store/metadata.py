"""Table and column ``meta`` as text for Arrow metadata: JSON when the values allow it,
astropy's YAML dialect (numpy scalars, Quantity, Time, tuples...) otherwise, exact both ways.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from mastcache.errors import StoreError

__all__ = ["dump_meta", "load_meta"]


def dump_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """``{"json": text}`` if ``meta`` survives JSON unchanged, else ``{"yaml": text}``."""
    try:
        text = json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError):
        return {"yaml": _dump_yaml(meta)}
    if json.loads(text) != meta or _has_tuples(meta):
        return {"yaml": _dump_yaml(meta)}
    return {"json": text}


def load_meta(stored: Mapping[str, str]) -> OrderedDict[str, Any]:
    """The meta mapping that :func:`dump_meta` stored."""
    if "json" in stored:
        return OrderedDict(json.loads(stored["json"]))
    from astropy.io.misc import yaml

    return OrderedDict(yaml.load(stored["yaml"]))


def _dump_yaml(meta: Mapping[str, Any]) -> str:
    from astropy.io.misc import yaml

    try:
        return str(yaml.dump(dict(meta)))
    except Exception as exc:  # yaml raises its own RepresenterError tree
        raise StoreError(
            f"table meta cannot be stored ({exc}): expected JSON values, numpy scalars "
            "or astropy objects such as Quantity and Time"
        ) from exc


def _has_tuples(value: Any) -> bool:
    if isinstance(value, tuple):
        return True
    if isinstance(value, Mapping):
        return any(_has_tuples(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_tuples(item) for item in value)
    return False
