"""Store behaviour the sampled mutation run found unguarded in the local (non-team) store
(docs/testing.md): a stored query keeps the identity scope it was fetched under; result files
describe their query and lie in their service's folder, or in a store folder of their own;
resolutions are kept per resolver; product files are staged in the products folder."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

from astropy.table import Table

from mastcache.settings import Settings
from mastcache.store import Store, parquet
from mastcache.store.blobs import stage_blob
from mastcache.store.files import bytes_writer

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


def test_results_go_to_a_store_url_that_names_another_local_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache", store_url=str(shared))
    with Store.open(settings) as other:
        assert other.shares_files
        record = other.put_query(
            "e" * 64, service="Mast.Caom.Cone", kind="observations", params={},
            scope="anonymous", table=Table({"x": [4, 5]}), fetched_at=FETCHED,
            expires_at=None,
        )  # fmt: skip
        assert list(other.read_table(record)["x"]) == [4, 5]
    assert (shared / record.table_path).is_file()
    assert not (tmp_path / "cache" / record.table_path).exists()


def test_a_product_file_is_staged_in_the_products_folder(store: Store) -> None:
    staged, sha256, nbytes = stage_blob(store, bytes_writer(b"spectrum"))
    assert staged.parent == store.root / "products" and staged.read_bytes() == b"spectrum"
    assert (sha256, nbytes) == (hashlib.sha256(b"spectrum").hexdigest(), 8)


def test_a_stored_query_keeps_its_expiry(store: Store) -> None:
    expires = datetime(2026, 3, 5, 5, 6, 7, tzinfo=timezone.utc)
    store.put_query(
        "f" * 64, service="Mast.Caom.Cone", kind="observations", params={}, scope="anonymous",
        table=Table({"x": [1]}), fetched_at=FETCHED, expires_at=expires,
    )  # fmt: skip
    found = store.get_query("f" * 64)
    assert found is not None and (found.fetched_at, found.expires_at) == (FETCHED, expires)
