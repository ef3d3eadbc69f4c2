"""Store behaviour the sampled mutation run found unguarded in the local (non-team) store
(docs/testing.md): a stored query keeps the identity scope it was fetched under."""

from __future__ import annotations

from datetime import datetime, timezone

from astropy.table import Table

from mastcache.store import Store, parquet

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


def test_a_result_file_describes_its_query_and_lies_in_its_service_folder(store: Store) -> None:
    record = store.put_query(
        "c" * 64, service="Mast.Caom.Cone", kind="observations", params={"ra": 1},
        scope="anonymous", table=Table({"x": [1]}), fetched_at=FETCHED, expires_at=None,
    )  # fmt: skip
    assert record.table_path.startswith("tables/service=Mast.Caom.Cone/")
    provenance = parquet.read_provenance(store.root / record.table_path)
    assert provenance == {
        "key": "c" * 64, "service": "Mast.Caom.Cone", "kind": "observations",
        "scope": "anonymous",
    }  # fmt: skip


def test_a_name_resolution_is_found_only_under_its_own_resolver(store: Store) -> None:
    entries = [{"ra": 10.684708, "decl": 41.26875}]
    store.put_resolution("M31", "NED", False, "anonymous", entries, FETCHED, None)
    found = store.get_resolution("m31", "NED", False)
    assert found is not None and found.resolver == "NED" and found.entries == entries
    assert store.get_resolution("M31", "SIMBAD", False) is None
    assert store.get_resolution("M31", None, False) is None
    assert store.get_resolution("M31", "NED", True) is None
