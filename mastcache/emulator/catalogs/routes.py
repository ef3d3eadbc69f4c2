"""Routes by path pattern for the MAST Search API (missions), Pan-STARRS through the catalogs
API, staged HSC curl bundles and the HLA spectrum paths (`/cgi-bin/getdata.cgi`,
`/cgi-bin/ecfproxy`, served here for clients that point the HLA host at the emulator);
`app.py` asks `match` when no fixed route fits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from mastcache.emulator import downloads
from mastcache.emulator.catalogs.hsc import STAGE_PREFIX
from mastcache.emulator.catalogs.panstarrs import PanstarrsCatalog
from mastcache.emulator.missions.service import MissionSearch, error_reply
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request

if TYPE_CHECKING:
    from mastcache.emulator.app import EmulatorApp

Handler = Callable[["EmulatorApp", Request], Reply]
SEARCH_RE: Final = re.compile(r"^/search/([A-Za-z0-9_]+)/api/v0\.1/([a-z_]+)$")
PANSTARRS_RE: Final = re.compile(r"^/api/v0\.1/panstarrs/([^/]+)/([^/]+?)(/metadata)?\.json$")
COLUMN_LIST: Final = "/search/util/api/v0.1/column_list"
HLA_SPECTRA: Final[dict[str, str]] = {
    "/cgi-bin/getdata.cgi": "dataset",
    "/cgi-bin/ecfproxy": "file_id",
}
PRODUCT_MISSIONS: Final[dict[str, str]] = {"hst": "HST", "jwst": "JWST", "roman": "ROMAN"}


def match(path: str) -> dict[str, Handler] | None:
    """The handlers (by method) for `path`, or None when nothing here serves it."""
    path = path.rstrip("/")
    if path == COLUMN_LIST:
        return {"GET": _column_list}
    if path in HLA_SPECTRA:
        return {"GET": _hla_spectrum, "HEAD": _hla_spectrum}
    if path.startswith(STAGE_PREFIX):
        return {"GET": _staged, "HEAD": _staged}
    found = SEARCH_RE.match(path)
    if found is not None:
        return _search_routes(found.group(2))
    found = PANSTARRS_RE.match(path)
    if found is not None:
        return {"GET": _metadata} if found.group(3) else {"POST": _panstarrs, "GET": _panstarrs}
    return None


def _search_routes(action: str) -> dict[str, Handler] | None:
    routes: dict[str, dict[str, Handler]] = {
        "search": {"POST": _search},
        "post_list_products": {"POST": _products},
        "retrieve_product": {"GET": _retrieve, "HEAD": _retrieve},
    }
    return routes.get(action)


def _mission(request: Request) -> str:
    found = SEARCH_RE.match(request.path.rstrip("/"))
    return found.group(1).lower() if found else ""


def _missions(app: EmulatorApp) -> MissionSearch:
    return MissionSearch(app.config.seed, app.config.product_bytes)


def _search(app: EmulatorApp, request: Request) -> Reply:
    with app.access.viewing(app.config, request):  # exclusive datasets: emulator/auth.py
        return _missions(app).search(_mission(request), request.body)


def _products(app: EmulatorApp, request: Request) -> Reply:
    with app.access.viewing(app.config, request):  # exclusive datasets: emulator/auth.py
        return _missions(app).products(_mission(request), request.body)


def _column_list(app: EmulatorApp, request: Request) -> Reply:
    mission = next(iter(request.query.get("mission", [])), None)
    return _missions(app).column_list(mission)


def _retrieve(app: EmulatorApp, request: Request) -> Reply:
    """`retrieve_product?product_name=<dataset>/<file>`: the file, as Download/file serves it."""
    from mastcache.emulator.app import product_exists  # the archive's notion of a product

    mission = PRODUCT_MISSIONS.get(_mission(request))
    name = next(iter(request.query.get("product_name", [])), "").strip()
    filename = name.rsplit("/", 1)[-1]
    if mission is None or not filename:
        return error_reply("Send ?product_name=<dataset>/<filename> to a hst/jwst mission.")
    uri = f"mast:{mission}/product/{filename}"
    refusal = app.access.download_refusal(app.config, request, uri)  # emulator/auth.py
    if refusal is not None:
        return refusal
    return downloads.download_file(
        uri, request.method, request.headers.get("range"), product_exists,
        min_bytes=app.config.product_bytes,
    )  # fmt: skip


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
