"""Files under the cache directory (store/files.py), tested on real files: what the sampled
mutation run found unguarded through the store's own tests (docs/testing.md)."""

from __future__ import annotations

import errno
import hashlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from mastcache.errors import StorageFullError, StoreError
from mastcache.store.files import (
    CHUNK_SIZE,
    TEMP_PREFIX,
    HashingWriter,
    HashMemo,
    export_atomic,
    fsync_directory,
    sha256_file,
    sweep_temp_files,
    write_atomic,
    write_atomic_named,
)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_hashing_writer_hashes_and_counts_every_kind_of_buffer(tmp_path: Path) -> None:
    with open(tmp_path / "out", "wb") as raw:
        writer = HashingWriter(raw)
        assert writer.writable()
        assert writer.write(b"abc") == 3
        assert writer.write(bytearray(b"de")) == 2
        assert writer.write(memoryview(b"xfgx")[1:3]) == 2
        assert writer.tell() == writer.nbytes == 7
    assert (tmp_path / "out").read_bytes() == b"abcdefg"
    assert writer.hexdigest() == sha(b"abcdefg")


def test_write_atomic_returns_the_hash_and_size_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "new" / "file.bin"
    assert write_atomic(target, lambda out: out.write(b"payload")) == (sha(b"payload"), 7)
    assert target.read_bytes() == b"payload"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.bin"]


def test_the_final_name_comes_from_the_content_hash(tmp_path: Path) -> None:
    names: list[str] = []

    def name_for(digest: str) -> str:
        names.append(digest)
        return f"{digest[:8]}.bin"

    path, digest, size = write_atomic_named(tmp_path, name_for, lambda out: out.write(b"xyz"))
    assert names == [sha(b"xyz")] and (digest, size) == (sha(b"xyz"), 3)
    assert path == tmp_path / f"{sha(b'xyz')[:8]}.bin" and path.read_bytes() == b"xyz"


def failing(error: OSError):  # type: ignore[no-untyped-def]
    def write(out: BinaryIO) -> None:
        out.write(b"half")
        raise error

    return write


def test_a_failed_write_keeps_the_old_file_and_removes_the_temp(tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with pytest.raises(StoreError, match=r"cannot write .*Permission"):
        write_atomic(target, failing(PermissionError(errno.EACCES, "Permission denied")))
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.bin"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_full_disk_is_storage_full_naming_the_folder(tmp_path: Path, code: int) -> None:
    with pytest.raises(StorageFullError, match=f"the disk holding {tmp_path} is full") as info:
        write_atomic(tmp_path / "file.bin", failing(OSError(code, os.strerror(code))))
    assert "mastcache cache prune" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rename_is_a_store_error_naming_the_target(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "inside").write_text("a non-empty folder cannot be replaced")
    with pytest.raises(StoreError, match=f"cannot write {tmp_path / 'taken'}"):
        write_atomic_named(tmp_path, lambda _sha: "taken", lambda out: out.write(b"x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_fsync_of_a_missing_folder_is_a_no_op(tmp_path: Path) -> None:
    fsync_directory(tmp_path / "absent")
    fsync_directory(tmp_path)


def test_sha256_of_files_across_chunk_boundaries(tmp_path: Path) -> None:
    for size in (0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE + 5):
        data = os.urandom(size)
        path = tmp_path / f"f{size}"
        path.write_bytes(data)
        assert sha256_file(path) == sha(data)


def test_the_hash_memo_trusts_only_an_unchanged_file(tmp_path: Path) -> None:
    memo = HashMemo()
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_bytes(b"one")
    b.write_bytes(b"two")
    assert memo.lookup(a, a.stat()) is None
    memo.remember(a, a.stat(), "sha-a")
    memo.remember(b, b.stat(), "sha-b")
    assert memo.lookup(a, a.stat()) == "sha-a" and memo.lookup(b, b.stat()) == "sha-b"
    os.utime(a, ns=(0, a.stat().st_mtime_ns + 1_000_000))
    assert memo.lookup(a, a.stat()) is None
    memo.remember(a, a.stat(), "sha-a2")
    a.write_bytes(b"longer")
    assert memo.lookup(a, a.stat()) is None
    memo.forget(b)
    assert memo.lookup(b, b.stat()) is None


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_sweep_removes_only_old_temp_files_at_any_depth(tmp_path: Path) -> None:
    nested = tmp_path / "products" / "ab"
    nested.mkdir(parents=True)
    old_top, old_nested = tmp_path / f"{TEMP_PREFIX}1", nested / f"{TEMP_PREFIX}2"
    fresh, kept = tmp_path / f"{TEMP_PREFIX}3", nested / "result.parquet"
    for path in (old_top, old_nested, fresh, kept):
        path.write_bytes(b"x")
    for path in (old_top, old_nested, kept):
        age(path, 120)
    assert sweep_temp_files(tmp_path) == 2
    assert not old_top.exists() and not old_nested.exists()
    assert fresh.exists() and kept.exists()
    age(fresh, 30)
    assert sweep_temp_files(tmp_path, older_than=60) == 0
    assert sweep_temp_files(tmp_path, older_than=10) == 1 and not fresh.exists()
    assert sweep_temp_files(tmp_path / "absent") == 0


@pytest.fixture
def umask() -> Iterator[int]:
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


def test_an_export_gets_the_users_permissions_and_leaves_the_umask(
    tmp_path: Path, umask: int
) -> None:
    output = tmp_path / "table.csv"
    assert export_atomic(output, lambda temp: Path(temp).write_text("a,b\n")) == output
    assert output.read_text() == "a,b\n"
    assert output.stat().st_mode & 0o777 == 0o640
    assert os.umask(umask) == umask
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_an_export_into_a_missing_folder_is_one_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot write .*absent.*No such file or directory"):
        export_atomic(tmp_path / "absent" / "t.csv", lambda temp: None)


def test_a_failed_export_keeps_the_old_file_and_removes_the_temp(tmp_path: Path) -> None:
    output = tmp_path / "t.csv"
    output.write_text("old")

    def write(temp: str) -> None:
        Path(temp).write_text("half")
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(StoreError, match=r"cannot write .*t\.csv: Input/output error"):
        export_atomic(output, write)
    assert output.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


def test_an_export_to_a_bare_file_name_lands_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    export_atomic("here.txt", lambda temp: Path(temp).write_text("x"))
    assert (tmp_path / "here.txt").read_text() == "x"


def test_an_export_is_written_as_a_hidden_temp_beside_the_output(tmp_path: Path) -> None:
    """Beside it, so the rename is atomic on every file system; hidden, so a half-written
    export never looks like a finished one."""
    seen: list[Path] = []

    def write(temp: str) -> None:
        seen.append(Path(temp))
        Path(temp).write_text("x")

    (tmp_path / "out").mkdir()
    export_atomic(tmp_path / "out" / "t.csv", write)
    (temp,) = seen
    assert temp.parent == tmp_path / "out"
    assert temp.name.startswith(".t.csv.") and not temp.exists()
