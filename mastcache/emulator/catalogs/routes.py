"""Routes by path pattern for Pan-STARRS through MAST's catalogs API, staged HSC curl
bundles and the HLA spectrum paths (`/cgi-bin/getdata.cgi`, `/cgi-bin/ecfproxy`, served here
for clients that point the HLA host at the emulator); `app.py` asks `match` when no fixed
route fits.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Final

from mastcache.emulator import downloads
from mastcache.emulator.catalogs.hsc import STAGE_PREFIX
from mastcache.emulator.catalogs.panstarrs import PanstarrsCatalog
from mastcache.emulator.missions.service import error_reply
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request

if TYPE_CHECKING:
    from mastcache.emulator.app import EmulatorApp, Handler

__all__ = ["match"]

PANSTARRS_RE: Final = re.compile(r"^/api/v0\.1/panstarrs/([^/]+)/([^/]+?)(/metadata)?\.json$")
HLA_SPECTRA: Final[dict[str, str]] = {
    "/cgi-bin/getdata.cgi": "dataset",
    "/cgi-bin/ecfproxy": "file_id",
}


def match(path: str) -> dict[str, Handler] | None:
    """The handlers (by method) for `path`, or None when nothing here serves it."""
    path = path.rstrip("/")
    if path in HLA_SPECTRA:
        return {"GET": _hla_spectrum, "HEAD": _hla_spectrum}
    if path.startswith(STAGE_PREFIX):
        return {"GET": _staged, "HEAD": _staged}
    found = PANSTARRS_RE.match(path)
    if found is not None:
        return {"GET": _metadata} if found.group(3) else {"POST": _panstarrs, "GET": _panstarrs}
    return None


def _catalog(app: EmulatorApp) -> PanstarrsCatalog:
    return PanstarrsCatalog(app.config.seed, app.config.rows)


def _panstarrs(app: EmulatorApp, request: Request) -> Reply:
    release, table = _release_table(request)
    try:
        params = _panstarrs_params(request)
    except ValueError as exc:
        return Reply.json({"detail": f"The body is not valid JSON ({exc})."}, status=400)
    return _catalog(app).query(release, table, params)


def _metadata(app: EmulatorApp, request: Request) -> Reply:
    release, table = _release_table(request)
    return _catalog(app).metadata(release, table)


def _release_table(request: Request) -> tuple[str, str]:
    found = PANSTARRS_RE.match(request.path.rstrip("/"))
    assert found is not None  # match() only routes paths of this shape
    return found.group(1).lower(), found.group(2).lower()


def _panstarrs_params(request: Request) -> dict[str, Any]:
    """A JSON body, or else the query string (single values unwrapped)."""
    if request.body.strip():
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body
    return {k: v[0] if len(v) == 1 else v for k, v in request.query.items()}


def _staged(app: EmulatorApp, request: Request) -> Reply:
    script = app.portal().catalogs.hsc.staged(request.path)
    if script is None:
        return Reply.json({"detail": f"Nothing is staged at {request.path}."}, status=404)
    return Reply.raw(script, "application/x-sh")


def _hla_spectrum(app: EmulatorApp, request: Request) -> Reply:
    """An HSC spectrum file: ``getdata.cgi?dataset=<name>`` or ``ecfproxy?file_id=<name>.fits``."""
    from mastcache.emulator.app import product_exists  # the archive's notion of a product

    key = HLA_SPECTRA[request.path.rstrip("/")]
    name = next(iter(request.query.get(key, [])), "").strip()
    if not name or "/" in name:
        return error_reply(f"Send ?{key}=<HSC spectrum dataset name>.")
    filename = name if name.lower().endswith(".fits") else f"{name}.fits"
    return downloads.download_file(
        f"mast:HLA/product/{filename}", request.method, request.headers.get("range"),
        product_exists, min_bytes=app.config.product_bytes,
    )  # fmt: skip
