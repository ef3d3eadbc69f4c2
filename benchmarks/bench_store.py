"""Store benchmark: a 100,000-row observations-like Table through the result store.

Prints the write time, the cache-hit read time (as an astropy Table, through Store), its
ratio to a bare ``pyarrow.parquet.read_table`` of the same file (goal: under 1.5), and the
peak memory of the write. Hits are timed twice: served by the in-process hot cache (a copy
of the decoded table, the usual case for a repeated call) and with the hot cache off (the
file opened and decoded each time, as for the first hit in a new process).

    python benchmarks/bench_store.py [--rows 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from astropy.table import MaskedColumn, Table

from mastcache.settings import Settings
from mastcache.store import Store
from mastcache.store.hotcache import configure_hot_cache

KEY = "b" * 64
WORDS = np.array(["HST", "TESS", "JWST", "GALEX", "Kepler", "PS1", "SWIFT", "K2"])


def pick(rng: np.random.Generator, choices: list[str], rows: int) -> np.ndarray:
    return np.array(choices)[rng.integers(0, len(choices), rows)]


def observations(rows: int, seed: int = 7) -> Table:
    """A CAOM-shaped table: strings, floats, ints and masked values, as MAST returns them."""
    rng = np.random.default_rng(seed)
    t = Table(masked=True)
    t["intentType"] = pick(rng, ["science", "calibration"], rows)
    t["obs_collection"] = WORDS[rng.integers(0, len(WORDS), rows)]
    t["provenance_name"] = pick(rng, ["CALACS", "SPOC", "CALJWST", "TESS-SPOC", ""], rows)
    t["instrument_name"] = pick(rng, ["ACS/WFC", "WFC3/UVIS", "Photometer", "NIRCAM/IMAGE"], rows)
    t["filters"] = pick(rng, ["F814W", "F606W;F814W", "TESS", "CLEAR1L;F555W"], rows)
    t["target_name"] = np.char.add("TARGET-", rng.integers(0, 50000, rows).astype("U6"))
    t["obs_id"] = np.char.add("jbnw", rng.integers(0, 10**8, rows).astype("U8"))
    t["s_ra"] = rng.uniform(0, 360, rows)
    t["s_dec"] = rng.uniform(-90, 90, rows)
    t["s_ra"].unit = t["s_dec"].unit = "deg"
    t["dataproduct_type"] = pick(rng, ["image", "timeseries", "spectrum", "cube"], rows)
    t["proposal_pi"] = MaskedColumn(
        pick(rng, ["Smith, J.", "Ricker, George", "Ôtani, K."], rows), mask=rng.random(rows) < 0.1
    )
    t["calib_level"] = rng.integers(1, 4, rows).astype(np.int64)
    for name in ("t_min", "t_max", "t_exptime", "em_min", "em_max", "t_obs_release"):
        t[name] = MaskedColumn(rng.uniform(1, 6e4, rows), mask=rng.random(rows) < 0.05)
    t["obs_title"] = MaskedColumn(
        pick(rng, ["A survey of nearby galaxies", "", "TESS"], rows), mask=rng.random(rows) < 0.2
    )
    t["proposal_id"] = rng.integers(1000, 99999, rows).astype("U5")
    t["sequence_number"] = MaskedColumn(rng.integers(1, 90, rows), mask=rng.random(rows) < 0.5)
    t["s_region"] = np.char.add(
        "POLYGON 10.1 41.2 10.2 41.3 ", rng.integers(0, 9, rows).astype("U1")
    )
    t["dataURL"] = np.char.add("mast:HST/product/", t["obs_id"].data.data)
    t["dataRights"] = pick(rng, ["PUBLIC", "EXCLUSIVE_ACCESS"], rows)
    t["mtFlag"] = rng.random(rows) < 0.01
    t["srcDen"] = MaskedColumn(rng.uniform(0, 5000, rows), mask=rng.random(rows) < 0.7)
    t["obsid"] = rng.integers(2_000_000_000, 3_000_000_000, rows).astype(np.int64)
    t["distance"] = np.zeros(rows)
    return t


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def paired_timings(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[list[float], list[float]]:
    """Alternate the two actions so that both see the same machine load."""
    pairs = [(timings(first, 1)[0], timings(second, 1)[0]) for _ in range(repeat)]
    return [a for a, _ in pairs], [b for _, b in pairs]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    return statistics.median(timings(action, repeat))


def write(store: Store, table: Table) -> None:
    store.put_query(
        KEY,
        service="Mast.Caom.Cone",
        kind="observations",
        params={"r": 1},
        scope="anonymous",
        table=table,
        fetched_at=datetime.now(timezone.utc),
        expires_at=None,
    )


def measure_write(store: Store, table: Table, repeat: int) -> tuple[float, int, int]:
    """Median write time, then one traced write (tracemalloc slows it, so timed apart)."""
    elapsed = median_seconds(lambda: write(store, table), max(3, repeat // 3))
    pool = pa.default_memory_pool()
    tracemalloc.start()
    write(store, table)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak, pool.max_memory() or 0


def print_ratio(label: str, hits: list[float], bares: list[float]) -> None:
    ratio = statistics.median(h / b for h, b in zip(hits, bares, strict=True))
    print(
        f"{label:30} {ratio:8.2f} median of pairs, "
        f"{min(hits) / min(bares):.2f} best/best   (goal < 1.5)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    table = observations(args.rows)
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings.from_env({}, cache_dir=scratch)
        with Store.open(settings) as store:
            write_s, py_peak, arrow_peak = measure_write(store, table, args.repeat)
            record = store.get_query(KEY)
            assert record is not None
            path = Path(scratch) / record.table_path
            hits, bares = paired_timings(
                lambda: store.read_table(store.get_query(KEY)),
                lambda: pq.read_table(path),
                args.repeat,
            )
            configure_hot_cache(0)  # every hit from the file: open, decode, build
            disk_hits, disk_bares = paired_timings(
                lambda: store.read_table(store.get_query(KEY)),
                lambda: pq.read_table(path),
                args.repeat,
            )
        with Store.open(settings) as cold:  # first read in a new process-like store: hashes
            start = time.perf_counter()
            cold.read_table(record)
            cold_s = time.perf_counter() - start
    print(f"rows x columns:                {len(table)} x {len(table.colnames)}")
    print(f"Parquet file:                  {record.nbytes / 1e6:.2f} MB")
    print(f"write (put_query):             {write_s * 1e3:8.1f} ms (median)")
    print(
        f"write peak memory:             {py_peak / 1e6:8.1f} MB numpy/Python (tracemalloc)"
        f" + {arrow_peak / 1e6:.1f} MB Arrow pool high-water"
    )
    hit_med, bare_med = statistics.median(hits), statistics.median(bares)
    print(
        f"cache hit (hot, get_query+read):{hit_med * 1e3:8.1f} ms median, "
        f"{min(hits) * 1e3:.1f} ms best of {args.repeat}"
    )
    print(
        f"bare pyarrow read_table:       {bare_med * 1e3:8.1f} ms median, "
        f"{min(bares) * 1e3:.1f} ms best of {args.repeat}"
    )
    print_ratio("ratio hit / bare:", hits, bares)
    print(
        f"hit from disk (hot cache off): {statistics.median(disk_hits) * 1e3:8.1f} ms median, "
        f"{min(disk_hits) * 1e3:.1f} ms best of {args.repeat}"
    )
    print_ratio("ratio disk hit / bare:", disk_hits, disk_bares)
    print(f"first read, hash verified:     {cold_s * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
