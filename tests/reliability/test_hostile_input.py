"""Hostile input at the user's boundary: malformed coordinates and names, absurd radii, unicode
and control characters in criteria, SQL escapes, zip-slip and link members in snapshots, and
product names that climb out of the download folder. Each gives a result or one clear
MastCacheError; nothing lands outside the cache or the download folder.
"""

from __future__ import annotations

import hashlib
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from astropy.table import Table
from reliability.faultcalls import built
from reliability.harness import cache_problems, record
from reliability.tabledigest import table_digest

import mastcache
from mastcache import runtime, snapshot
from mastcache.client import ObservationsClass
from mastcache.emulator import EmulatorServer
from mastcache.errors import MastCacheError, SnapshotError, SQLError
from mastcache.settings import Settings
from mastcache.store import Store

TALLY: dict[str, int] = {}

BAD_COORDINATES: list[Any] = [
    "not a coordinate", "", "   ", "10.68", "999 999", "10.68 95", "nan nan", "inf 0",
    "10.68 41.27 junk", "\x00\x01", "1' OR '1'='1", "12h30m +95d", "\u202e41.27 10.68",
    (float("nan"), 1.0), "x" * 10_000,
]  # fmt: skip
BAD_RADII: list[Any] = [-1, float("nan"), float("inf"), 1e9, "huge", "-0.1 deg", "1 parsec"]
BAD_NAMES = ["", " ", "\x00", "M31\x00; rm -rf /", "'; DROP TABLE resolutions; --", "🔭" * 50,
             "NoSuchObject_12345", "a" * 5000, "\r\n\r\nGET / HTTP/1.1"]  # fmt: skip
CRITERIA = ["O'Brien", 'quote " double', "%", "*", "\\", "\x00", "\x1b[31mred", "名前", "🔭",
            "\u202eevil", "a,b;c", "' UNION SELECT 1 --", "{}", "[1, 2]"]  # fmt: skip
SQL_ESCAPES = [
    "SELECT 1; SELECT 2", "COPY queries TO '/tmp/mastcache-escape.csv'",
    "ATTACH '/tmp/mastcache-escape.db' AS e", "INSTALL httpfs", "LOAD httpfs",
    "SET enable_external_access = true", "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('/etc/passwd')", "PRAGMA database_list",
    "EXPLAIN ANALYZE COPY queries TO '/tmp/mastcache-escape2.csv'",
    "CREATE TABLE x AS SELECT 1", "SELECT * FROM glob('/etc/*')",
    "SELECT getenv('HOME')", "CALL pragma_version()",
]  # fmt: skip


@pytest.fixture
def live(tmp_path: Path, emulator: EmulatorServer) -> Iterator[Settings]:
    settings = runtime.configure(mast_url=emulator.url, cache_dir=tmp_path / "cache")
    yield settings
    runtime.reset()


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """``("result", value)`` or ``("error", message)``; any other exception fails the test."""
    try:
        return "result", call()
    except MastCacheError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return "error", str(exc)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


#: What each hostile input must give: the error class (each one is refused; none reaches MAST
#: as a query). Radii beyond 180 degrees are refused by MAST itself (RemoteServiceError naming
#: the allowed range); everything else is refused before any request.
EXPECTED_COORDINATES = {repr(c): "InvalidQueryError" for c in BAD_COORDINATES}
EXPECTED_RADII = {
    "-1": "InvalidQueryError", "nan": "InvalidQueryError", "inf": "RemoteServiceError",
    "1000000000.0": "RemoteServiceError", "'huge'": "InvalidQueryError",
    "'-0.1 deg'": "InvalidQueryError", "'1 parsec'": "InvalidQueryError",
}  # fmt: skip
#: (resolve_object, query_object) for each name: blank names are refused as input, the rest
#: are sent to the resolver (safely encoded) and come back unresolved.
EXPECTED_NAMES = {
    repr(name): ("ResolverError", "InvalidQueryError") if not name.strip()
    else ("ResolverError", "ResolverError")
    for name in BAD_NAMES
}  # fmt: skip


def test_malformed_coordinates_radii_and_names_fail_clearly(live: Settings) -> None:
    """Every malformed input gives exactly its expected error class, with a message."""
    got: dict[str, Any] = {}
    with built(ObservationsClass) as client, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InputWarning, NoResultsWarning: not the point here
        for coordinates in BAD_COORDINATES:
            got[f"coordinates {coordinates!r}"] = raised(
                partial(client.query_region, coordinates, radius=0.1))  # fmt: skip
        for radius in BAD_RADII:
            got[f"radius {radius!r}"] = raised(
                partial(client.query_region, "10.68 41.27", radius=radius))  # fmt: skip
        for name in BAD_NAMES:
            resolved = raised(partial(client.resolve_object, name))
            queried = raised(partial(client.query_object, name, radius=0.1))
            got[f"name {name!r}"] = (resolved, queried)
    expected = {
        **{f"coordinates {k}": v for k, v in EXPECTED_COORDINATES.items()},
        **{f"radius {k}": v for k, v in EXPECTED_RADII.items()},
        **{f"name {k}": v for k, v in EXPECTED_NAMES.items()},
    }
    assert len(expected) == len(BAD_COORDINATES) + len(BAD_RADII) + len(BAD_NAMES)
    wrong = {k: (got[k], v) for k, v in expected.items() if got[k] != v}
    record("hostile-input", calls=len(got) + len(BAD_NAMES), failures=len(wrong))
    assert not wrong, "input: (got, expected)\n" + "\n".join(f"{k}: {v}" for k, v in wrong.items())
    assert not cache_problems(live)


def raised(call: Callable[[], Any]) -> str:
    """The class of the MastCacheError ``call`` raised (it must carry a message), or
    ``result``; any other exception fails the test."""
    try:
        call()
    except MastCacheError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return type(exc).__name__
    return "result"


#: Literal values match nothing; the two wildcards (MAST's % and astroquery's *) match all.
WILDCARDS = ("%", "*")


def test_unicode_and_control_characters_in_criteria_round_trip(live: Settings) -> None:
    """Every value is a result, stored, then served identically from the cache; literal
    values match no target, the wildcards match the same non-empty set; SQL over the stored
    results still works."""
    digests = {}
    with built(ObservationsClass) as client:
        for value in CRITERIA:
            first = client.query_criteria(target_name=value)
            again = client.query_criteria(target_name=value)
            assert again.meta["mastcache"]["source"] == "cache", value
            assert table_digest(again) == table_digest(first), value
            assert (len(first) > 0) == (value in WILDCARDS), (value, len(first))
            digests[value] = table_digest(first)
    assert digests["%"] == digests["*"]
    count = mastcache.sql("SELECT count(*) AS n FROM queries", settings=live)
    record("hostile-input", criteria=len(CRITERIA), criteria_stored=len(digests))
    assert int(count["n"][0]) == len(CRITERIA)
    assert not cache_problems(live)


@pytest.mark.parametrize("statement", SQL_ESCAPES)
def test_sql_escape_attempts_are_refused_and_change_nothing(live: Settings, statement: str) -> None:
    with built(ObservationsClass) as client:
        client.query_region("10.68 41.27", radius=0.1)
    before = tree_digest(live.cache_dir)
    with pytest.raises(SQLError):
        mastcache.sql(statement, settings=live)
    after = tree_digest(live.cache_dir)
    assert {name: after.get(name) for name in before} == before
    assert set(after) - set(before) <= {"cache.rwlock"}  # the SQL session's (empty) lock file
    assert not list(Path("/tmp").glob("mastcache-escape*"))
    record("hostile-sql", statements=1, refused=1)


def _hostile_member(name: str, mode: int) -> Callable[[list[Any]], list[Any]]:
    def add(entries: list[Any]) -> list[Any]:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        return [*entries, (info, b"/etc/passwd")]

    return add


@pytest.mark.parametrize(
    ("name", "mode"),
    [("../escape.txt", stat.S_IFREG | 0o644), ("../../tmp/escape.txt", stat.S_IFREG | 0o644),
     ("/tmp/escape.txt", stat.S_IFREG | 0o644), ("tables/link", stat.S_IFLNK | 0o777),
     ("tables\\..\\..\\escape.txt", stat.S_IFREG | 0o644)],
)  # fmt: skip
def test_zip_slip_and_link_members_in_a_snapshot_are_refused(
    live: Settings, tmp_path: Path, name: str, mode: int
) -> None:
    with built(ObservationsClass) as client:
        client.query_region("10.68 41.27", radius=0.1)
    bundle = Path(snapshot.create(tmp_path / "good.mastsnap", settings=live).path)
    hostile = tmp_path / "hostile.mastsnap"
    with zipfile.ZipFile(bundle) as source, zipfile.ZipFile(hostile, "w") as out:
        for info, data in _hostile_member(name, mode)(
            [(i, source.read(i)) for i in source.infolist()]
        ):
            out.writestr(info, data)
    target = Settings.from_env({}, cache_dir=tmp_path / "target")
    with pytest.raises(SnapshotError):
        snapshot.restore(hostile, settings=target)
    with Store.open(target) as store:
        assert store.list_queries() == []
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/escape.txt").exists()
    record("hostile-snapshot", bundles=1, refused=1)


@pytest.mark.parametrize(
    ("column", "value", "why"),
    [("productFilename", "../../escaped.fits", "climbs out of its folder with '..'"),
     ("productFilename", "/tmp/abs-escaped.fits", "is an absolute path"),
     ("obs_id", "../../up", "contains a path separator"),
     ("obs_collection", "../..", "contains a path separator")],
)  # fmt: skip
def test_product_names_climbing_out_are_refused(
    live: Settings, tmp_path: Path, column: str, value: str, why: str
) -> None:
    """The row is reported ERROR in the manifest, naming the column, the value and why;
    nothing is written anywhere."""
    folder = tmp_path / "deep" / "downloads"
    with built(ObservationsClass) as client:
        products = client.get_product_list(client.query_region("10.68 41.27", radius=0.05)[:1])
        row = Table(products[:1], copy=True)
        row[column] = row[column].astype(object)
        row[column][0] = value
        manifest = client.download_products(row, download_dir=folder)
    assert manifest is not None and list(manifest["Status"]) == ["ERROR"], manifest
    message = str(manifest["Message"][0])
    named = {"productFilename": "product filename"}.get(column, column)
    assert f"refused to write {named} {value!r}: it {why}" in message, message
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))
    escaped = [p for p in tmp_path.rglob("*.fits") if folder not in p.parents]
    assert not escaped and not Path("/tmp/abs-escaped.fits").exists()
    record("hostile-paths", rows=1, refused=1)
