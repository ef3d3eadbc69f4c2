"""The emulator's WSGI application: MAST's real paths routed to their handlers.

Order of operations for each request (``EmulatorApp.__call__``):
1. parse the environ into a :class:`Request`; sleep ``latency_ms``;
2. pick a fault from the fault plan (counts the request);
3. answer: the proxied SANTA host, a refused proxy target, a recorded sample, or a route;
4. deform the answer by the fault, if any; 5. stream it, logging it before its last chunk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

from mastcache.emulator import downloads, resolver
from mastcache.emulator.auth import AccessControl
from mastcache.emulator.config import EmulatorConfig
from mastcache.emulator.faults import FaultPlan, FaultRule, FaultState, apply_fault
from mastcache.emulator.reply import Reply
from mastcache.emulator.request import Request
from mastcache.emulator.requestlog import LOGGED_HEADERS, LoggedRequest, RequestLog

if TYPE_CHECKING:
    from mastcache.emulator.portal.service import PortalService

__all__ = ["RESOLVER_HOST", "EmulatorApp", "make_app"]

log = logging.getLogger(__name__)
RESOLVER_HOST = "mastresolver.stsci.edu"
StartResponse = Callable[..., Any]
Handler = Callable[["EmulatorApp", Request], Reply]


def make_app(config: EmulatorConfig | None = None, **changes: Any) -> EmulatorApp:
    """A WSGI app for ``config`` (default settings when None) with ``changes`` applied."""
    return EmulatorApp((config or EmulatorConfig()).new(**changes))


class EmulatorApp:
    """A MAST-compatible WSGI application; its knobs can be changed while it serves."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config
        self._faults = FaultState(config.faults, config.seed)
        self._portal: PortalService | None = None
        self._lock = threading.Lock()
        self.requests = RequestLog()
        self._in_flight = 0
        self._flight_lock = threading.Lock()
        #: Token book and access rules (mastcache.emulator.auth); ``access.tokens.advance()``.
        self.access = AccessControl()

    @property
    def config(self) -> EmulatorConfig:
        return self._config

    def reconfigure(self, **changes: Any) -> EmulatorConfig:
        """Change knobs at run time (``latency_ms=50``, ``faults="..."``, ``rows=1000``...)."""
        with self._lock:
            self._config = self._config.new(**changes)
            if "faults" in changes or "seed" in changes:
                self._faults = FaultState(self._config.faults, self._config.seed)
            if set(changes) - {"faults", "latency_ms"}:
                self._portal = None
            return self._config

    def set_faults(self, faults: FaultPlan | FaultRule | str | None) -> None:
        """Replace the fault plan (None clears it); counters start again from zero."""
        self.reconfigure(faults=faults)

    def __call__(
        self, environ: MutableMapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        in_flight = self._flight(+1)
        try:
            return self._serve(request, environ, start_response, in_flight)
        except BaseException:
            self._flight(-1)
            raise

    def _flight(self, change: int) -> int:
        """Count a request in (+1) or out (-1); the number in flight after the change."""
        with self._flight_lock:
            self._in_flight += change
            return self._in_flight

    def _serve(
        self,
        request: Request,
        environ: MutableMapping[str, Any],
        start_response: StartResponse,
        in_flight: int,
    ) -> Iterable[bytes]:
        if self._config.latency_ms:
            time.sleep(self._config.latency_ms / 1000.0)
        rule = self._faults.pick(request.path)
        reply = self._safe_answer(request)
        if rule is not None:
            reply = apply_fault(rule, reply, environ)
        start_response(reply.status_line, list(reply.headers))
        body = () if request.method == "HEAD" else reply.iter_body()
        return self._logged(request, reply.status, body, rule, in_flight)

    def _safe_answer(self, request: Request) -> Reply:
        try:
            return self._answer(request)
        except Exception as exc:  # the emulator must answer, as MAST would, with a 500
            log.exception("emulator handler failed for %s %s", request.method, request.path)
            return _error(500, f"Emulator error while answering {request.path}: {exc!r}")

    def _answer(self, request: Request) -> Reply:
        if request.host == RESOLVER_HOST:
            return _resolver_host(request)
        if request.method == "CONNECT" or (
            request.is_absolute_target and not request.is_local_host
        ):
            return _refused_proxy(request)
        sample = self._sample(request)
        if sample is not None:
            return sample
        methods = ROUTES.get(request.path.rstrip("/") or "/") or _prefix_routes(request.path)
        if methods is None:
            return _error(404, f"No MAST endpoint at {request.path}; see MAST_PROTOCOL.md.")
        handler = methods.get(request.method)
        if handler is None:
            allowed = ", ".join(sorted(methods))
            return Reply(405, [("Allow", allowed)], ()) if request.method == "OPTIONS" else (
                _error(405, f"{request.method} is not allowed on {request.path}; use {allowed}.")
            )  # fmt: skip
        return handler(self, request)

    def _sample(self, request: Request) -> Reply | None:
        if not self._config.use_samples:
            return None
        from mastcache.emulator.samples.replay import match  # lazy: reads the recorded files

        return match(request.method, request.path, request.query, request.body)

    def portal(self) -> PortalService:
        """The Portal service for the current config (built on first use)."""
        with self._lock:
            if self._portal is None:
                from mastcache.emulator.portal.service import PortalService

                self._portal = PortalService(self._config)
            return self._portal

    def _logged(
        self,
        request: Request,
        status: int,
        body: Iterable[bytes],
        rule: FaultRule | None,
        in_flight: int,
    ) -> Iterator[bytes]:
        """Yield the body; the log entry is written, and the request counted out of flight,
        before the last chunk leaves (so the count never exceeds what clients hold open)."""
        total, chunks, done = 0, iter(body), False
        try:
            current = next(chunks, None)
            while current is not None:
                following = next(chunks, None)
                total += len(current)
                if following is None:
                    done = self._done(request, status, total, rule, in_flight)
                yield current
                current = following
            if not done:
                done = self._done(request, status, total, rule, in_flight)
        finally:
            if not done:
                self._flight(-1)

    def _done(
        self, request: Request, status: int, nbytes: int, rule: FaultRule | None, in_flight: int
    ) -> bool:
        self._flight(-1)
        self._record(request, status, nbytes, rule, in_flight)
        return True

    def _record(
        self, request: Request, status: int, nbytes: int, rule: FaultRule | None, in_flight: int
    ) -> None:
        headers = tuple((k, request.headers[k]) for k in LOGGED_HEADERS if k in request.headers)
        entry = LoggedRequest(
            request.method, request.path, request.query_string, headers, status, nbytes,
            rule.kind if rule else None, request.cookie("mast_token") is not None, in_flight,
        )  # fmt: skip
        self.requests.append(entry)


def _invoke(app: EmulatorApp, request: Request) -> Reply:
    with app.access.viewing(app.config, request) as viewer:  # exclusive rows: emulator/auth.py
        return app.portal().invoke(_single(request.form), request.base_url, repr(viewer))


def _columnsconfig(app: EmulatorApp, request: Request) -> Reply:
    return app.portal().columnsconfig(_single(request.form))


def _santa(app: EmulatorApp, request: Request) -> Reply:
    return resolver.resolve_query(request.query)


def _download(app: EmulatorApp, request: Request) -> Reply:
    uri = next(iter(request.query.get("uri", [])), None)
    refusal = app.access.download_refusal(app.config, request, uri or "")  # emulator/auth.py
    if refusal is not None:
        return refusal
    return downloads.download_file(
        uri,
        request.method,
        request.headers.get("range"),
        product_exists,
        min_bytes=app.config.product_bytes,
    )


def _bundle(app: EmulatorApp, request: Request) -> Reply:
    uris = request.form.get("uri", []) or request.query.get("uri", [])
    return downloads.bundle_script(uris, request.base_url, product_exists)


def _path_lookup(app: EmulatorApp, request: Request) -> Reply:
    return downloads.path_lookup(request.query.get("uri", []), product_exists)


def _whoami(app: EmulatorApp, request: Request) -> Reply:
    return app.access.whoami(app.config, request)  # mastcache.emulator.auth


ROUTES: dict[str, dict[str, Handler]] = {
    "/api/v0/invoke": {"POST": _invoke},
    "/portal/Mashup/Mashup.asmx/columnsconfig": {"POST": _columnsconfig},
    "/Santa-war/query": {"GET": _santa},
    "/api/v0.1/Download/file": {"GET": _download, "HEAD": _download},
    "/api/v0.1/Download/bundle.sh": {"POST": _bundle},
    "/api/v0.1/path_lookup": {"GET": _path_lookup},
    "/whoami": {"GET": _whoami},
}


def _prefix_routes(path: str) -> dict[str, Handler] | None:
    """Routes matched by path pattern: Search API, Pan-STARRS, staged bundles, HLA spectra,
    the cutout services (TESScut, Zcut, HAPcut): each subpackage's ``routes.match``; and the
    public S3 bucket ``stpubdata`` (bucket.py)."""
    from mastcache.emulator import bucket  # S3 stpubdata, path-style
    from mastcache.emulator.catalogs import routes as catalogs  # lazy: nothing at import
    from mastcache.emulator.cutouts import routes as cutouts
    from mastcache.emulator.missions import routes as missions

    return missions.match(path) or catalogs.match(path) or cutouts.match(path) or bucket.match(path)


def product_exists(uri: str) -> bool:
    """Whether the archive holds ``uri``: ``mast:<known mission>/product/<file>``.

    ``does_not_exist`` names are missing, as in MAST's recorded path_lookup sample.
    """
    from mastcache.emulator.sky.products import TEMPLATES  # lazy: the sky's mission list

    head, _, rest = uri.partition(":")
    mission, _, name = rest.partition("/")
    known = {m.upper() for m in TEMPLATES} | {"HLA", "HLSP", "PS1"}
    path_kind, _, filename = name.partition("/")
    return (
        head.lower() == "mast"
        and mission.upper() in known
        and path_kind in ("product", "url")
        and bool(filename)
        and not filename.startswith("does_not_exist")
    )


def _resolver_host(request: Request) -> Reply:
    if request.path.rstrip("/") == "/Santa-war/query" and request.method in ("GET", "HEAD"):
        return resolver.resolve_query(request.query)
    return _error(
        404, f"http://{RESOLVER_HOST}{request.path} is not emulated; only /Santa-war/query."
    )


def _refused_proxy(request: Request) -> Reply:
    message = (
        f"The MAST emulator proxies only http://{RESOLVER_HOST}/Santa-war/query; it never reaches "
        f"{request.host or 'other hosts'}. Point that client at the emulator's base URL instead."
    )
    return _error(502, message)


def _single(form: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] for key, values in form.items() if values}


def _error(status: int, message: str) -> Reply:
    return Reply.json({"status": "ERROR", "msg": message}, status=status)
