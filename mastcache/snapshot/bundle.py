"""The ``.mastsnap`` container: a deterministic ZIP writer and a suspicious ZIP reader.

Writing: members in sorted order, one fixed timestamp taken from the data, fixed
permissions, stored uncompressed (Parquet is compressed already, and with no deflate layer
every flipped byte changes a member's sha256); the same members always give the same bytes.
Reading: every name is checked before anything is trusted (DESIGN.md section 11: absolute
paths, ``..``, links, duplicates), and no member is ever read past the size the manifest
declares for it, so a zip bomb costs at most that much.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from mastcache.errors import CorruptEntryError, SnapshotError
from mastcache.snapshot.manifest import MemberDigest
from mastcache.store.files import CHUNK_SIZE

__all__ = ["BundleReader", "BundleWriter", "MemberSource", "zip_time"]

_T = TypeVar("_T")

#: -rw-r--r-- on a regular file, as Unix zip tools record it.
_FILE_ATTR = (0o100644 & 0xFFFF) << 16
_S_IFMT = 0o170000
_S_IFREG = 0o100000
_S_IFLNK = 0o120000


def zip_time(when: datetime) -> tuple[int, int, int, int, int, int]:
    """``when`` (UTC) as a ZIP date_time, clamped to the years ZIP can store."""
    utc = when.astimezone(timezone.utc)
    year = min(max(utc.year, 1980), 2107)
    if year != utc.year:
        return (year, 1, 1, 0, 0, 0)
    return (year, utc.month, utc.day, utc.hour, utc.minute, utc.second - utc.second % 2)


@dataclass(frozen=True)
class MemberSource:
    """Where one member's bytes come from, with their known size and sha256."""

    name: str
    digest: MemberDigest
    data: bytes | None = None
    path: Path | None = None
    #: Opens a binary stream of the bytes (an object in the team store), with its address.
    opener: Callable[[], Any] | None = None
    origin: str | None = None

    @classmethod
    def of_bytes(cls, name: str, data: bytes) -> MemberSource:
        digest = MemberDigest(hashlib.sha256(data).hexdigest(), len(data))
        return cls(name, digest, data=data)

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            yield self.data
            return
        with self._open() as handle:
            while chunk := handle.read(CHUNK_SIZE):
                yield chunk

    def _open(self) -> Any:
        if self.opener is not None:
            return self.opener()
        assert self.path is not None
        return open(self.path, "rb")


class BundleWriter:
    """Writes members into a ZIP stream; each file source is re-hashed as it is copied."""

    def __init__(self, handle: BinaryIO, when: datetime) -> None:
        self._zip = zipfile.ZipFile(handle, "w", allowZip64=True)
        self._date_time = zip_time(when)

    def write_all(self, sources: list[MemberSource]) -> None:
        """Write ``sources`` sorted by name, then the central directory."""
        try:
            for source in sorted(sources, key=lambda s: s.name):
                self._write(source)
        finally:
            self._zip.close()  # also on failure, while the temp file is still open

    def _write(self, source: MemberSource) -> None:
        info = zipfile.ZipInfo(source.name, date_time=self._date_time)
        info.create_system = 3
        info.external_attr = _FILE_ATTR
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = source.digest.size
        digest = hashlib.sha256()
        with self._zip.open(info, "w", force_zip64=source.digest.size >= 1 << 31) as member:
            for chunk in source.chunks():
                digest.update(chunk)
                member.write(chunk)
        if digest.hexdigest() != source.digest.sha256:
            raise CorruptEntryError(
                f"{source.path or source.origin or source.name} changed or is damaged: its "
                "sha256 is not the one the cache recorded; run `mastcache cache verify` and "
                "fetch it again"
            )


class BundleReader:
    """A snapshot opened for inspection; nothing is extracted until the caller says so."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path, "r")
        except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
            raise SnapshotError(
                f"{path} is not a readable snapshot ({exc}): expected a .mastsnap ZIP file "
                "made by `mastcache snapshot create`"
            ) from exc
        self.infos = self._zip.infolist()

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> BundleReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def names(self) -> list[str]:
        return [info.filename for info in self.infos]

    def unsafe_members(self) -> list[tuple[str, str]]:
        """``(name, why)`` for every member that must never be extracted."""
        problems: list[tuple[str, str]] = []
        seen: set[str] = set()
        for info in self.infos:
            why = unsafe_reason(info)
            if why is None and info.filename in seen:
                why = "duplicate member name (a second copy could replace the first)"
            seen.add(info.filename)
            if why is not None:
                problems.append((info.filename, why))
        return problems

    def info(self, name: str) -> zipfile.ZipInfo | None:
        matches = [info for info in self.infos if info.filename == name]
        return matches[0] if len(matches) == 1 else None

    def read(self, name: str, limit: int) -> bytes:
        """The whole member ``name``, refusing more than ``limit`` bytes."""
        return b"".join(self.chunks(name, limit))

    def chunks(self, name: str, limit: int) -> Iterator[bytes]:
        """The bytes of ``name`` in chunks; more than ``limit`` bytes is an error."""
        info = self.info(name)
        if info is None:
            raise SnapshotError(f"member {name} is missing or duplicated in {self.path}")
        yield from _bounded(self._zip, info, limit)

    def digest(self, name: str, limit: int) -> MemberDigest:
        """sha256 and size of member ``name`` (read at most ``limit`` + 1 bytes)."""
        digest, size = hashlib.sha256(), 0
        for chunk in self.chunks(name, limit):
            digest.update(chunk)
            size += len(chunk)
        return MemberDigest(digest.hexdigest(), size)


def unsafe_reason(info: zipfile.ZipInfo) -> str | None:
    """Why member ``info`` is unsafe to extract, or None."""
    name = info.filename
    mode = (info.external_attr >> 16) & 0xFFFF
    checks: list[tuple[bool, str]] = [
        (name.startswith("/") or (len(name) > 1 and name[1] == ":"), "absolute path"),
        (".." in name.replace("\\", "/").split("/"), "path with '..' (outside the snapshot)"),
        ("\\" in name or "\x00" in name, "backslash or NUL in the name"),
        (mode & _S_IFMT == _S_IFLNK, "symbolic link"),
        (info.is_dir() or mode & _S_IFMT not in (0, _S_IFREG), "not a regular file"),
        (bool(info.flag_bits & 0x1), "encrypted member"),
    ]
    return next((why for failed, why in checks if failed), None)


def _bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    total = 0
    read = _guarded(info.filename)
    with read(lambda: archive.open(info, "r")) as member:
        while chunk := read(lambda: member.read(CHUNK_SIZE)):
            total += len(chunk)
            if total > limit:
                raise SnapshotError(
                    f"member {info.filename} holds more than the {limit} bytes the manifest "
                    "declares (a damaged or hostile snapshot); nothing was imported"
                )
            yield chunk


def _guarded(name: str) -> Callable[[Callable[[], _T]], _T]:
    def call(action: Callable[[], _T]) -> _T:
        try:
            return action()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise SnapshotError(f"member {name} cannot be read: {exc}") from exc

    return call
