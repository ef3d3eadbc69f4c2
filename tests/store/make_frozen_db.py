"""Build the frozen catalogs of older schema revisions used by the upgrade tests.

Run from the repository root when a new revision is added, e.g.::

    python tests/store/make_frozen_db.py 0001

It writes ``tests/store/data/catalog_<revision>.sqlite`` holding real rows of every table
that exists at that revision, inserted with plain SQL (the ORM models are at head).
"""

from __future__ import annotations

import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from mastcache.settings import Settings
from mastcache.store import schema

DATA = Path(__file__).parent / "data"
KEY = "a1" * 32

ROWS_0001 = {
    "queries": {
        "key": KEY,
        "service": "Mast.Caom.Cone",
        "kind": "observations",
        "params_json": '{"dec":41.2690650,"ra":10.6847083,"radius":0.2}',
        "scope": "anonymous",
        "table_path": f"tables/a1/{KEY}-0123456789abcdef.parquet",
        "sha256": "0123456789abcdef" * 4,
        "nbytes": 4096,
        "nrows": 12,
        "fetched_at": "2026-01-02 03:04:05.000000",
        "expires_at": "2026-01-03 03:04:05.000000",
    },
    "resolutions": {
        "name": "m31",
        "resolver": "",
        "resolve_all": 0,
        "scope": "anonymous",
        "entries_json": '[{"canonicalName":"MESSIER 031","ra":10.6847083,"decl":41.26875}]',
        "fetched_at": "2026-01-02 03:04:00.000000",
        "expires_at": None,
    },
    "products": {
        "obsid": "2003520266",
        "uri": "mast:HST/product/jbnw01010_drz.fits",
        "filename": "jbnw01010_drz.fits",
        "scope": "anonymous",
        "size": 2880,
        "checksum": None,
        "product_group": "Minimum Recommended Products",
        "product_type": "SCIENCE",
        "fetched_at": "2026-01-02 03:04:06.000000",
        "row_json": '{"obsID":"2003520266","productFilename":"jbnw01010_drz.fits"}',
    },
    "files": {
        "uri": "mast:HST/product/jbnw01010_drz.fits",
        "sha256": "fe" * 32,
        "size": 2880,
        "local_path": f"products/fe/{'fe' * 32}",
        "status": "complete",
        "downloaded_at": "2026-01-02 03:05:00.000000",
    },
    "snapshots": {
        "name": "figure-3",
        "path": "/home/user/figure-3.mastsnap",
        "sha256": "cd" * 32,
        "created_at": "2026-01-04 00:00:00.000000",
        "query_keys_json": f'["{KEY}"]',
        "mastcache_version": "0.1.0",
        "schema_revision": "0001",
    },
}

ROWS_0002 = {
    **ROWS_0001,
    "files": {**ROWS_0001["files"], "verified_at": "2026-01-02 03:05:00.000000"},
    "query_stats": {
        "key": KEY,
        "hits": 3,
        "misses": 1,
        "last_hit_at": "2026-01-05 00:00:00.000000",
        "last_miss_at": "2026-01-02 03:04:05.000000",
    },
    "snapshots": {**ROWS_0001["snapshots"], "schema_revision": "0002"},
}

ROWS_0003 = {
    **ROWS_0002,
    "files": {**ROWS_0002["files"], "scope": "anonymous"},
    "snapshots": {**ROWS_0001["snapshots"], "schema_revision": "0003"},
}

#: Revision 0004 adds cloud_paths; a second result fetched under a login (scope) shows that
#: revision 0005 (row-level security on PostgreSQL) leaves an SQLite cache's rows as they are.
SCOPED_KEY = "b2" * 32
ROWS_0004 = {
    **ROWS_0003,
    "cloud_paths": {
        "uri": "mast:HST/product/jbnw01010_drz.fits",
        "path": "hst/public/jbnw/jbnw01010/jbnw01010_drz.fits",
        "in_cloud": 1,
        "size": 2880,
        "checked_at": "2026-01-02 03:04:07.000000",
    },
    "snapshots": {**ROWS_0001["snapshots"], "schema_revision": "0004"},
}
ROWS_0004_EXTRA = {
    "queries": {
        **ROWS_0001["queries"],
        "key": SCOPED_KEY,
        "scope": "user:0123456789abcdef0123456789abcdef",
        "table_path": f"tables/b2/{SCOPED_KEY}-0123456789abcdef.parquet",
    },
}

ROWS = {"0001": ROWS_0001, "0002": ROWS_0002, "0003": ROWS_0003, "0004": ROWS_0004}
EXTRA_ROWS = {"0004": ROWS_0004_EXTRA}


def build(revision: str, destination: Path) -> Path:
    """Create a catalog at ``revision`` with :data:`ROWS` and copy it to ``destination``."""
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings.from_env({}, cache_dir=scratch)
        schema.upgrade(settings, revision)
        catalog = Path(scratch) / "catalog.sqlite"
        engine = create_engine(f"sqlite:///{catalog}")
        with engine.begin() as connection:
            rows = [*ROWS[revision].items(), *EXTRA_ROWS.get(revision, {}).items()]
            for table, row in rows:
                columns = ", ".join(row)
                values = ", ".join(f":{name}" for name in row)
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)
        engine.dispose()
        plain = sqlite3.connect(catalog, isolation_level=None)
        plain.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal
        plain.close()
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(catalog, destination)
    return destination


def main(argv: list[str]) -> int:
    for revision in argv or sorted(ROWS):
        print(build(revision, DATA / f"catalog_{revision}.sqlite"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
