"""Catalog repositories (store/repositories.py) read through a unit of work: what the sampled
mutation run found unguarded (docs/testing.md): resolution lookups by name, their expiry and
order, and the canonical JSON text of stored parameters that SQL users compare."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from astropy.table import Table

from mastcache.store import Store

FETCHED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
EXPIRES = FETCHED + timedelta(days=30)


def test_resolutions_are_found_by_their_own_name_in_any_case(store: Store) -> None:
    store.put_resolution("M31", None, False, "anonymous", [{"ra": 10.7}], FETCHED, EXPIRES)
    store.put_resolution("M101", None, False, "anonymous", [{"ra": 210.8}], FETCHED, None)
    with store.unit_of_work(read_only=True) as uow:
        for asked in ("M31", "m31"):
            found = uow.resolutions.get(asked, None, False, "anonymous")
            assert found is not None and found.entries == [{"ra": 10.7}]
            assert found.expires_at == EXPIRES
        assert uow.resolutions.get("M33", None, False, "anonymous") is None
        assert [r.name for r in uow.resolutions.list()] == ["m101", "m31"]


def test_stored_parameters_are_canonical_json_text(store: Store) -> None:
    store.put_query(
        "a" * 64, service="Mast.Caom.Cone", kind="observations",
        params={"radius": 0.2, "dec": -2.0, "ra": 1.5}, scope="anonymous",
        table=Table({"x": [1]}), fetched_at=FETCHED, expires_at=None,
    )  # fmt: skip
    with sqlite3.connect(store.root / "catalog.sqlite") as connection:
        (text,) = connection.execute("SELECT params_json FROM queries").fetchone()
    assert text == '{"dec":-2.0,"ra":1.5,"radius":0.2}'
