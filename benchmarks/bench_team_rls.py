"""What row-level security by scope (Alembic 0005) costs a team catalog's reads.

Fills a PostgreSQL schema at head with N ``queries`` rows and N ``products`` rows, a tenth of
them in 10 login scopes, then times, as the superuser (not restricted) and as a member role
(restricted: a member of one scope), the reads mastcache does: ``Store.everything()`` (what
``mastcache sql`` opens) and ``Store.get_query`` of one key (a cache hit's catalog lookup).
Best of 5 each. Needs PostgreSQL at 127.0.0.1:5432 (trust, database ``test``). Usage::

    python benchmarks/bench_team_rls.py [--rows 20000]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg

from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.engine import make_engine
from mastcache.store.scopes import grant_scope

PG = os.environ.get("MASTCACHE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SCOPES = [f"user:{i:032x}" for i in range(10)]


def catalog(schema: str, role: str = "postgres") -> str:
    url = PG.replace("postgresql://postgres@", f"postgresql+psycopg://{role}@", 1)
    return f"{url}?options=-csearch_path%3D{schema}"


def fill(schema: str, rows: int) -> None:
    scoped = "CASE WHEN i %% 10 = 0 THEN 'user:' || lpad(to_hex(i / 10 %% 10), 32, '0') " \
        "ELSE 'anonymous' END"  # fmt: skip
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{schema}"')
        connection.execute(
            "INSERT INTO queries (key, service, kind, params_json, scope, table_path, sha256, "
            "nbytes, nrows, fetched_at) SELECT lpad(to_hex(i), 64, '0'), 'Mast.Caom.Cone', "
            f"'observations', '{{}}', {scoped}, 'tables/x/' || i || '.parquet', "
            "repeat('0', 64), 1, 1, now() FROM generate_series(1, %s) AS i",
            (rows,),
        )
        connection.execute(
            "INSERT INTO products (obsid, uri, filename, scope, row_json) SELECT i::text, "
            f"'mast:X/' || i, 'f' || i, {scoped}, '{{}}' FROM generate_series(1, %s) AS i",
            (rows,),
        )


def best(action: Callable[[], object]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(settings: Settings, key: str) -> tuple[float, float, int]:
    with Store.open(settings) as store:
        seen = len(store.everything()[0])
        return best(store.everything), best(lambda: store.get_query(key)), seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20000)
    rows = parser.parse_args().rows
    schema = f"mastcache_bench_{uuid.uuid4().hex[:8]}"
    member = f"mc_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
        connection.execute(f'CREATE ROLE "{member}" LOGIN')
    try:
        with tempfile.TemporaryDirectory() as scratch:
            admin = Settings.from_env(
                {}, cache_dir=Path(scratch) / "a", catalog_url=catalog(schema),
                store_url=str(Path(scratch) / "store"),
            )  # fmt: skip
            Store.open(admin).close()
            fill(schema, rows)
            with psycopg.connect(PG, autocommit=True) as connection:
                connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{member}"')
                connection.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{member}"')
            engine = make_engine(admin)
            with engine.begin() as connection:
                grant_scope(connection, SCOPES[1], [member])
            engine.dispose()
            key = f"{rows // 2 + 1:064x}"
            as_member = admin.new(
                catalog_url=catalog(schema, member), cache_dir=Path(scratch) / "m"
            )
            su_all, su_one, su_seen = measure(admin, key)
            m_all, m_one, m_seen = measure(as_member, key)
        print(f"rows: {rows} queries + {rows} products, {rows // 10} of each in 10 scopes")
        print(
            f"everything(): superuser {su_all * 1000:.1f} ms ({su_seen} rows), "
            f"member {m_all * 1000:.1f} ms ({m_seen} rows), ratio {m_all / su_all:.2f}"
        )
        print(f"get_query():  superuser {su_one * 1000:.2f} ms, member {m_one * 1000:.2f} ms, "
              f"ratio {m_one / su_one:.2f}")  # fmt: skip
    finally:
        with psycopg.connect(PG, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
            connection.execute(f'DROP OWNED BY "{member}"')
            connection.execute(f'DROP ROLE "{member}"')
            for scope in SCOPES:
                from mastcache.store.scopes import scope_role

                role = scope_role(scope)
                found = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
                if found.fetchone():
                    connection.execute(f'DROP ROLE "{role}"')


if __name__ == "__main__":
    main()
