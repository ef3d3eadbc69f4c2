"""Serve a scaled cone (default 1,000,000 rows) page by page and print the emulator's memory.

The emulator runs in a child process (`rows=N`); this script POSTs Mast.Caom.Cone page after
page over loopback, streams each reply to nowhere, and prints after every page the child's
current and peak RSS (VmRSS / VmHWM). Flat memory = the peak stops growing after page 1.

    python benchmarks/bench_emulator_rows.py [--rows 1000000] [--pagesize 50000] [--pages N]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

SERVER = (
    "import threading, sys\n"
    "from mastcache.emulator import start\n"
    "server = start('127.0.0.1', 0, rows=int(sys.argv[1]))\n"
    "print(server.url, flush=True)\n"
    "threading.Event().wait()\n"
)
PAGING = re.compile(rb'"paging":(\{[^}]*\})')


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    values = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE))
    return int(values["VmRSS"]), int(values["VmHWM"])


def fetch_page(url: str, page: int, pagesize: int) -> tuple[int, dict[str, int]]:
    """Stream one page to nowhere; return (bytes received, paging block)."""
    request = {
        "service": "Mast.Caom.Cone",
        "params": {"ra": 150.0, "dec": 2.2, "radius": 0.5},
        "format": "json",
        "pagesize": pagesize,
        "page": page,
        "cacheBreaker": "bench",
    }
    body = "request=" + quote(json.dumps(request))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    total, tail = 0, b""
    with requests.post(
        url + "/api/v0/invoke", data=body, headers=headers, stream=True, timeout=600
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_content(1 << 20):
            total += len(chunk)
            tail = (tail + chunk)[-4096:]
    found = PAGING.search(tail)
    if found is None:
        raise RuntimeError(f"page {page}: no paging block at the end of the reply")
    return total, json.loads(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pagesize", type=int, default=50_000)
    parser.add_argument("--pages", type=int, default=None, help="stop after this many pages")
    args = parser.parse_args()
    child = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.rows)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        run(url, child.pid, args)
    finally:
        child.terminate()
        child.wait(timeout=30)
    return 0


def run(url: str, pid: int, args: argparse.Namespace) -> None:
    rss, peak = memory_kib(pid)
    print(f"emulator {url} rows={args.rows:,} pagesize={args.pagesize:,}")
    print(f"before:  rss {rss / 1024:7.1f} MiB  peak {peak / 1024:7.1f} MiB")
    page, pages, rows_seen, started = 1, 1, 0, time.perf_counter()
    while page <= pages and (args.pages is None or page <= args.pages):
        t0 = time.perf_counter()
        nbytes, paging = fetch_page(url, page, args.pagesize)
        pages, rows_seen = paging["pagesFiltered"], rows_seen + paging["rows"]
        rss, peak = memory_kib(pid)
        print(
            f"page {page:3d}/{pages}: {paging['rows']:6,} rows {nbytes / 1e6:7.1f} MB "
            f"{time.perf_counter() - t0:6.1f} s  rss {rss / 1024:7.1f} MiB  "
            f"peak {peak / 1024:7.1f} MiB"
        )
        page += 1
    elapsed = time.perf_counter() - started
    print(f"total: {rows_seen:,} rows in {elapsed:.0f} s; emulator peak RSS {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    sys.exit(main())
