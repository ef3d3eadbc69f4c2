"""Routes of the MAST Search API for missions (MAST_PROTOCOL.md section 5): `column_list`,
`search`, `post_list_products` and `retrieve_product`; `app.py` asks `match` when no fixed
route fits.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from mastcache.emulator import downloads
from mastcache.emulator.missions.service import MissionSearch, error_reply
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request

if TYPE_CHECKING:
    from mastcache.emulator.app import EmulatorApp, Handler

__all__ = ["match"]

SEARCH_RE: Final = re.compile(r"^/search/([A-Za-z0-9_]+)/api/v0\.1/([a-z_]+)$")
COLUMN_LIST: Final = "/search/util/api/v0.1/column_list"
PRODUCT_MISSIONS: Final[dict[str, str]] = {"hst": "HST", "jwst": "JWST", "roman": "ROMAN"}


def match(path: str) -> dict[str, Handler] | None:
    """The handlers (by method) for `path`, or None when it is no Search API path."""
    path = path.rstrip("/")
    if path == COLUMN_LIST:
        return {"GET": _column_list}
    found = SEARCH_RE.match(path)
    if found is not None:
        return _search_routes(found.group(2))
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
