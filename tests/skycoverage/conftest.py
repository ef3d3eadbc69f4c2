"""A cache holding observations with every footprint form MAST writes, written by the real Store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from astropy.table import MaskedColumn, Table

from mastcache.settings import Settings
from mastcache.store import Store

NOW = datetime.now(timezone.utc).replace(microsecond=0)
OBS_KEY, MORE_KEY, PRODUCTS_KEY = "a1" * 32, "b2" * 32, "c3" * 32

#: (obsid, collection, instrument, t_min, s_region, s_ra, s_dec)
OBSERVATIONS = [
    (1, "HST", "WFC3/UVIS", 59000.0,
     "POLYGON ICRS 359.95 10.0 0.05 10.0 0.05 10.1 359.95 10.1 359.95 10.0", 0.0, 10.05),
    (2, "HST", "ACS/WFC", 59100.0,
     "POLYGON J2000 150.0 2.0 150.1 2.0 150.1 2.1 POLYGON J2000 150.2 2.0 150.3 2.0 150.3 2.1",
     150.15, 2.05),
    (3, "TESS", "Photometer", 59500.0, "CIRCLE ICRS 45.0 89.5 1.0", 45.0, 89.5),
    (4, "TESS", "Photometer", 59600.0, "POLYGON GSC1 10 -88 100 -88 190 -88 280 -88", 0.0, -90.0),
    (5, "GALEX", "GALEX", 58000.0,
     "UNION (CIRCLE ICRS 200.0 -30.0 0.5 POLYGON ICRS 201 -30 201.2 -30 201.2 -29.8)",
     200.5, -30.0),
    (6, "JWST", "NIRCAM/IMAGE", 60000.0, "", 300.0, 20.0),
    (7, "JWST", "NIRCAM/IMAGE", 60010.0, None, None, None),
]  # fmt: skip


def observations_table() -> Table:
    columns = list(zip(*OBSERVATIONS, strict=True))
    table = Table()
    table["obsid"] = list(columns[0])
    table["obs_collection"] = list(columns[1])
    table["instrument_name"] = list(columns[2])
    table["t_min"] = list(columns[3])
    table["t_max"] = [t + 1.0 for t in columns[3]]
    table["s_region"] = MaskedColumn([r or "" for r in columns[4]],
                                     mask=[r is None for r in columns[4]])  # fmt: skip
    for name, values in (("s_ra", columns[5]), ("s_dec", columns[6])):
        table[name] = MaskedColumn([v or 0.0 for v in values], mask=[v is None for v in values])
    table["t_exptime"] = [100.0 * obsid for obsid in columns[0]]
    return table


def fill(store: Store) -> None:
    table = observations_table()
    put(store, OBS_KEY, "Mast.Caom.Filtered.Position", "observations", table[:5])
    put(store, MORE_KEY, "Mast.Caom.Cone", "observations", table[4:])
    products = Table(
        {
            "obsID": ["1", "1", "2", "3", "99"],
            "parent_obsid": ["1", "1", "2", "3", "99"],
            "dataURI": [f"mast:p{i}" for i in range(5)],
            "productFilename": [f"p{i}.fits" for i in range(5)],
        }
    )
    put(store, PRODUCTS_KEY, "Mast.Caom.Products", "products", products)
    entry = {"canonicalName": "TARGET ONE", "ra": 150.1, "decl": 2.05, "resolver": "SIMBAD"}
    store.put_resolution("t1", None, False, "anonymous", [entry], NOW, NOW + timedelta(days=30))


def put(store: Store, key: str, service: str, kind: str, table: Table) -> None:
    store.put_query(key, service=service, kind=kind, params={"k": key}, scope="anonymous",
                    table=table, fetched_at=NOW, expires_at=None)  # fmt: skip


@pytest.fixture(scope="module")
def footprint_cache(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root: Path = tmp_path_factory.mktemp("coverage") / "cache"
    settings = Settings.from_env({}, cache_dir=root)
    with Store.open(settings) as store:
        fill(store)
    return settings
