"""Store behaviour the sampled mutation run found unguarded in the local (non-team) store
(docs/testing.md): a stored query keeps the identity scope it was fetched under."""

from __future__ import annotations

from datetime import datetime, timezone

from astropy.table import Table

from mastcache.store import Store

FETCHED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)


def test_a_stored_query_keeps_its_scope(store: Store) -> None:
    for key, scope in (("a" * 64, "user:abc"), ("b" * 64, "anonymous")):
        store.put_query(
            key, service="Mast.Caom.Cone", kind="observations", params={"ra": 1}, scope=scope,
            table=Table({"x": [1]}), fetched_at=FETCHED, expires_at=None,
        )  # fmt: skip
    found = {record.key: record.scope for record in store.list_queries()}
    assert found == {"a" * 64: "user:abc", "b" * 64: "anonymous"}
    private = store.get_query("a" * 64)
    assert private is not None and private.scope == "user:abc"
