"""Product-file behaviour the sampled mutation run found unguarded (docs/testing.md): what
``cache verify`` reports about a damaged file in a shared store, files placed by a snapshot
restore, and no repair in a cache whose files are its own.

A shared store here is a local folder named by ``store_url`` (no team catalog): its files
live outside the cache directory, like a team's S3 store, with no server to start."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mastcache.errors import StoreError
from mastcache.settings import Settings
from mastcache.store import Store, teamresults
from mastcache.store.blobs import (
    blob_problem,
    blob_relpath,
    place_blob,
    repair_from_local_copy,
    stage_blob,
    write_blob,
)
from mastcache.store.files import bytes_writer
from mastcache.store.records import FileRecord

BODY = b"SIMPLE  =                    T" * 10
SHA = hashlib.sha256(BODY).hexdigest()


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Store]:
    settings = Settings.from_env(
        {}, cache_dir=tmp_path / "cache", store_url=str(tmp_path / "shared")
    )
    with Store.open(settings) as opened:
        yield opened


def _overwrite(path: Path, data: bytes) -> None:
    os.chmod(path, 0o644)  # stored files are read-only
    path.write_bytes(data)


def test_verify_names_the_shared_store_of_a_damaged_file(shared: Store, tmp_path: Path) -> None:
    staged, sha256, nbytes = stage_blob(shared, bytes_writer(BODY))
    relative = place_blob(shared, staged, sha256, nbytes)  # as a snapshot restore does
    record = shared.put_file(FileRecord("mast:HST/product/x.fits", SHA, len(BODY), relative))
    assert blob_problem(shared, record) is None
    stored = tmp_path / "shared" / record.local_path
    _overwrite(stored, BODY[:-5])
    assert blob_problem(shared, record) == (
        "size", f"{len(BODY) - 5} bytes in the team store, {len(BODY)} recorded"
    )  # fmt: skip
    damaged = b"X" * len(BODY)
    _overwrite(stored, damaged)
    found = hashlib.sha256(damaged).hexdigest()
    assert blob_problem(shared, record) == (
        "checksum", f"sha256 {found} in the team store, {SHA} recorded: the file changed"
    )  # fmt: skip


def test_verify_says_on_disk_for_a_cache_whose_files_are_its_own(store: Store) -> None:
    record = write_blob(store, "mast:HST/product/x.fits", BODY, scope="anonymous")
    _overwrite(store.root / record.local_path, BODY[:-1])
    assert blob_problem(store, record) == (
        "size", f"{len(BODY) - 1} bytes on disk, {len(BODY)} recorded"
    )  # fmt: skip


def test_a_restored_file_is_placed_read_only_and_published(shared: Store, tmp_path: Path) -> None:
    staged, sha256, nbytes = stage_blob(shared, bytes_writer(BODY))
    relative = place_blob(shared, staged, sha256, nbytes)
    assert relative == blob_relpath(SHA) == f"products/{SHA[:2]}/{SHA}"
    local = shared.root / relative
    assert local.read_bytes() == BODY and not staged.exists()
    assert local.stat().st_mode & 0o777 == 0o444
    assert (tmp_path / "shared" / relative).read_bytes() == BODY  # published before the row


def test_placing_a_file_whose_size_is_not_the_one_checked_fails(store: Store) -> None:
    staged, sha256, _ = stage_blob(store, bytes_writer(BODY))
    with pytest.raises(StoreError, match=f"does not hold the {len(BODY) + 1} bytes just stored"):
        place_blob(store, staged, sha256, len(BODY) + 1)


def test_a_cache_whose_files_are_its_own_repairs_nothing(store: Store) -> None:
    record = write_blob(store, "mast:HST/product/x.fits", BODY, scope="anonymous")
    assert repair_from_local_copy(store, record) is False


def test_a_logins_file_in_a_local_cache_says_nothing_of_team_sharing(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(teamresults, "_noticed", set())  # the once-per-process notices
    with caplog.at_level(logging.INFO, logger="mastcache"):
        record = write_blob(store, "mast:JWST/product/y.fits", BODY, scope="user:abc")
    assert caplog.records == []
    assert (record.local_path, record.scope) == (f"products/{SHA[:2]}/{SHA}", "user:abc")
    assert store.get_file("mast:JWST/product/y.fits") == record


def test_a_file_stored_with_a_shared_store_and_no_team_catalog_is_not_called_missing(
    shared: Store,
) -> None:
    record = write_blob(shared, "mast:HST/product/x.fits", BODY, scope="anonymous")
    assert blob_problem(shared, record) is None
