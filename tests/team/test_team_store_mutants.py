"""Team-mode store behaviour the sampled mutation run found unguarded (docs/testing.md): a
result damaged in the team store with its size kept, and a login's product list kept on the
member's machine."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
from astropy.table import Table
from team.teamcache import Team

from mastcache.errors import CorruptEntryError
from mastcache.store import Store
from mastcache.store.records import ProductRecord, utcnow


def test_a_team_result_damaged_in_the_store_with_its_size_kept_is_refused(
    team: Team, tmp_path: Path, bucket: str
) -> None:
    with Store.open(team.settings(tmp_path / "a")) as store:
        record = store.put_query(
            "d" * 64, service="Mast.Caom.Cone", kind="observations", params={},
            scope="anonymous", table=Table({"x": [1, 2, 3]}), fetched_at=utcnow(),
            expires_at=None,
        )  # fmt: skip
    s3 = boto3.client("s3", endpoint_url=team.endpoint, region_name="us-east-1")
    key = f"shared/{record.table_path}"
    assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == record.nbytes
    damaged = b"X" * record.nbytes  # same size, other bytes
    s3.put_object(Bucket=bucket, Key=key, Body=damaged)

    with Store.open(team.settings(tmp_path / "b")) as other:  # no copy here: reads the object
        found = other.get_query("d" * 64)
        assert found is not None
        with pytest.raises(CorruptEntryError) as failure:
            other.read_table(found)
        where = f"{other.objects.url}/{record.table_path}"
    bad = hashlib.sha256(damaged).hexdigest()
    assert str(failure.value) == (
        f"the cached result of query {'d' * 12} (Mast.Caom.Cone) is damaged: {where} has "
        f"sha256 {bad[:12]}... instead of {record.sha256[:12]}...; it is fetched again "
        "outside offline mode, and `mastcache cache verify` finds other damage"
    )


def test_a_logins_product_list_kept_on_this_machine_is_served_to_its_scope_only(
    team: Team, tmp_path: Path
) -> None:
    row = ProductRecord("2003738726", "mast:HST/product/x_drz.fits", "x_drz.fits",
                        scope="user:abc", size=10, fetched_at=utcnow())  # fmt: skip
    settings = team.settings(tmp_path / "a")
    with Store.open(settings, serve_local=True) as store:
        assert store.put_products([row]) == 1  # not shared (no opt-in): this machine only
        served = store.get_products(["2003738726"], "user:abc")
        assert [(p.uri, p.scope) for p in served] == [(row.uri, "user:abc")]
        assert store.get_products(["2003738726"], "anonymous") == []
    with Store.open(settings) as store:  # maintenance: the team catalog only
        assert store.get_products(["2003738726"], "user:abc") == []
