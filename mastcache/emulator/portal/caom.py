"""The CAOM services over the synthetic sky: Mast.Caom.Cone, .Filtered, .Filtered.Position
and .Products, each answered for real (DESIGN.md section 8).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from mastcache.emulator.portal.filters import ColumnFilter, compile_filters
from mastcache.emulator.portal.results import (
    ROWS_PER_BATCH,
    ResultSet,
    RowBatch,
    from_list,
    select_columns,
)
from mastcache.emulator.sky.columns import (
    DISTANCE_FIELD,
    OBJID1_FIELD,
    OBSERVATION_FIELDS,
    PRODUCT_FIELDS,
    SELECTED_FIELD,
)
from mastcache.emulator.sky.epoch import reprocess
from mastcache.emulator.sky.ffi import ffi_rows
from mastcache.emulator.sky.observations import Sky, sky_for_seed
from mastcache.emulator.sky.products import products_for
from mastcache.emulator.sky.scale import Cone, ScaleRows, scale_observation
from mastcache.errors import InvalidQueryError

CONE_FIELDS: Final = (*OBSERVATION_FIELDS, DISTANCE_FIELD, SELECTED_FIELD)
POSITION_FIELDS: Final = (*OBSERVATION_FIELDS, OBJID1_FIELD, DISTANCE_FIELD)
FILTER_TYPES: Final = dict(OBSERVATION_FIELDS)


class CaomQueries:
    """Answers CAOM queries for one seed; `scale_rows` switches on the scale knob,
    `product_bytes` the minimum size of FITS products, `sky_epoch` moves the sky forward."""

    def __init__(
        self, seed: int, scale_rows: int | None, product_bytes: int = 0, sky_epoch: int = 0
    ) -> None:
        self.seed = seed
        self.scale_rows = scale_rows
        self.product_bytes = product_bytes
        self.sky_epoch = sky_epoch

    @property
    def sky(self) -> Sky:
        """The seed's sky at the epoch (built on first use)."""
        return sky_for_seed(self.seed, self.sky_epoch)

    def cone(self, params: Mapping[str, Any]) -> ResultSet:
        """Mast.Caom.Cone: `{ra, dec, radius}` in degrees."""
        cone = Cone(
            _number(params, "ra", -360.0, 720.0) % 360.0,
            _number(params, "dec", -90.0, 90.0),
            _number(params, "radius", 0.0, 180.0),
        )
        return self._positional(cone, [], CONE_FIELDS)

    def filtered(self, params: Mapping[str, Any], *, positional: bool) -> ResultSet:
        """Mast.Caom.Filtered[.Position]: `{columns, filters[, position]}`."""
        filters = compile_filters(params.get("filters"), FILTER_TYPES)
        if positional:
            result = self._positional(
                parse_position(params.get("position")), filters, POSITION_FIELDS
            )
        else:
            result = self._everywhere(filters)
        return select_columns(result, params.get("columns", "*"))

    def products(self, params: Mapping[str, Any]) -> ResultSet:
        """Mast.Caom.Products: `{obsid: "id1,id2,..."}`, products in the order asked."""
        rows: list[dict[str, Any]] = []
        for obsid in parse_obsids(params.get("obsid")):
            obs = self._observation(obsid)
            if obs is not None:
                products = products_for(obs, self.product_bytes)
                rows.extend(reprocess(products, self.sky.reprocessed.get(obsid, 0)))
        return from_list(PRODUCT_FIELDS, rows)

    def _observation(self, obsid: int) -> dict[str, Any] | None:
        if self.scale_rows is not None:
            found = scale_observation(self.seed, obsid, self.scale_rows)
            if found is not None:
                return found
        return self.sky.find(obsid)

    def _positional(
        self, cone: Cone, filters: list[ColumnFilter], fields: tuple[tuple[str, str], ...]
    ) -> ResultSet:
        if self.scale_rows is not None:
            return self._scaled(cone, fields)
        sky = self.sky
        rows = []
        for match in sky.cone(cone.ra, cone.dec, cone.radius):
            row = sky.row(match.index)
            if all(f.matches(row) for f in filters):
                rows.append(_decorate(row, match.distance))
        if fields is POSITION_FIELDS and _asks_for_tess(filters):
            rows += [
                _decorate(row, 0.0)
                for row in ffi_rows(cone.ra, cone.dec, cone.radius)
                if _passes(row, filters)
            ]
        return from_list(fields, rows)

    def _everywhere(self, filters: list[ColumnFilter]) -> ResultSet:
        if self.scale_rows is not None:
            return self._scaled(None, OBSERVATION_FIELDS)
        sky = self.sky
        picked = list(sky.in_obsid_order())
        if filters:
            picked = [i for i in picked if _passes(sky.row(i), filters)]

        def read(start: int, stop: int) -> Iterator[dict[str, Any]]:
            return (sky.row(i) for i in picked[start:stop])

        def batches(start: int, stop: int) -> Iterator[RowBatch]:
            for first in range(start, stop, ROWS_PER_BATCH):
                chosen = picked[first : min(first + ROWS_PER_BATCH, stop)]
                yield RowBatch(len(chosen), sky.columns(chosen))

        return ResultSet(OBSERVATION_FIELDS, len(picked), read, batches)

    def _scaled(self, cone: Cone | None, fields: tuple[tuple[str, str], ...]) -> ResultSet:
        assert self.scale_rows is not None
        scale = ScaleRows(self.seed, self.scale_rows, cone)

        def batches(start: int, stop: int) -> Iterator[RowBatch]:
            for batch in scale.batches(start, stop):
                columns = batch.columns
                columns["objID1"] = columns["objID"]
                columns["_selected_"] = [None] * batch.size
                yield RowBatch(batch.size, columns)

        def read(start: int, stop: int) -> Iterator[dict[str, Any]]:
            for batch in batches(start, stop):
                yield from batch.rows()

        return ResultSet(fields, scale.count, read, batches)


def _asks_for_tess(filters: list[ColumnFilter]) -> bool:
    """A Filtered.Position query restricted to TESS also finds its full-frame images, as
    lightkurve's ``search_tesscut`` expects (sky/ffi.py)."""
    return any(f.column in ("project", "obs_collection") and "tess" in f.values for f in filters)


def _passes(row: Mapping[str, Any], filters: list[ColumnFilter]) -> bool:
    return all(f.matches(row) for f in filters)


def _decorate(row: dict[str, Any], distance: float | None) -> dict[str, Any]:
    row["distance"] = distance
    row["objID1"] = row["objID"]
    row["_selected_"] = None
    return row


def _number(params: Mapping[str, Any], name: str, low: float, high: float) -> float:
    if name not in params:
        raise InvalidQueryError(f"Missing required parameter '{name}' (degrees).")
    value = params[name]
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"Parameter '{name}'={value!r} is not a number.") from exc
    if not low <= number <= high or (name == "radius" and number <= 0.0):
        raise InvalidQueryError(f"Parameter '{name}'={number} is outside {low}..{high}.")
    return number


def parse_position(position: Any) -> Cone:
    """`"ra, dec, radius"` (degrees) as sent by astroquery for Filtered.Position."""
    if not isinstance(position, str):
        raise InvalidQueryError("Missing 'position': expected \"<ra>, <dec>, <radius_deg>\".")
    parts = [p for p in re.split(r"[,\s]+", position.strip()) if p]
    if len(parts) != 3:
        raise InvalidQueryError(f"'position'={position!r}: expected \"<ra>, <dec>, <radius>\".")
    named = dict(zip(("ra", "dec", "radius"), parts, strict=True))
    return Cone(
        _number(named, "ra", -360.0, 720.0) % 360.0,
        _number(named, "dec", -90.0, 90.0),
        _number(named, "radius", 0.0, 180.0),
    )


def parse_obsids(value: Any) -> list[int]:
    """The `obsid` parameter (comma list, number or list) as unique ints, in order."""
    if value is None or value == "":
        raise InvalidQueryError("Missing required parameter 'obsid' (comma-separated obsids).")
    items = value if isinstance(value, list) else str(value).split(",")
    obsids: dict[int, None] = {}
    for item in items:
        text = str(item).strip()
        if not text.isdigit():
            raise InvalidQueryError(
                f"obsid {text!r} is not a number; obsid is the numeric "
                "Product Group ID, not obs_id."
            )
        obsids[int(text)] = None
    return list(obsids)
