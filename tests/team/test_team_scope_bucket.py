"""The bucket half of scope sharing (issue #23): results shared with a scope are stored under
``scopes/<digest>/``, so each member's bucket credentials can be limited to their scopes'
prefixes. moto enforces IAM policies once authentication is switched on (its server's
``/moto-api/reset-auth``, the switch behind ``INITIAL_NO_AUTH_ACTION_COUNT``): two IAM users
with the policy docs/team-mode.md gives cannot GET each other's objects."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3  # type: ignore[import-untyped]
import pytest
import requests
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from team.pgroles import as_role, grant_tables, member_roles, new_scope, schema_of
from team.teamcache import AWS_ENV, Team

from mastcache.errors import StoreUnavailableError
from mastcache.store import Store
from mastcache.store.engine import make_engine
from mastcache.store.records import QueryRecord, utcnow
from mastcache.store.scopes import grant_scope, scope_prefix

PREFIX = "shared"
#: The actions of the member policy in docs/team-mode.md (AWS checks s3:GetObject for a HEAD
#: and s3:PutObject for every step of a multipart upload) ...
DOCUMENTED_ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
#: ... and the names moto checks instead for those requests (pyarrow uploads in parts).
MOTO_ACTIONS = [
    "s3:HeadObject",
    "s3:CreateMultipartUpload",
    "s3:UploadPart",
    "s3:CompleteMultipartUpload",
    "s3:AbortMultipartUpload",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def iam_s3() -> Iterator[str]:
    """A moto server of its own (authentication is process-wide in moto), on loopback."""
    port = _free_port()
    env = {**os.environ, **AWS_ENV, "INITIAL_NO_AUTH_ACTION_COUNT": "inf"}
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def member_policy(bucket: str, scope: str) -> dict[str, object]:
    """A member's bucket policy: the anonymous folders and their scope's prefix only."""
    root = f"arn:aws:s3:::{bucket}/{PREFIX}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [*DOCUMENTED_ACTIONS, *MOTO_ACTIONS],
                "Resource": [
                    f"{root}/tables/*",
                    f"{root}/products/*",
                    f"{root}/{scope_prefix(scope)}*",
                ],
            }
        ],
    }


@dataclass(frozen=True)
class Keys:
    access_key: str
    secret_key: str

    def environ(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key}

    def s3(self, endpoint: str) -> object:
        return boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
        )  # fmt: skip


def _iam_user(endpoint: str, name: str, policy: dict[str, object]) -> Keys:
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="mastcache", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Keys(key["AccessKeyId"], key["SecretAccessKey"])


def _as_member(team: Team, role: str) -> Team:
    return Team(as_role(team.catalog_url, role), team.store_url, team.endpoint, team.mast_url)


def _put(store: Store, scope: str, key: str) -> QueryRecord:
    from astropy.table import Table

    return store.put_query(
        key, service="Mast.Caom.Cone", kind="observations", params={"scope": scope},
        scope=scope, table=Table({"obsid": [1, 2, 3]}), fetched_at=utcnow(), expires_at=None,
    )  # fmt: skip


def test_members_bucket_credentials_cannot_get_another_scopes_objects(
    pg_catalog: str, iam_s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AWS_ENV["AWS_ACCESS_KEY_ID"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", AWS_ENV["AWS_SECRET_ACCESS_KEY"])
    bucket = f"team-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=iam_s3, region_name="us-east-1").create_bucket(Bucket=bucket)
    team = Team(pg_catalog, f"s3://{bucket}/{PREFIX}", iam_s3, "http://127.0.0.1:9")
    alice_scope, bob_scope = new_scope(), new_scope()
    alice_keys = _iam_user(iam_s3, "alice", member_policy(bucket, alice_scope))
    bob_keys = _iam_user(iam_s3, "bob", member_policy(bucket, bob_scope))
    requests.post(f"{iam_s3}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    with pytest.raises(ClientError, match="InvalidAccessKeyId"):  # auth is on now
        boto3.client("s3", endpoint_url=iam_s3, region_name="us-east-1").list_buckets()
    with Store.open(team.settings(tmp_path / "admin")):
        pass  # the admin creates the schema (no request to the bucket)
    schema = schema_of(pg_catalog)
    with member_roles(schema, 2, [alice_scope, bob_scope]) as members:
        grant_tables(schema, members.names)
        engine = make_engine(team.settings(tmp_path / "admin"))
        with engine.begin() as connection:
            grant_scope(connection, alice_scope, [members.names[0]])
            grant_scope(connection, bob_scope, [members.names[1]])
        engine.dispose()
        alice = _as_member(team, members.names[0]).settings(tmp_path / "a", share_scoped=True)
        bob = _as_member(team, members.names[1]).settings(tmp_path / "b", share_scoped=True)

        monkeypatch.setenv("AWS_ACCESS_KEY_ID", alice_keys.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", alice_keys.secret_key)
        with Store.open(alice) as store:  # Alice's machine, Alice's bucket credentials
            mine = _put(store, alice_scope, "a" * 64)
            public = _put(store, "anonymous", "c" * 64)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", bob_keys.access_key)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", bob_keys.secret_key)
        with Store.open(bob) as store:
            theirs = _put(store, bob_scope, "b" * 64)
            assert store.get_query(mine.key) is None  # the catalog hides Alice's row
            assert len(store.read_table(public)) == 3  # the anonymous result: readable
            with pytest.raises(StoreUnavailableError, match="refused"):
                store.objects.read_bytes(mine.table_path)  # even knowing the path

    assert mine.table_path.startswith(f"{scope_prefix(alice_scope)}tables/service=")
    assert theirs.table_path.startswith(f"{scope_prefix(bob_scope)}tables/service=")
    assert public.table_path.startswith("tables/service=")
    for keys, own, other in ((alice_keys, mine, theirs), (bob_keys, theirs, mine)):
        s3 = keys.s3(iam_s3)
        assert s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{own.table_path}")["Body"].read()
        assert s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{public.table_path}")["Body"].read()
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.get_object(Bucket=bucket, Key=f"{PREFIX}/{other.table_path}")
