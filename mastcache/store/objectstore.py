"""Where result and product files live: the cache directory, or an S3-compatible bucket.

One small interface over both (DESIGN.md section 10). Paths are the catalog's relative
paths (``tables/service=.../<key>-<sha>.parquet``). Publication is write, verify, then let
the caller commit the catalog row: an S3 PUT is all-or-nothing, and the object is read back
and hashed before :meth:`ObjectStore.publish` returns, so a crash before the commit leaves
only an unreferenced object (swept later), never a half result.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import urlsplit

from mastcache.errors import (
    ConfigurationError,
    CorruptEntryError,
    StoreError,
    StoreUnavailableError,
)
from mastcache.settings import Settings
from mastcache.store.files import write_atomic

if TYPE_CHECKING:  # pyarrow is imported when a file is read or listed, not to open a cache
    import pyarrow.fs as pafs

__all__ = [
    "ObjectInfo",
    "ObjectStore",
    "is_unreachable",
    "open_object_store",
    "s3_endpoint",
    "table_folder",
]

CHUNK = 1 << 20
#: Seconds to wait for the object store to accept a connection / answer a request.
CONNECT_TIMEOUT_S = 3.0
REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its relative path and last-modified time (epoch seconds)."""

    path: str
    mtime: float


def table_folder(service: str | None) -> str:
    """The Hive-style partition folder of a service's results: ``tables/service=<name>``."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", service or "unknown") or "unknown"
    return f"tables/service={safe}"


class ObjectStore:
    """Files under one root of a pyarrow filesystem (local directory or S3 bucket/prefix)."""

    def __init__(self, filesystem: pafs.FileSystem | None, base: str, url: str) -> None:
        """``filesystem`` None: a local directory (its pyarrow filesystem made when first
        used: `mastcache sql` and `cache stats` open a cache without importing pyarrow)."""
        self._filesystem = filesystem
        self.base = base.rstrip("/")
        self.url = url

    @property
    def filesystem(self) -> pafs.FileSystem:
        if self._filesystem is None:
            self._filesystem = _pafs().LocalFileSystem()
        return self._filesystem

    @property
    def is_local(self) -> bool:
        return self._filesystem is None or isinstance(self._filesystem, _pafs().LocalFileSystem)

    def location(self, relative: str) -> str:
        """``relative`` as a path of :attr:`filesystem` (what pyarrow datasets open)."""
        return f"{self.base}/{relative}"

    def publish(self, source: Path, relative: str, sha256: str, nbytes: int) -> None:
        """Copy ``source`` to ``relative``, then check the stored bytes' size and hash."""
        if self.is_local:
            target = Path(self.location(relative))
            if target.resolve() != source.resolve():
                write_atomic(target, lambda out: _copy_file(source, out))
        else:
            self._upload(source, relative)
        self.verify(relative, sha256, nbytes)

    def verify(self, relative: str, sha256: str, nbytes: int) -> None:
        """Raise :class:`CorruptEntryError` unless ``relative`` has this size and sha256."""
        found, size = self.digest(relative)
        if (found, size) != (sha256, nbytes):
            raise CorruptEntryError(
                f"{self.url}/{relative} holds {size} bytes with sha256 {found[:12]}..., "
                f"expected {nbytes} bytes with sha256 {sha256[:12]}...; it was damaged in "
                "transit or by another writer: retry, then run `mastcache cache verify`"
            )

    def digest(self, relative: str) -> tuple[str, int]:
        """``(sha256, size)`` of the stored object, read in 1 MiB chunks."""
        digest, size = hashlib.sha256(), 0
        with (
            self._errors(relative),
            self.filesystem.open_input_stream(self.location(relative)) as stream,
        ):
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size

    def read_bytes(self, relative: str) -> bytes:
        """The whole object; :class:`FileNotFoundError` if it is not there."""
        with (
            self._errors(relative),
            self.filesystem.open_input_stream(self.location(relative)) as stream,
        ):
            return bytes(stream.read())  # one GET, no HEAD for the size

    def download(self, relative: str, target: Path) -> None:
        """Copy the object to the local ``target`` atomically."""
        with (
            self._errors(relative),
            self.filesystem.open_input_stream(self.location(relative)) as stream,
        ):
            write_atomic(target, lambda out: _copy_stream(stream, out))

    def exists(self, relative: str) -> bool:
        try:
            info = self.filesystem.get_file_info(self.location(relative))
        except OSError as exc:
            raise self._error(relative, exc) from exc
        return bool(info.type == _pafs().FileType.File)

    def remove(self, relative: str) -> None:
        """Delete the object if present."""
        try:
            self.filesystem.delete_file(self.location(relative))
        except FileNotFoundError:
            pass
        except OSError as exc:
            if is_unreachable(exc) or self.exists(relative):
                raise self._error(relative, exc) from exc

    def list_files(self, prefix: str) -> list[ObjectInfo]:
        """Every object under ``prefix`` (recursively), with its modification time."""
        return [self._info(i) for i in self._listing(prefix) if i.type == _pafs().FileType.File]

    def empty_folders(self, prefix: str) -> list[ObjectInfo]:
        """Folders under ``prefix`` that hold no object, deepest first: on S3 the zero-byte
        ``folder/`` markers pyarrow writes when it deletes the last object of a folder."""
        infos = self._listing(prefix)
        holding = {  # every folder with an object somewhere below it
            parent
            for info in infos
            if info.type == _pafs().FileType.File
            for parent in _parents(info.path)
        }
        empty = [
            self._info(i)
            for i in infos
            if i.type == _pafs().FileType.Directory and i.path not in holding
        ]
        return sorted(empty, key=lambda found: found.path.count("/"), reverse=True)

    def _listing(self, prefix: str) -> list[pafs.FileInfo]:
        selector = _pafs().FileSelector(self.location(prefix), recursive=True, allow_not_found=True)
        try:
            return list(self.filesystem.get_file_info(selector))
        except OSError as exc:
            raise self._error(prefix, exc) from exc

    def _info(self, info: pafs.FileInfo) -> ObjectInfo:
        relative = info.path[len(self.base) + 1 :]
        return ObjectInfo(relative, info.mtime.timestamp() if info.mtime else 0.0)

    def remove_empty_folder(self, relative: str) -> bool:
        """Delete the folder (its marker) if it still holds no object; whether it did.

        pyarrow has no delete of a marker alone: ``delete_dir`` removes what is under the
        folder, so emptiness is checked again right before, and only folders are swept.
        pyarrow then writes a marker for the parent folder, which the caller sweeps next
        when the parent is empty too; a non-empty parent keeps one marker (harmless).
        """
        location = self.location(relative)
        try:
            inside = self.filesystem.get_file_info(
                _pafs().FileSelector(location, recursive=True, allow_not_found=True)
            )
            if any(i.type == _pafs().FileType.File for i in inside):
                return False
            self.filesystem.delete_dir(location)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._error(relative, exc) from exc
        return True

    def _upload(self, source: Path, relative: str) -> None:
        location = self.location(relative)
        with (
            self._errors(relative),
            open(source, "rb") as data,
            self.filesystem.open_output_stream(location) as out,
        ):
            while chunk := data.read(CHUNK):
                out.write(chunk)

    def _errors(self, relative: str) -> _ObjectErrors:
        return _ObjectErrors(self, relative)

    def _error(self, relative: str, exc: OSError) -> StoreError:
        """One line for a failed object access: unreachable store, or another failure."""
        if is_unreachable(exc):
            return StoreUnavailableError(
                f"the team store {self.url} is unreachable ({short_reason(exc)}); results "
                "and files already on this machine are still served: retry when it is back, "
                "or check MASTCACHE_S3_ENDPOINT_URL"
            )
        if any(marker in str(exc) for marker in ("ACCESS_DENIED", "AccessDenied", "Forbidden")):
            return StoreUnavailableError(
                f"the team store {self.url} refused {relative} to these credentials "
                f"({short_reason(exc)}); a read-only member keeps what it fetches on this "
                "machine, otherwise check the AWS credentials"
            )
        return StoreError(
            f"cannot access {self.url}/{relative}: {short_reason(exc)}; check "
            "MASTCACHE_STORE_URL, MASTCACHE_S3_ENDPOINT_URL and the AWS credentials in the "
            "environment"
        )


class _ObjectErrors:
    """Map pyarrow's OSErrors to StoreError; a missing object stays FileNotFoundError."""

    def __init__(self, store: ObjectStore, relative: str) -> None:
        self._store, self._relative = store, relative

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, _tb: object) -> None:
        if isinstance(exc, FileNotFoundError) or not isinstance(exc, OSError):
            return
        if is_unreachable(exc):
            raise self._store._error(self._relative, exc) from exc
        if not self._store.exists(self._relative):
            raise FileNotFoundError(f"{self._store.url}/{self._relative}") from exc
        raise self._store._error(self._relative, exc) from exc


#: What pyarrow's AWS SDK says when the endpoint cannot be reached at all.
_UNREACHABLE = (
    "NETWORK_CONNECTION",
    "Could not connect",
    "Couldn't connect",
    "Connection refused",
    "Connection reset",
    "Timeout was reached",
    "timed out",
    "Could not resolve host",
)


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the object store could not be reached (not a refusal)."""
    text = str(exc)
    return isinstance(exc, (ConnectionError, TimeoutError)) or any(
        marker in text for marker in _UNREACHABLE
    )


def short_reason(exc: BaseException) -> str:
    """The useful tail of a pyarrow/AWS error, on one line."""
    text = " ".join(str(exc).split())
    for marker in ("Details: ", "curlCode: ", "operation: "):
        if marker in text:
            text = text.rsplit(marker, 1)[1]
            break
    return text[:200] or type(exc).__name__


def _parents(path: str) -> list[str]:
    """``a/b/c`` -> ``["a", "a/b"]``."""
    parts = path.split("/")
    return ["/".join(parts[:end]) for end in range(1, len(parts))]


def _copy_file(source: Path, out: BinaryIO) -> None:
    with open(source, "rb") as data:
        shutil.copyfileobj(data, out, CHUNK)


def _copy_stream(stream: Any, out: BinaryIO) -> None:
    while chunk := stream.read(CHUNK):
        out.write(chunk)


def s3_endpoint(settings: Settings) -> str | None:
    """The S3 endpoint URL: ``settings.s3_endpoint_url``, else ``AWS_ENDPOINT_URL``."""
    return settings.s3_endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


def open_object_store(settings: Settings, url: str | None = None) -> ObjectStore:
    """The store at ``url`` (default ``settings.store_url``, else the cache directory)."""
    url = url if url is not None else settings.store_url
    if not url:
        return _local(Path(settings.cache_dir))
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return _s3(parts.netloc, parts.path.strip("/"), s3_endpoint(settings))
    if parts.scheme in {"", "file"}:
        return _local(Path(parts.path if parts.scheme else url).expanduser())
    raise ConfigurationError(
        f"cannot use store URL {url!r}: expected s3://bucket/prefix or a local directory"
    )


def _local(root: Path) -> ObjectStore:
    root = root.resolve()
    return ObjectStore(None, str(root), str(root))


def _pafs() -> Any:
    import pyarrow.fs

    return pyarrow.fs


def _s3(bucket: str, prefix: str, endpoint: str | None) -> ObjectStore:
    pafs = _pafs()
    if not bucket:
        raise ConfigurationError("an s3:// store URL needs a bucket: s3://bucket/prefix")
    options: dict[str, object] = {
        "region": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        # an outage is reported in seconds, not after minutes of retries
        "connect_timeout": CONNECT_TIMEOUT_S,
        "request_timeout": REQUEST_TIMEOUT_S,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=2),
    }
    if endpoint:
        parts = urlsplit(endpoint)
        options["endpoint_override"] = parts.netloc or parts.path
        options["scheme"] = parts.scheme or "https"
    filesystem = pafs.S3FileSystem(**options)  # credentials: the standard AWS variables
    base = f"{bucket}/{prefix}" if prefix else bucket
    return ObjectStore(filesystem, base, f"s3://{base}")
