"""Damaged and hostile bundles: verify names every problem; restore and replay refuse them
and write nothing to the cache."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mastcache import snapshot
from mastcache.errors import SnapshotError
from mastcache.settings import Settings
from mastcache.store import Store

Entry = tuple[zipfile.ZipInfo, bytes]


def _members(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


def _assert_refused(bundle: Path, tmp_path: Path, needle: str) -> None:
    """restore and replay both refuse ``bundle``; the target cache stays empty."""
    settings = Settings.from_env({}, cache_dir=tmp_path / "target")
    with pytest.raises(SnapshotError, match="Nothing was written") as refused:
        snapshot.restore(bundle, settings=settings)
    assert needle in str(refused.value)
    with Store.open(settings) as store:
        assert store.list_queries() == [] and store.list_snapshots() == []
    assert not list((tmp_path / "target").glob("tables/*/*"))
    with pytest.raises(SnapshotError), snapshot.replay(bundle, settings=settings):
        pytest.fail("a refused snapshot must not be replayed")


def test_the_recorded_bundle_verifies(recorded: Any) -> None:
    report = snapshot.verify(recorded.bundle)
    assert report.ok, report.problems()
    assert report.checked == len(report.manifest.members) >= 4


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_a_flipped_byte_in_any_member_is_detected_and_refused(
    recorded: Any,
    tmp_path: Path,
    where: str,
    member_data_offset: Callable[[Path, str], tuple[int, int]],
) -> None:
    for name in _members(recorded.bundle):
        damaged = tmp_path / f"{where}-{name.replace('/', '_')}.mastsnap"
        data = bytearray(recorded.bundle.read_bytes())
        offset, length = member_data_offset(recorded.bundle, name)
        position = offset + {"start": 0, "middle": length // 2, "end": length - 1}[where]
        data[position] ^= 0x01
        damaged.write_bytes(bytes(data))
        report = snapshot.verify(damaged)
        assert not report.ok, name
        assert any(name in line or "manifest" in line for line in report.problems()), name
        _assert_refused(damaged, tmp_path / damaged.stem, "failed verification")


def _add(
    name: str, data: bytes = b"x", mode: int = 0o100644
) -> Callable[[list[Entry]], list[Entry]]:
    def change(entries: list[Entry]) -> list[Entry]:
        info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
        info.create_system = 3
        info.external_attr = mode << 16
        return [*entries, (info, data)]

    return change


@pytest.mark.parametrize(
    ("name", "mode", "why"),
    [
        ("../escape.txt", 0o100644, "'..'"),
        ("tables/../../escape.parquet", 0o100644, "'..'"),
        ("/etc/escape", 0o100644, "absolute path"),
        ("C:/escape", 0o100644, "absolute path"),
        ("files/link", 0o120777, "symbolic link"),
        ("extra.txt", 0o100644, "extra member"),
        ("tables/" + "0" * 64 + ".parquet", 0o100644, "extra member"),
    ],
)
def test_hostile_members_are_refused(
    bundle_copy: Path,
    tmp_path: Path,
    name: str,
    mode: int,
    why: str,
    rewrite_bundle: Callable[..., Path],
) -> None:
    hostile = rewrite_bundle(
        bundle_copy, tmp_path / "hostile.mastsnap", _add(name, b"/etc/passwd", mode)
    )
    report = snapshot.verify(hostile)
    problems = [line for line in report.problems() if line.startswith(name)]
    assert problems and why in problems[0], report.problems()
    _assert_refused(hostile, tmp_path, name)
    assert not (tmp_path / "escape.txt").exists() and not Path("/etc/escape").exists()


def test_a_duplicate_member_is_refused(
    bundle_copy: Path, tmp_path: Path, rewrite_bundle: Callable[..., Path]
) -> None:
    table = next(n for n in _members(bundle_copy) if n.startswith("tables/"))

    def duplicate(entries: list[Entry]) -> list[Entry]:
        info, data = next(e for e in entries if e[0].filename == table)
        return [*entries, (info, data[::-1])]

    with pytest.warns(UserWarning, match="Duplicate name"):
        hostile = rewrite_bundle(bundle_copy, tmp_path / "dup.mastsnap", duplicate)
    assert any("duplicate" in line for line in snapshot.verify(hostile).problems())
    _assert_refused(hostile, tmp_path, "duplicate")


def test_a_member_listed_in_the_manifest_but_missing_is_refused(
    bundle_copy: Path, tmp_path: Path, rewrite_bundle: Callable[..., Path]
) -> None:
    table = next(n for n in _members(bundle_copy) if n.startswith("tables/"))
    drop = rewrite_bundle(
        bundle_copy,
        tmp_path / "drop.mastsnap",
        lambda es: [e for e in es if e[0].filename != table],
    )
    assert snapshot.verify(drop).missing == [table]
    _assert_refused(drop, tmp_path, f"{table}: listed in the manifest but missing")


def _rewrite_manifest(
    change: Callable[[dict[str, Any]], None],
) -> Callable[[list[Entry]], list[Entry]]:
    """Edit the manifest and re-seal it (the self-hash is integrity, not a signature)."""

    def edit(entries: list[Entry]) -> list[Entry]:
        by_name = {info.filename: (info, data) for info, data in entries}
        document = json.loads(by_name["manifest.json"][1])
        change(document)
        manifest = json.dumps(document, sort_keys=True, indent=1).encode() + b"\n"
        seal = f"{hashlib.sha256(manifest).hexdigest()}  manifest.json\n".encode()
        by_name["manifest.json"] = (by_name["manifest.json"][0], manifest)
        by_name["manifest.sha256"] = (by_name["manifest.sha256"][0], seal)
        return list(by_name.values())

    return edit


def test_a_member_larger_than_declared_is_refused_without_reading_it_all(
    bundle_copy: Path, tmp_path: Path, rewrite_bundle: Callable[..., Path]
) -> None:
    bomb = b"\0" * (64 << 20)  # 64 MiB of zeros, a few KB deflated

    def plant(entries: list[Entry]) -> list[Entry]:
        info = zipfile.ZipInfo("files/" + hashlib.sha256(b"tiny").hexdigest())
        info.compress_type = zipfile.ZIP_DEFLATED
        return [*entries, (info, bomb)]

    def declare(document: dict[str, Any]) -> None:
        sha = hashlib.sha256(b"tiny").hexdigest()
        document["members"][f"files/{sha}"] = {"sha256": sha, "size": 4}

    planted = rewrite_bundle(bundle_copy, tmp_path / "planted.mastsnap", plant)
    hostile = rewrite_bundle(planted, tmp_path / "bomb.mastsnap", _rewrite_manifest(declare))
    assert hostile.stat().st_size < 1 << 20
    report = snapshot.verify(hostile)
    assert [name for name, _ in report.mismatched] == [
        f"files/{hashlib.sha256(b'tiny').hexdigest()}"
    ]
    assert "the manifest says 4" in report.mismatched[0][1]
    _assert_refused(hostile, tmp_path, "the manifest says 4")


def test_a_manifest_listing_an_unsafe_name_is_refused(
    bundle_copy: Path, tmp_path: Path, rewrite_bundle: Callable[..., Path]
) -> None:
    def declare(document: dict[str, Any]) -> None:
        document["members"]["../outside"] = {"sha256": "0" * 64, "size": 1}

    hostile = rewrite_bundle(bundle_copy, tmp_path / "names.mastsnap", _rewrite_manifest(declare))
    report = snapshot.verify(hostile)
    assert report.manifest is None and "not allowed" in (report.manifest_problem or "")
    _assert_refused(hostile, tmp_path, "not allowed")


def test_an_edited_manifest_without_a_new_seal_is_refused(
    bundle_copy: Path, tmp_path: Path, rewrite_bundle: Callable[..., Path]
) -> None:
    def edit(entries: list[Entry]) -> list[Entry]:
        return [
            (
                info,
                data.replace(b'"nrows": ', b'"nrows": 1')
                if info.filename == "manifest.json"
                else data,
            )
            for info, data in entries
        ]

    hostile = rewrite_bundle(bundle_copy, tmp_path / "edited.mastsnap", edit)
    report = snapshot.verify(hostile)
    assert "altered or damaged" in (report.manifest_problem or "")
    _assert_refused(hostile, tmp_path, "altered or damaged")


def test_not_a_snapshot(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mastsnap"
    junk.write_bytes(b"not a zip file")
    with pytest.raises(SnapshotError, match="not a readable snapshot"):
        snapshot.verify(junk)
    with pytest.raises(SnapshotError, match="no snapshot file"):
        snapshot.verify(tmp_path / "absent.mastsnap")
