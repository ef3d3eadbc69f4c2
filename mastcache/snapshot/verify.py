"""``verify(path)``: check a snapshot's manifest, its self-hash, and every member's hash.

The report says exactly which members are missing, extra, unsafe or different; restore and
replay refuse a snapshot whose report is not clean, before writing anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mastcache.errors import SnapshotError
from mastcache.snapshot.bundle import BundleReader
from mastcache.snapshot.manifest import MANIFEST, MANIFEST_HASH, Manifest, sha256_hex
from mastcache.store.files import sha256_file

__all__ = ["MAX_MANIFEST_BYTES", "VerifyReport", "verify"]

#: A manifest larger than this is refused unread (a real one is a few KB per query).
MAX_MANIFEST_BYTES = 64 << 20
_MAX_HASH_BYTES = 256


@dataclass
class VerifyReport:
    """What :func:`verify` found. ``ok`` is true only if nothing at all is wrong."""

    path: Path
    sha256: str
    manifest: Manifest | None = None
    manifest_problem: str | None = None
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unsafe: list[tuple[str, str]] = field(default_factory=list)
    mismatched: list[tuple[str, str]] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems()

    def problems(self) -> list[str]:
        """One line per problem, e.g. ``tables/ab...parquet: sha256 differs``."""
        lines = [f"manifest: {self.manifest_problem}"] if self.manifest_problem else []
        lines += [f"{name}: unsafe member ({why})" for name, why in self.unsafe]
        lines += [f"{name}: listed in the manifest but missing" for name in self.missing]
        lines += [f"{name}: not listed in the manifest (extra member)" for name in self.extra]
        lines += [f"{name}: {why}" for name, why in self.mismatched]
        return lines

    def raise_for_problems(self, action: str) -> Manifest:
        """The manifest if the snapshot is clean, else a :class:`SnapshotError` listing why."""
        problems = self.problems()
        if problems or self.manifest is None:
            listing = "; ".join(problems[:20]) + (" ..." if len(problems) > 20 else "")
            raise SnapshotError(
                f"refusing to {action} {self.path}: the snapshot failed verification "
                f"({len(problems)} problem(s): {listing}). Nothing was written. Get an intact "
                f"copy of the snapshot; `mastcache snapshot verify {self.path}` lists the problems"
            )
        return self.manifest


def verify(path: str | os.PathLike[str]) -> VerifyReport:
    """Check the snapshot at ``path``; never raises for damage, only for an unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise SnapshotError(f"no snapshot file at {path}: expected a .mastsnap file")
    report = VerifyReport(path=path, sha256=sha256_file(path))
    with BundleReader(path) as reader:
        report.unsafe = reader.unsafe_members()
        report.manifest, report.manifest_problem = _read_manifest(reader)
        if report.manifest is not None:
            _compare_members(reader, report.manifest, report)
    return report


def _read_manifest(reader: BundleReader) -> tuple[Manifest | None, str | None]:
    names = reader.names()
    for name in (MANIFEST, MANIFEST_HASH):
        if names.count(name) != 1:
            found = "missing" if name not in names else "present more than once"
            return None, f"{name} is {found}"
    try:
        data = reader.read(MANIFEST, MAX_MANIFEST_BYTES)
        recorded = reader.read(MANIFEST_HASH, _MAX_HASH_BYTES).decode("ascii", "replace")
        manifest = Manifest.from_bytes(data)
    except SnapshotError as exc:
        return None, str(exc)
    expected = recorded.split(" ", 1)[0].strip()
    if sha256_hex(data) != expected:
        return manifest, (
            f"manifest.json has sha256 {sha256_hex(data)[:16]}..., but manifest.sha256 "
            f"records {expected[:16]}...: the manifest was altered or damaged"
        )
    return manifest, None


def _compare_members(reader: BundleReader, manifest: Manifest, report: VerifyReport) -> None:
    present = set(reader.names())
    unsafe = {name for name, _ in report.unsafe}
    report.extra = sorted(present - set(manifest.members) - {MANIFEST, MANIFEST_HASH} - unsafe)
    for name, expected in sorted(manifest.members.items()):
        if name not in present:
            report.missing.append(name)
        elif name not in unsafe:
            problem = _member_problem(reader, name, expected.size, expected.sha256)
            report.checked += 1
            if problem:
                report.mismatched.append((name, problem))


def _member_problem(reader: BundleReader, name: str, size: int, sha256: str) -> str | None:
    info = reader.info(name)
    if info is not None and info.file_size != size:
        return f"size {info.file_size} bytes, the manifest says {size}"
    try:
        found = reader.digest(name, size)
    except SnapshotError as exc:
        return str(exc).removeprefix(f"member {name} ")
    if found.size != size:
        return f"size {found.size} bytes, the manifest says {size}"
    if found.sha256 != sha256:
        return f"sha256 {found.sha256[:16]}... differs from the manifest's {sha256[:16]}..."
    return None
