"""A planted token never leaves memory: after a full logged-in session (queries, products and
downloads, SQL, snapshots, errors, the CLI with --debug), no file under the test's folder
(cache, downloads, snapshots and their members, logs), no captured output and no exception
message holds the token or any 8-character piece of it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from astropy.coordinates import SkyCoord

import mastcache
from mastcache import runtime
from mastcache.client import ObservationsClass
from mastcache.errors import MastCacheError
from mastcache.snapshot import create

PIECE = 8


def pieces(token: str) -> set[str]:
    return {token[i : i + PIECE] for i in range(len(token) - PIECE + 1)}


def leaks(text: str | bytes, token: str) -> list[str]:
    if isinstance(text, bytes):
        return [p for p in pieces(token) if p.encode() in text]
    return [p for p in pieces(token) if p in text]


def exception_texts(exc: BaseException) -> Iterator[str]:
    """The message, repr and args of an exception and of every exception it chains."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        current = current.__cause__ or current.__context__


def file_texts(root: Path) -> Iterator[tuple[Path, bytes]]:
    """Every file's bytes, plus decoded Parquet tables and snapshot (zip) members."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        yield path, data
        if data[:4] == b"PAR1":
            table = pq.read_table(path)
            yield path, (str(table.to_pylist()) + str(table.schema.metadata)).encode()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as bundle:
                for name in bundle.namelist():
                    yield path / name, bundle.read(name)


def python_session(mast: Any, tmp_path: Path, errors: list[BaseException]) -> list[str]:
    """Everything a logged-in notebook would do; returns texts it produced."""
    token, where = mast.alice, SkyCoord(mast.proposal.ra, mast.proposal.dec, unit="deg")
    obs = ObservationsClass(mast_token=token)
    texts = [repr(obs), repr(vars(obs)), repr(obs.session_info(verbose=True))]
    table = obs.query_region(where, radius=f"{mast.proposal.radius_deg} deg")
    texts.append(str(table.meta))
    obs.query_criteria(obs_collection="HST", dataproduct_type="image")
    products = obs.get_product_list(list(mast.proposal.obsids[:1]))
    manifest = obs.download_products(products[:2], download_dir=str(tmp_path / "downloads"))
    texts += [str(manifest), repr(obs.resolve_object("M31"))]
    texts.append(str(mastcache.sql("SELECT * FROM queries")))
    texts.append(str(mastcache.sql("SELECT * FROM files")))
    for snapshot in (
        create("public", output_dir=tmp_path / "snaps", with_files=True),
        create("all", output_dir=tmp_path / "snaps", with_files=True, include_proprietary=True),
    ):
        texts.append(snapshot.summary())
    for failing in (
        lambda: ObservationsClass().login(token + "x"),
        lambda: obs.get_product_list(["not-a-number"]),
        lambda: mastcache.sql("DROP TABLE queries"),
    ):
        try:
            failing()
        except MastCacheError as exc:
            errors.append(exc)
    anonymous = ObservationsClass().download_products(products[:2], download_dir=str(tmp_path))
    texts.append(str(anonymous))
    with runtime.using_mode("offline"):
        texts.append(str(obs.query_region(where, radius=f"{mast.proposal.radius_deg} deg")))
    obs.logout()
    return texts


def cli_session(mast: Any, cache_dir: Path) -> list[str]:
    """The CLI with --debug (full logging), the token given through the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MASTCACHE_")}
    env["MAST_API_TOKEN"] = mast.alice
    base = [sys.executable, "-m", "mastcache", "--debug", "--cache-dir", str(cache_dir),
            "--mast-url", mast.server.url]  # fmt: skip
    outputs = []
    for args, stdin in (
        (["auth", "login"], None),
        (["auth", "status"], None),
        (["auth", "login", "--token-stdin"], mast.alice + "-wrong\n"),
        (["query", "--region", f"{mast.proposal.ra} {mast.proposal.dec}", "--count"], None),
        (["sql", "SELECT scope, service FROM queries"], None),
        (["snapshot", "create", "cli", "--include-proprietary"], None),
    ):
        done = subprocess.run(
            [*base, *args], input=stdin, env=env, cwd=cache_dir.parent,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        outputs += [done.stdout, done.stderr]
    assert "Logged in to MAST as Alice Astronomer" in outputs[0]
    assert "DEBUG" in "".join(outputs)  # --debug logging was on
    return outputs


@pytest.fixture
def debug_log(tmp_path: Path) -> Iterator[Path]:
    """Every logger at DEBUG into a file, for the length of the test."""
    path = tmp_path / "logs" / "debug.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


def test_the_token_is_nowhere(
    mast: Any, tmp_path: Path, debug_log: Path, capfd: Any, caplog: Any
) -> None:
    token = mast.alice
    errors: list[BaseException] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        texts = python_session(mast, tmp_path, errors)
    texts += cli_session(mast, runtime.current_settings().cache_dir)
    captured = capfd.readouterr()
    texts += [captured.out, captured.err, caplog.text, *map(str, (w.message for w in caught))]
    texts += [t for exc in errors for t in exception_texts(exc)]
    assert len(errors) == 3 and "Alice" in captured.out  # the session really ran

    found = [(f"text {i}", leaks(t, token)) for i, t in enumerate(texts) if leaks(t, token)]
    scanned = 0
    for path, data in file_texts(tmp_path):
        scanned += 1
        if leaks(data, token):
            found.append((str(path.relative_to(tmp_path)), leaks(data, token)))
    assert debug_log.stat().st_size > 0 and scanned > 10
    assert found == []
