"""Cloud URIs of MAST products (MAST_PROTOCOL.md section 2): MAST's ``path_lookup`` answer
rewritten as astroquery 0.4.11 rewrites it, then put in the public bucket ``stpubdata``.

Pure functions; the lookup itself is :meth:`mastcache.gateways.files.FileGateway.path_lookup`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "BUCKET",
    "LOOKUP_CHUNK",
    "SUPPORTED_PREFIXES",
    "bucket_path",
    "chunks",
    "cloud_uri",
    "is_supported",
]

BUCKET = "stpubdata"
#: astroquery asks path_lookup for at most 50 URIs at a time (414 otherwise).
LOOKUP_CHUNK = 50
SUPPORTED_PREFIXES = (
    "mast:hst/product",
    "mast:tess/product",
    "mast:kepler",
    "mast:galex",
    "mast:ps1",
    "mast:jwst/product",
)


def is_supported(uri: str) -> bool:
    """Whether ``uri`` belongs to a mission MAST mirrors in the cloud."""
    return uri.lower().startswith(SUPPORTED_PREFIXES)


def chunks(uris: Sequence[str], size: int = LOOKUP_CHUNK) -> Iterator[list[str]]:
    for start in range(0, len(uris), size):
        yield list(uris[start : start + size])


def bucket_path(uri: str, answer: Mapping[str, Any]) -> str | None:
    """The bucket-relative path of ``uri`` from a path_lookup ``answer`` (None: not found)."""
    entry = answer.get(uri)
    path = entry.get("path") if isinstance(entry, Mapping) else None
    if not path:
        return None
    text = str(path)
    if "galex" in text:
        # astroquery strips this character set, not a prefix (MAST_PROTOCOL.md section 2)
        return text.lstrip("/mast/")  # noqa: B005
    if "/ps1/" in text:
        return text.replace("/ps1/", "panstarrs/ps1/public/")
    if "hlsp" in text:
        return text.replace("/hlsp_local/public/", "mast/")
    return text.lstrip("/")


def cloud_uri(path: str | None, *, include_bucket: bool, full_url: bool) -> str | None:
    """``s3://stpubdata/<path>``, ``http://s3.amazonaws.com/stpubdata/<path>`` or the path."""
    if path is None:
        return None
    if include_bucket:
        return f"s3://{BUCKET}/{path}"
    if full_url:
        return f"http://s3.amazonaws.com/{BUCKET}/{path}"
    return path
