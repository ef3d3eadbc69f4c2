"""`mastcache sql "SELECT 1"` over a team cache (PostgreSQL + S3) versus the same results in
a local cache (issue #23 goal: within 1.5x).

Fills both with N small results (the team one through a machine's cache directory, which
keeps verified copies), then times the CLI in fresh processes (best of 3), on that machine
and on a machine without copies (every result opened on S3). Needs PostgreSQL
at 127.0.0.1:5432 (trust, database ``test``) and moto. Usage::

    python benchmarks/bench_team_sql.py [--results 1000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG = os.environ.get("MASTCACHE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def fill(settings: object, count: int) -> None:
    from astropy.table import Table

    from mastcache.store import Store
    from mastcache.store.records import utcnow

    with Store.open(settings) as store:  # type: ignore[arg-type]
        for index in range(count):
            table = Table({"obsid": [str(index)], "ra": [float(index)]})
            store.put_query(
                f"{index:064x}", service="Mast.Caom.Cone", kind="observations",
                params={"i": index}, scope="anonymous", table=table,
                fetched_at=utcnow(), expires_at=None,
            )  # fmt: skip


def timed(env: dict[str, str]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mastcache", "sql", "SELECT 1"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=1000)
    count = parser.parse_args().results
    import boto3  # type: ignore[import-untyped]
    import psycopg
    from moto.server import ThreadedMotoServer

    from mastcache.settings import Settings

    os.environ.update(AWS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    bucket, schema = f"bench-{uuid.uuid4().hex[:8]}", f"bench_{uuid.uuid4().hex[:8]}"
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=bucket)
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    catalog = PG.replace("postgresql://", "postgresql+psycopg://") + (
        f"?options=-csearch_path%3D{schema}"
    )
    try:
        with tempfile.TemporaryDirectory() as tmp:
            local, machine = Path(tmp) / "local", Path(tmp) / "machine"
            fill(Settings.from_env({}, cache_dir=local), count)
            team = {"catalog_url": catalog, "store_url": f"s3://{bucket}/t"}
            fill(Settings.from_env({}, cache_dir=machine, s3_endpoint_url=endpoint, **team), count)
            base = {**os.environ, "PYTHONPATH": os.getcwd()}
            local_s = timed({**base, "MASTCACHE_DIR": str(local)})
            team_env = {
                **base, "MASTCACHE_DIR": str(machine), "MASTCACHE_CATALOG_URL": catalog,
                "MASTCACHE_STORE_URL": team["store_url"], "MASTCACHE_S3_ENDPOINT_URL": endpoint,
            }  # fmt: skip
            team_s = timed(team_env)
            fresh_s = timed({**team_env, "MASTCACHE_DIR": str(Path(tmp) / "fresh")})
            print(f"results: {count}")
            print(f"local cache:  {local_s:.2f} s")
            print(f"team cache:   {team_s:.2f} s  ({team_s / local_s:.2f}x local; goal <= 1.5x)")
            print(f"team cache, a machine without copies: {fresh_s:.2f} s "
                  f"({fresh_s / local_s:.2f}x local)")  # fmt: skip
    finally:
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        server.stop()


if __name__ == "__main__":
    main()
