"""Team-mode fixtures: a PostgreSQL schema per test and a local S3 server (moto) per session.

PostgreSQL is the one on this machine (127.0.0.1:5432, trust auth, database ``test``, or
``MASTCACHE_TEST_POSTGRES``); without it the tests skip, naming what to install (they fail in
CI). Each test gets its own schema, named in the catalog URL's ``search_path`` and dropped after.
The S3 server is moto's server mode on 127.0.0.1; each test gets its own bucket.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from resources import require_postgres
from team.teamcache import AWS_ENV, PG_ADMIN, Team, catalog_url

from mastcache.emulator import EmulatorServer
from mastcache.store.hitcounts import flush_all


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port, with test credentials in the environment."""
    from moto.server import ThreadedMotoServer

    saved = {name: os.environ.get(name) for name in AWS_ENV}
    os.environ.update(AWS_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            _restore(name, value)


def _restore(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the S3 server."""
    import boto3

    name = f"team-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def pg_catalog() -> Iterator[str]:
    """A catalog URL on a new PostgreSQL schema, dropped after the test."""
    import psycopg

    require_postgres()
    schema = f"mastcache_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield catalog_url(PG_ADMIN, schema)
    finally:
        flush_all()  # buffered hit counters of this test's stores, before their schema goes
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def team(pg_catalog: str, bucket: str, s3_endpoint: str, emulator_session: EmulatorServer) -> Team:
    """A team cache on PostgreSQL + S3, with MAST on the session emulator."""
    return Team(pg_catalog, f"s3://{bucket}/shared", s3_endpoint, emulator_session.url)
