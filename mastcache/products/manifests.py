"""Product manifests: which products belong to which observation, with the URIs, sizes and
checksums MAST reports, kept in the store's ``products`` table (DESIGN.md section 4).

:func:`record_manifest` turns a product Table (``get_product_list``'s columns) into
:class:`~mastcache.store.records.ProductRecord` rows; :func:`product_checksum` and
:func:`product_size` read what MAST says about one row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np
from astropy.table import Row, Table

from mastcache.store import Store
from mastcache.store.records import ProductRecord, utcnow

__all__ = ["CHECKSUM_COLUMNS", "product_checksum", "product_size", "record_manifest", "row_dict"]

#: Columns that may carry a checksum, and the algorithm each implies when the value has none.
CHECKSUM_COLUMNS = {"checksum": "md5", "md5": "md5", "md5sum": "md5", "sha256": "sha256"}
_OBSID_COLUMNS = ("obsID", "obsid", "parent_obsid")


def record_manifest(
    store: Store, table: Table, scope: str = "anonymous", *, fetched_at: datetime | None = None
) -> int:
    """Store every row of a product ``table``; returns how many were written.

    Tables read back from the cache or a snapshot (``meta["mastcache"]["source"]`` other than
    ``network``) were recorded when they were fetched and are not written again.
    """
    source = table.meta.get("mastcache", {}).get("source") if table.meta else None
    if source in ("cache", "snapshot") or len(table) == 0 or "dataURI" not in table.colnames:
        return 0
    when = fetched_at or utcnow()
    records = [_record(row_dict(row), scope, when) for row in table]
    return store.put_products(record for record in records if record is not None)


def _record(row: Mapping[str, Any], scope: str, when: datetime) -> ProductRecord | None:
    uri = row.get("dataURI")
    if not uri:
        return None
    obsid = next((row[c] for c in _OBSID_COLUMNS if row.get(c) not in (None, "")), "")
    group = row.get("productGroupDescription")
    kind = row.get("productType")
    return ProductRecord(
        obsid=str(obsid),
        uri=str(uri),
        filename=str(row.get("productFilename") or ""),
        scope=scope,
        size=product_size(row),
        checksum=product_checksum(row),
        product_group=None if group is None else str(group),
        product_type=None if kind is None else str(kind),
        fetched_at=when,
        row=dict(row),
    )


def row_dict(row: Row | Mapping[str, Any]) -> dict[str, Any]:
    """One product row as JSON-able values (masked cells become None)."""
    names = row.colnames if isinstance(row, Row) else list(row)
    return {str(name): _plain(row[name]) for name in names}


def _plain(value: Any) -> Any:
    if value is None or value is np.ma.masked or isinstance(value, np.ma.core.MaskedConstant):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def product_size(row: Mapping[str, Any]) -> int | None:
    """MAST's size of the product in bytes, or None when absent or not positive."""
    try:
        size = int(row.get("size") or 0)
    except (TypeError, ValueError):
        return None
    return size if size > 0 else None


def product_checksum(row: Mapping[str, Any]) -> str | None:
    """MAST's checksum as ``"<algorithm>:<hex>"`` when the row carries one."""
    for column, algorithm in CHECKSUM_COLUMNS.items():
        value = row.get(column)
        if value:
            text = str(value).strip()
            return text if ":" in text else f"{algorithm}:{text}"
    return None
