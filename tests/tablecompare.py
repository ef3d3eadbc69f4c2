"""The one strict table comparison every suite uses (compat, transparent, snapshot, mast).

Two tables are equal when they have the same class and masked flag, the same column names in
the same order, the same number of rows, and per column the same class, dtype, unit,
description, format, mask, fill value and unmasked values (NaN equal to NaN), and the same
meta apart from ``meta["mastcache"]`` (mastcache's provenance: key, source, fetched_at).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from astropy.table import Table

__all__ = ["assert_same_result", "assert_tables_equal", "plain_meta"]


def assert_tables_equal(a: Table, b: Table, what: str = "table") -> None:
    """Fail naming ``what`` and the first column that differs."""
    assert type(a) is type(b), f"{what}: {type(a).__name__} != {type(b).__name__}"
    assert a.masked == b.masked, f"{what}: masked {a.masked} != {b.masked}"
    assert a.colnames == b.colnames, f"{what}: columns {a.colnames} != {b.colnames}"
    assert len(a) == len(b), f"{what}: {len(a)} rows != {len(b)}"
    for name in a.colnames:
        _assert_columns_equal(f"{what}.{name}", a[name], b[name])
    assert plain_meta(a) == plain_meta(b), f"{what}: meta {plain_meta(a)} != {plain_meta(b)}"


def _assert_columns_equal(what: str, a: Any, b: Any) -> None:
    assert type(a) is type(b), f"{what}: {type(a).__name__} != {type(b).__name__}"
    assert a.dtype == b.dtype, f"{what}: {a.dtype} != {b.dtype}"
    assert (a.unit, a.description, a.format) == (b.unit, b.description, b.format), (
        f"{what}: unit/description/format {(a.unit, a.description, a.format)} != "
        f"{(b.unit, b.description, b.format)}"
    )
    mask = np.ma.getmaskarray(a)
    assert np.array_equal(mask, np.ma.getmaskarray(b)), f"{what}: masks differ"
    if hasattr(a, "fill_value") or hasattr(b, "fill_value"):
        fills = (getattr(a, "fill_value", None), getattr(b, "fill_value", None))
        assert _same_fill(*fills), f"{what}: fill values {fills[0]!r} != {fills[1]!r}"
    left = np.asarray(np.ma.getdata(a))[~mask]  # masked cells hold no value
    right = np.asarray(np.ma.getdata(b))[~mask]
    equal_nan = left.dtype.kind in "fc"
    assert np.array_equal(left, right, equal_nan=equal_nan), f"{what}: values differ"


def _same_fill(a: Any, b: Any) -> bool:
    return bool(a == b) or all(f != f for f in (a, b))


def plain_meta(table: Table) -> dict[str, Any]:
    """``table.meta`` without mastcache's provenance."""
    return {k: v for k, v in table.meta.items() if k != "mastcache"}


def assert_same_result(ours: Any, theirs: Any, what: str = "result") -> None:
    """Equal results of any shape astroquery returns: Table, int, list, SkyCoord, dicts."""
    from astropy.coordinates import SkyCoord

    if isinstance(theirs, Table):
        assert_tables_equal(ours, theirs, what)
    elif isinstance(theirs, SkyCoord):
        assert isinstance(ours, SkyCoord) and ours.frame.name == theirs.frame.name, what
        assert (ours.ra.deg, ours.dec.deg) == (theirs.ra.deg, theirs.dec.deg), what
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), what
        for key in theirs:
            assert_same_result(ours[key], theirs[key], f"{what}[{key!r}]")
    elif isinstance(theirs, (int, np.integer)):
        assert type(ours) is int and ours == int(theirs), what
    else:
        assert type(ours) is type(theirs) and ours == theirs, what
