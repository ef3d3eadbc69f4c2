"""Product downloads of stock astroquery, served from mastcache's product store.

astroquery (and lightkurve through it) downloads a product with a ``HEAD`` and a ``GET`` of
``<server>/api/v0.1/Download/file?uri=<dataURI>`` and writes the body where it wants the
file. In transparent mode both are answered from the product store that mastcache's own
clients and snapshots use: the file is fetched once (verified against MAST's size and
checksum when a stored product list gives them, resumable, content-addressed) by
:class:`~mastcache.products.FileFetcher`, then every ``GET`` streams the stored bytes, so
astroquery places them at its own path. Offline, a file not in the store raises
:class:`~mastcache.errors.CacheMissError` naming it; ``refresh`` fetches it again. When MAST
answers the download with an HTTP error, astroquery gets that status (and reports its own
ERROR row); a body that fails verification raises mastcache's DownloadError.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from mastcache import runtime
from mastcache.client.core import ANONYMOUS
from mastcache.errors import CacheMissError, HTTPStatusError, MastCacheError
from mastcache.policy import FileDecision, decide_file
from mastcache.products import FileFetcher, FileWanted
from mastcache.store.blobs import local_blob
from mastcache.transparent.services import TransparentServices

__all__ = ["answer_download", "download_uri"]

_DOWNLOAD_PATH = "/api/v0.1/Download/file"
_RANGE = re.compile(r"^bytes=(\d+)-$")


def download_uri(request: requests.PreparedRequest) -> str | None:
    """The dataURI a ``GET``/``HEAD`` of MAST's file download asks for, else None."""
    if (request.method or "GET").upper() not in ("GET", "HEAD"):
        return None
    parts = urlsplit(request.url or "")
    if not parts.path.rstrip("/").endswith(_DOWNLOAD_PATH):
        return None
    uris = parse_qs(parts.query).get("uri")
    return uris[0] if uris else None


def answer_download(
    services: TransparentServices, request: requests.PreparedRequest, uri: str
) -> requests.Response:
    """The file's bytes (or, for ``HEAD``, its headers) from the product store."""
    try:
        path = _stored_file(services, uri, request.url or "")
    except MastCacheError as exc:
        status = _http_status(exc)
        if status is None:
            raise
        return _error_response(request, status, str(exc))
    size = path.stat().st_size
    start = _range_start(request, size)
    response = _response(request)
    response.status_code, response.reason = (206, "Partial Content") if start else (200, "OK")
    headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(size - start),
        "Content-Disposition": f'attachment; filename="{Path(urlsplit(uri).path).name}"',
        "Accept-Ranges": "bytes",
    }
    if start:
        headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
    response.headers = CaseInsensitiveDict(headers)
    if (request.method or "GET").upper() == "HEAD":
        response._content = b""
        response.raw = io.BytesIO(b"")
        return response
    handle = path.open("rb")
    handle.seek(start)
    response.raw = handle
    return response


def _stored_file(services: TransparentServices, uri: str, url: str) -> Path:
    """The stored copy of ``uri``, fetched first when the file policy says so."""
    mode = runtime.effective_mode()
    with services.active() as context:
        fetcher = FileFetcher(context.store, context.files)
        stored = fetcher.usable_record(uri)
        decision = decide_file(mode, stored=stored is not None)
        if decision is FileDecision.MISS_ERROR:
            raise _miss(uri)
        record = stored
        if decision is not FileDecision.SERVE_STORED or record is None:
            record = fetcher.fetch(
                _wanted(services, uri, url),
                replace=decision is FileDecision.REFETCH,
                reuse_stored=stored is None,
            )
        path = local_blob(context.store, record)
    if path is None:
        raise _miss(uri)
    return path


def _wanted(services: TransparentServices, uri: str, url: str) -> FileWanted:
    """The file with MAST's size and checksum when a stored product list names it."""
    base = url.split("?", 1)[0]
    target = f"{base}?uri={quote(uri, safe=':/')}"
    with services.active() as context, context.store.unit_of_work(read_only=True) as uow:
        known = uow.products.for_uri(uri, ANONYMOUS)
    if known is None:
        return FileWanted(uri, target)
    size = known.size if known.size is not None and known.size > 0 else None
    return FileWanted(uri, target, size, known.checksum)


def _response(request: requests.PreparedRequest) -> requests.Response:
    response = requests.Response()
    response.url = request.url or ""
    response.request = request
    return response


def _error_response(
    request: requests.PreparedRequest, status: int, message: str
) -> requests.Response:
    """MAST's HTTP error for the download, as astroquery would have received it."""
    response = _response(request)
    response.status_code, response.reason = status, message[:200]
    response._content = message.encode("utf-8")
    response.raw = io.BytesIO(response._content)
    response.headers = CaseInsensitiveDict({"Content-Type": "text/plain; charset=utf-8"})
    return response


def _http_status(exc: BaseException) -> int | None:
    """The HTTP status MAST gave, from ``exc`` or the errors that caused it."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, HTTPStatusError):
            return seen.status_code
        seen = seen.__cause__
    return None


def _range_start(request: requests.PreparedRequest, size: int) -> int:
    """Where a ``Range: bytes=N-`` resume starts (0 without one or past the end)."""
    match = _RANGE.match(str(request.headers.get("Range", "")).strip())
    start = int(match.group(1)) if match else 0
    return start if 0 < start < size else 0


def _miss(uri: str) -> CacheMissError:
    return CacheMissError(
        f"offline mode: the product {uri} is not in mastcache's product store (downloads are "
        "kept there, not in mastcache's HTTP cache). Re-run without "
        "offline mode (unset MASTCACHE_MODE=offline or leave mastcache.using_mode('offline')) "
        "to download it, or restore a snapshot made with --with-files."
    )
