"""The snapshot manifest: what a ``.mastsnap`` bundle holds, and the hash of every member.

``manifest.json`` is canonical JSON (sorted keys, fixed indent), so the same content always
gives the same bytes; ``manifest.sha256`` beside it holds the manifest's own sha256.
Member names follow one strict grammar (:func:`is_member_name`), checked on both sides.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from mastcache.errors import SnapshotError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MANIFEST",
    "MANIFEST_HASH",
    "FileEntry",
    "Manifest",
    "MemberDigest",
    "QueryEntry",
    "ResolutionEntry",
    "file_member",
    "is_member_name",
    "table_member",
]

FORMAT = "mastsnap"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_HASH = "manifest.sha256"
RESOLUTIONS = "resolutions.parquet"
PRODUCTS = "products.parquet"
#: Creation time of a snapshot with no dated content (the ZIP format starts in 1980).
EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)

_MEMBER = re.compile(
    r"(manifest\.json|manifest\.sha256|resolutions\.parquet|products\.parquet"
    r"|tables/[0-9a-f]{64}\.parquet|files/[0-9a-f]{64})"
)


def is_member_name(name: str) -> bool:
    """Whether ``name`` is one a snapshot may contain (no paths outside this grammar)."""
    return _MEMBER.fullmatch(name) is not None


def table_member(key: str) -> str:
    return f"tables/{key}.parquet"


def file_member(sha256: str) -> str:
    return f"files/{sha256}"


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of an aware datetime, in UTC."""
    return None if value is None else value.astimezone(timezone.utc).isoformat()


def parse_time(text: str | None, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise SnapshotError(f"the manifest's {what} {text!r} is not an ISO-8601 time") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class MemberDigest:
    sha256: str
    size: int


@dataclass(frozen=True)
class QueryEntry:
    """One cached query in the snapshot; its table is member ``tables/<key>.parquet``."""

    key: str
    service: str
    kind: str
    params: dict[str, Any]
    scope: str
    nrows: int
    fetched_at: str
    expires_at: str | None

    @property
    def member(self) -> str:
        return table_member(self.key)


@dataclass(frozen=True)
class ResolutionEntry:
    """One name resolution; its entries are rows of ``resolutions.parquet``."""

    key: str
    name: str
    resolver: str | None
    resolve_all: bool
    scope: str
    fetched_at: str
    expires_at: str | None


@dataclass(frozen=True)
class FileEntry:
    """One product file; its bytes are member ``files/<sha256>``."""

    uri: str
    sha256: str
    size: int

    @property
    def member(self) -> str:
        return file_member(self.sha256)


@dataclass(frozen=True)
class Manifest:
    """Everything ``manifest.json`` says (see docs/snapshots.md for the layout)."""

    name: str
    created_at: str
    mastcache_version: str
    schema_revision: str
    queries: tuple[QueryEntry, ...] = ()
    resolutions: tuple[ResolutionEntry, ...] = ()
    products: int = 0
    files: tuple[FileEntry, ...] = ()
    members: dict[str, MemberDigest] = field(default_factory=dict)
    excluded_proprietary: int = 0
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_bytes(self) -> bytes:
        """Canonical JSON: the same manifest always gives the same bytes."""
        document = asdict(self)
        text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
        return (text + "\n").encode("utf-8")

    @property
    def created(self) -> datetime:
        return parse_time(self.created_at, "creation time") or EPOCH

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Parse and check ``manifest.json``; a malformed one raises :class:`SnapshotError`."""
        try:
            document = json.loads(data.decode("utf-8"))
            manifest = _from_document(document)
        except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SnapshotError(
                f"manifest.json is malformed ({type(exc).__name__}: {exc}); "
                "the snapshot is damaged or was not made by mastcache"
            ) from exc
        _check(manifest)
        return manifest


def _from_document(document: dict[str, Any]) -> Manifest:
    if document.get("format") != FORMAT:
        raise ValueError(f"format is {document.get('format')!r}, expected {FORMAT!r}")
    members = {
        str(name): MemberDigest(str(digest["sha256"]), int(digest["size"]))
        for name, digest in document["members"].items()
    }
    return Manifest(
        name=str(document["name"]),
        created_at=str(document["created_at"]),
        mastcache_version=str(document["mastcache_version"]),
        schema_revision=str(document["schema_revision"]),
        queries=tuple(QueryEntry(**entry) for entry in document["queries"]),
        resolutions=tuple(ResolutionEntry(**entry) for entry in document["resolutions"]),
        products=int(document["products"]),
        files=tuple(FileEntry(**entry) for entry in document["files"]),
        members=members,
        excluded_proprietary=int(document["excluded_proprietary"]),
        format_version=int(document["format_version"]),
    )


def _check(manifest: Manifest) -> None:
    if manifest.format_version > FORMAT_VERSION:
        raise SnapshotError(
            f"the snapshot has format version {manifest.format_version}, this mastcache reads "
            f"up to {FORMAT_VERSION}: upgrade mastcache to use it"
        )
    unsafe = sorted(name for name in manifest.members if not is_member_name(name))
    if unsafe:
        raise SnapshotError(f"the manifest lists member names that are not allowed: {unsafe}")
    if any(
        d.size < 0 or not re.fullmatch(r"[0-9a-f]{64}", d.sha256) for d in manifest.members.values()
    ):
        raise SnapshotError("the manifest has a member with a negative size or a bad sha256")
    referenced = [q.member for q in manifest.queries] + [f.member for f in manifest.files]
    unlisted = sorted(set(referenced) - set(manifest.members))
    if unlisted:
        raise SnapshotError(f"the manifest refers to members it does not list: {unlisted}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
