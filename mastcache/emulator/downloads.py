"""Product downloads: ``Download/file`` (HEAD, GET, HTTP Range), ``Download/bundle.sh`` and
``path_lookup`` (MAST_PROTOCOL.md section 2). File bytes come from ``sky/fitsgen.py``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from urllib.parse import quote

from mastcache.emulator.reply import Reply
from mastcache.emulator.sky import fitsgen

__all__ = [
    "ByteRange",
    "RangeNotSatisfiableError",
    "bundle_script",
    "download_file",
    "parse_range",
    "path_lookup",
    "relative_path",
]

ProductCheck = Callable[[str], bool]
CONTENT_TYPES = {
    ".fits": "application/fits",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".xml": "text/xml",
    ".txt": "text/plain",
    ".ecsv": "text/plain",
}
RANGE_RE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
ByteRange = tuple[int, int]  # first and last byte, inclusive


class RangeNotSatisfiableError(ValueError):
    """The Range starts past the end of the file (answered with HTTP 416)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range asked for, or None to serve the whole file.

    Raises RangeNotSatisfiableError when no byte of the range exists (HTTP 416).

    As RFC 9110 allows, a malformed or multi-part Range is ignored (the whole file is sent).
    """
    match = RANGE_RE.match(header or "")
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    first, last = match.group(1), match.group(2)
    if not first:  # suffix range: the last N bytes
        count = int(last)
        if count <= 0 or size <= 0:
            raise RangeNotSatisfiableError(header)
        return (max(0, size - count), size - 1)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiableError(header)
    return (start, end)


def download_file(
    uri: str | None,
    method: str,
    range_header: str | None,
    exists: ProductCheck,
    *,
    min_bytes: int = 0,
) -> Reply:
    """Answer ``GET``/``HEAD /api/v0.1/Download/file?uri=...`` (FITS at least ``min_bytes``)."""
    if not uri:
        return _error(400, "Missing 'uri' parameter; send ?uri=mast:<MISSION>/product/<file>.")
    if not exists(uri):
        return _error(404, f"No product {uri!r} in the emulator's archive.")
    size = fitsgen.product_size(uri, min_bytes)
    try:
        wanted = parse_range(range_header, size)
    except RangeNotSatisfiableError:
        headers = [("Content-Range", f"bytes */{size}"), ("Content-Length", "0")]
        return Reply(416, headers, ())
    start, end = wanted or (0, size - 1)
    headers = _file_headers(uri, end - start + 1)
    if wanted is not None:
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
    body: Sequence[bytes] = (
        () if method == "HEAD" else (fitsgen.product_bytes(uri, min_bytes)[start : end + 1],)
    )
    return Reply(200 if wanted is None else 206, headers, body)


def _file_headers(uri: str, length: int) -> list[tuple[str, str]]:
    name = PurePosixPath(uri.split("?")[0]).name or "product"
    return [
        (
            "Content-Type",
            CONTENT_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream"),
        ),
        ("Content-Length", str(length)),
        ("Accept-Ranges", "bytes"),
        ("ETag", f'"{hashlib.sha256(uri.encode()).hexdigest()[:32]}"'),
        ("Content-Disposition", f'attachment; filename="{name}"'),
    ]


def bundle_script(uris: Sequence[str], base_url: str, exists: ProductCheck) -> Reply:
    """Answer ``POST /api/v0.1/Download/bundle.sh``: a curl script fetching every known uri."""
    if not uris:
        return _error(400, "No 'uri' form fields; send uri=<mast uri> once per product.")
    folder = "MAST_" + hashlib.sha256("\n".join(uris).encode()).hexdigest()[:12]
    lines = [
        "#!/bin/sh",
        "#",
        "# Requested from the mastcache MAST emulator",
        f"# {len(uris)} file(s)",
        "#",
        f"DOWNLOAD_FOLDER='{folder}'",
        "CURL_FLAGS='--globoff --location-trusted -f --progress-bar --create-dirs'",
        "",
    ]
    for uri in uris:
        lines += _bundle_lines(uri, base_url, exists(uri))
    lines += ["", "exit 0", ""]
    return Reply.raw("\n".join(lines).encode("utf-8"), "text/x-shellscript")


def _bundle_lines(uri: str, base_url: str, is_known: bool) -> list[str]:
    if not is_known:
        return [f"# Skipping {uri}: no such product", ""]
    mission = uri.split(":", 1)[-1].split("/", 1)[0]
    name = PurePosixPath(uri.split("?")[0]).name
    url = f"{base_url}/api/v0.1/Download/file?uri={quote(uri, safe=':/')}"
    return [
        "cat <<EOT",
        f"<<< Downloading File: {uri}",
        f"                  To: ${{DOWNLOAD_FOLDER}}/{mission}/{name}",
        "EOT",
        f"curl $CURL_FLAGS --output \"${{DOWNLOAD_FOLDER}}/{mission}/{name}\" '{url}'",
        "",
    ]


def path_lookup(uris: Sequence[str], exists: ProductCheck) -> Reply:
    """Answer ``GET /api/v0.1/path_lookup/?uri=a&uri=b``: each uri's public archive path."""
    answer = {
        uri: {"status_code": 200, "path": relative_path(uri)}
        if exists(uri)
        else {"status_code": 404, "path": None}
        for uri in uris
    }
    return Reply.json(answer)


def relative_path(uri: str) -> str:
    """``/hst/public/u9o4/u9o40504m/u9o40504m_c3m.fits`` for an HST uri, as MAST answers."""
    mission = uri.split(":", 1)[-1].split("/", 1)[0].lower()
    name = PurePosixPath(uri.split("?")[0]).name
    if mission == "hst":
        dataset = name.split("_")[0]
        return f"/hst/public/{dataset[:4]}/{dataset}/{name}"
    if mission == "ps1":
        return f"/ps1/{name}"
    return f"/{mission}/public/{name}"


def _error(status: int, message: str) -> Reply:
    return Reply.json({"status": "ERROR", "msg": message}, status=status)
