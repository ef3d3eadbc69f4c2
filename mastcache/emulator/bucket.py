"""MAST's public S3 bucket ``stpubdata``, path-style at the emulator's own base URL, anonymous.

``AWS_ENDPOINT_URL=<emulator URL>`` points boto3 (stock astroquery's cloud path) here, and
mastcache reads it at ``MASTCACHE_MAST_URL`` (or ``MASTCACHE_CLOUD_URL``). Served:

- ``HEAD``/``GET /stpubdata/<key>``: the object (``head_object``, ``get_object`` with
  ``Range``), the very bytes ``Download/file`` serves for its dataURI;
- ``HEAD /stpubdata`` (``head_bucket``) and ``GET /stpubdata?list-type=2&prefix=<key>``
  (``ListObjectsV2`` for one exact key: the emulator's archive has no finite listing);
- S3's XML errors: ``NoSuchKey`` (404), ``InvalidRange`` (416), ``NotImplemented`` (501).

A key is the path MAST's ``path_lookup`` gives (downloads.relative_path) as astroquery
rewrites it; the bucket holds the products of the missions MAST mirrors except those whose
file name matches one of the config's ``cloud_missing`` globs (the fault knob for products
without a cloud copy). Throttling is the fault kind ``slowdown`` (503 SlowDown).
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from mastcache.emulator import downloads
from mastcache.emulator.reply import Reply
from mastcache.emulator.sky import fitsgen

if TYPE_CHECKING:  # pragma: no cover
    from mastcache.emulator.app import EmulatorApp
    from mastcache.emulator.request import Request

__all__ = ["BUCKET", "bucket_key", "key_uri", "match"]

BUCKET = "stpubdata"
_PREFIX = f"/{BUCKET}"
#: Bucket key prefix -> the mission of the dataURI (``mast:<MISSION>/product/<name>``).
_MISSIONS = {
    "hst": "HST",
    "tess": "TESS",
    "kepler": "KEPLER",
    "galex": "GALEX",
    "jwst": "JWST",
    "panstarrs": "PS1",
}
_LAST_MODIFIED = "Mon, 01 Jan 2024 00:00:00 GMT"
_XML = "application/xml"

Handler = Callable[["EmulatorApp", "Request"], Reply]


def match(path: str) -> dict[str, Handler] | None:
    """The bucket's handlers for ``path``, or None when it is not in the bucket."""
    if path.rstrip("/") == _PREFIX:
        return {"GET": _list, "HEAD": _head_bucket}
    if path.startswith(_PREFIX + "/"):
        return {"GET": _object, "HEAD": _object}
    return None


def bucket_key(uri: str) -> str:
    """The key of a dataURI: MAST's path as astroquery rewrites it (products/cloud.py)."""
    path = downloads.relative_path(uri)
    if "galex" in path:
        return path.lstrip("/mast/")  # noqa: B005  (astroquery strips this character set)
    if "/ps1/" in path:
        return path.replace("/ps1/", "panstarrs/ps1/public/")
    return path.lstrip("/")


def key_uri(key: str) -> str | None:
    """The dataURI whose key is ``key`` (None: not an emulated product's key)."""
    mission = _MISSIONS.get(key.split("/", 1)[0])
    name = PurePosixPath(key).name
    if mission is None or not name:
        return None
    uri = f"mast:{mission}/product/{name}"
    return uri if bucket_key(uri) == key else None


def holds(key: str, missing: Sequence[str], exists: Callable[[str], bool]) -> str | None:
    """The dataURI of ``key`` when the bucket holds it, else None."""
    uri = key_uri(key)
    if uri is None or not exists(uri):
        return None
    name = PurePosixPath(key).name
    return None if any(fnmatch.fnmatchcase(name, glob) for glob in missing) else uri


# -- handlers -------------------------------------------------------------------------------


def _object(app: EmulatorApp, request: Request) -> Reply:
    from mastcache.emulator.app import product_exists

    key = request.path[len(_PREFIX) + 1 :]
    uri = holds(key, app.config.cloud_missing, product_exists)
    if uri is None:
        return _error(404, "NoSuchKey", "The specified key does not exist.", key)
    minimum = app.config.product_bytes
    size = fitsgen.product_size(uri, minimum)
    try:
        wanted = downloads.parse_range(request.headers.get("range"), size)
    except downloads.RangeNotSatisfiableError:
        reply = _error(416, "InvalidRange", "The requested range is not satisfiable", key)
        return Reply(416, [*reply.headers, ("Content-Range", f"bytes */{size}")], reply.body)
    start, end = wanted or (0, size - 1)
    data = fitsgen.product_bytes(uri, minimum)
    suffix = PurePosixPath(key).suffix.lower()
    headers = [
        ("Content-Type", downloads.CONTENT_TYPES.get(suffix, "binary/octet-stream")),
        ("Content-Length", str(end - start + 1)),
        ("Accept-Ranges", "bytes"),
        ("ETag", f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'),
        ("Last-Modified", _LAST_MODIFIED),
        ("x-amz-request-id", hashlib.sha256(key.encode()).hexdigest()[:16].upper()),
    ]  # fmt: skip
    if wanted is not None:
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    body = () if request.method == "HEAD" else (data[start : end + 1],)
    return Reply(200 if wanted is None else 206, headers, body)


def _head_bucket(app: EmulatorApp, request: Request) -> Reply:
    return Reply(200, [("x-amz-bucket-region", "us-east-1"), ("Content-Length", "0")], ())


def _list(app: EmulatorApp, request: Request) -> Reply:
    """ListObjectsV2 of one exact key (``prefix``), as tools that check a key do."""
    from mastcache.emulator.app import product_exists

    query = {name: values[0] for name, values in request.query.items() if values}
    if query.get("list-type") != "2" or not query.get("prefix"):
        return _error(501, "NotImplemented", "Only ListObjectsV2 with a prefix is emulated.", "")
    prefix = query["prefix"]
    uri = holds(prefix, app.config.cloud_missing, product_exists)
    contents = ""
    if uri is not None:
        size = fitsgen.product_size(uri, app.config.product_bytes)
        contents = (
            f"<Contents><Key>{escape(prefix)}</Key><LastModified>2024-01-01T00:00:00.000Z"
            f"</LastModified><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
        f"<Name>{BUCKET}</Name><Prefix>{escape(prefix)}</Prefix>"
        f"<KeyCount>{1 if contents else 0}</KeyCount><MaxKeys>1000</MaxKeys>"
        f"<IsTruncated>false</IsTruncated>{contents}</ListBucketResult>"
    )
    return Reply.raw(body.encode(), _XML)


def _error(status: int, code: str, message: str, key: str) -> Reply:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>"
        f"<Key>{escape(key)}</Key><RequestId>EMULATOR</RequestId></Error>"
    )
    return Reply.raw(body.encode(), _XML, status)
