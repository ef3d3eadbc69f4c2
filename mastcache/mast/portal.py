"""Portal ``invoke`` requests: building, encoding, polling and the page plan (pure).

Requests are dicts until :func:`encode_form`; sending is injected (``send(request) ->
response dict``), so this module does no I/O itself. Protocol: MAST_PROTOCOL.md 1.1-1.3.
Unlike astroquery, pages 2..N are fetched several at a time and paging edits the ``page``
key of the dict, never the encoded body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from astropy.table import MaskedColumn, Table

from mastcache.errors import ProtocolError, RemoteServiceError, RemoteTimeoutError
from mastcache.mast.tables import portal_page_columns, portal_pages_table, stack_pages

__all__ = [
    "Paging",
    "PortalPage",
    "Progress",
    "Send",
    "build_request",
    "deadline",
    "encode_form",
    "fetch_all",
    "fetch_table",
    "page_request",
    "parse_envelope",
    "poll",
    "raise_for_error",
    "to_table",
]

Request = dict[str, Any]
Response = dict[str, Any]
Send = Callable[[Request], Response]
Progress = Callable[[int, int], None]
T = TypeVar("T")
_DEFAULT_ERROR = "There was an error with your request."


@dataclass(frozen=True)
class Paging:
    """The ``paging`` block of a Portal answer."""

    page: int
    page_size: int | None
    pages_filtered: int
    rows: int | None = None
    rows_filtered: int | None = None
    rows_total: int | None = None


@dataclass(frozen=True)
class PortalPage:
    """One parsed Portal envelope."""

    status: str | None
    msg: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    paging: Paging | None = None


# -- requests -------------------------------------------------------------------------------


def build_request(
    service: str,
    params: Mapping[str, Any],
    *,
    pagesize: int | None,
    page: int | None,
    format: str = "json",
    **extra: Any,
) -> Request:
    """A Portal request in astroquery's key order: service, params, format, pagesize, page,
    extras. ``pagesize``/``page`` of None are left out (the extjs histogram requests).
    The sender adds ``cacheBreaker`` last, one per logical query."""
    request: Request = {"service": service, "params": dict(params), "format": format}
    if pagesize is not None:
        request["pagesize"] = pagesize
    if page is not None:
        request["page"] = page
    request.update(extra)
    return request


def page_request(request: Mapping[str, Any], page: int) -> Request:
    """A copy of ``request`` asking for ``page``, other keys in their order."""
    return {**request, "page": page}


def encode_form(request: Mapping[str, Any]) -> str:
    """The form body MAST expects: ``request=`` + the URL-quoted JSON (spaces as %20)."""
    return "request=" + quote(json.dumps(request))


# -- responses ------------------------------------------------------------------------------


def parse_envelope(obj: Any) -> PortalPage:
    """A :class:`PortalPage` from a decoded Portal answer; an empty answer counts as ERROR."""
    if not obj:
        return PortalPage(status="ERROR", msg="MAST answered with an empty body.")
    if not isinstance(obj, Mapping):
        raise ProtocolError(f"a Portal answer must be a JSON object, got {type(obj).__name__}")
    data = obj.get("data")
    return PortalPage(
        status=obj.get("status"),
        msg=str(obj.get("msg") or ""),
        rows=data if isinstance(data, list) else [],
        fields=list(obj.get("fields") or []),
        paging=_parse_paging(obj.get("paging")),
    )


def _parse_paging(paging: Any) -> Paging | None:
    if paging is None:
        return None
    try:
        return Paging(
            page=int(paging["page"]),
            page_size=paging.get("pageSize"),
            pages_filtered=int(paging["pagesFiltered"]),
            rows=paging.get("rows"),
            rows_filtered=paging.get("rowsFiltered"),
            rows_total=paging.get("rowsTotal"),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProtocolError(
            f"the Portal 'paging' block {paging!r} lacks integer 'page' and 'pagesFiltered'"
        ) from exc


def raise_for_error(response: Any) -> None:
    """RemoteServiceError for MAST's ``ERROR`` status (or an empty answer), with its msg."""
    page = parse_envelope(response)
    if page.status == "ERROR":
        raise RemoteServiceError(page.msg or _DEFAULT_ERROR)


def to_table(responses: Sequence[Any], column_config: Mapping[str, Any] | None) -> Table:
    """The typed table of a query's page responses (astroquery's ``_parse_result``)."""
    for response in responses:
        raise_for_error(response)
    return portal_pages_table(responses, column_config)


# -- polling and paging ---------------------------------------------------------------------


def deadline(timeout: float) -> float:
    """The monotonic-clock instant ``timeout`` seconds from now."""
    return time.monotonic() + timeout


def poll(
    request: Request,
    send: Send,
    *,
    deadline: float,
    resend: Send | None = None,
    interval: float = 0.05,
) -> Response:
    """Send ``request`` until MAST stops answering ``EXECUTING`` (the same request, hence
    the same cacheBreaker); ``resend`` does the repeats. Past ``deadline`` while MAST is
    still executing -> RemoteTimeoutError."""
    response = send(request)
    delay = interval
    while _status(response) == "EXECUTING":
        if time.monotonic() >= deadline:
            raise RemoteTimeoutError(
                f"MAST was still executing {request.get('service')!r} (page "
                f"{request.get('page', 1)}) when the query timeout ran out; raise "
                "query_timeout (mastcache.configure(query_timeout=...)) or narrow the query"
            )
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 1.0)
        response = (resend or send)(request)
    return response


def fetch_all(
    request: Request,
    send: Send,
    *,
    max_parallel: int,
    timeout: float,
    resend: Send | None = None,
    all_pages: bool = True,
    progress: Progress | None = None,
    interval: float = 0.05,
) -> list[Response]:
    """Every page of a Portal query, in page order.

    Page ``request["page"]`` first; when it is COMPLETE with a ``paging`` block (and
    ``all_pages``), pages up to ``pagesFiltered`` follow, ``max_parallel`` at a time.
    ``progress(done, total)`` is called as pages arrive. ERROR -> RemoteServiceError.
    ``interval`` is the first pause between polls (doubling up to 1 s).
    """
    plan = _Plan(send, resend, max_parallel, timeout, all_pages, progress, interval)
    return _fetch_pages(request, plan, lambda: _identity)


def fetch_table(
    request: Request,
    send: Send,
    column_config: Callable[[], Mapping[str, Any] | None],
    *,
    max_parallel: int,
    timeout: float,
    resend: Send | None = None,
    all_pages: bool = True,
    progress: Progress | None = None,
    interval: float = 0.05,
) -> Table:
    """The typed table of a Portal query (as :func:`fetch_all` then :func:`to_table`), each
    page typed as it arrives while later pages are still in flight.

    ``column_config()`` gives the column configuration; it is called once, after page 1
    has arrived (so the caller may fetch it while page 1 is on its way).
    """
    plan = _Plan(send, resend, max_parallel, timeout, all_pages, progress, interval)

    def page_typer() -> Callable[[Response], list[MaskedColumn]]:
        config = column_config()
        return lambda response: portal_page_columns(response, config)

    return stack_pages(_fetch_pages(request, plan, page_typer))


@dataclass(frozen=True)
class _Plan:
    """How to fetch the pages of one query (the keyword arguments of :func:`fetch_all`)."""

    send: Send
    resend: Send | None
    max_parallel: int
    timeout: float
    all_pages: bool
    progress: Progress | None
    interval: float


def _identity(response: Response) -> Response:
    return response


def _fetch_pages(
    request: Request, plan: _Plan, make_each: Callable[[], Callable[[Response], T]]
) -> list[T]:
    """``each`` of every page in page order, ``each = make_each()`` once page 1 is in;
    page 1 decides how many pages there are."""
    end = deadline(plan.timeout)
    first = poll(request, plan.send, deadline=end, resend=plan.resend, interval=plan.interval)
    raise_for_error(first)
    each = make_each()
    total = _pages_to_fetch(first, plan.all_pages)
    if plan.progress is not None:
        plan.progress(1, max(total, 1))
    if total <= 1:
        return [each(first)]
    start = int(request.get("page", 1))
    rest = [page_request(request, number) for number in range(start + 1, total + 1)]
    return _fetch_parallel(first, rest, _page_fetcher(plan, end), each, plan, total)


def _status(response: Any) -> str | None:
    return parse_envelope(response).status


def _pages_to_fetch(first: Response, all_pages: bool) -> int:
    page = parse_envelope(first)
    if not all_pages or page.status != "COMPLETE" or page.paging is None:
        return 1
    return page.paging.pages_filtered


def _page_fetcher(plan: _Plan, end: float) -> Callable[[Request], Response]:
    def fetch(request: Request) -> Response:
        response = poll(
            request, plan.send, deadline=end, resend=plan.resend, interval=plan.interval
        )
        raise_for_error(response)
        return response

    return fetch


def _fetch_parallel(
    first: Response,
    requests: list[Request],
    fetch: Callable[[Request], Response],
    each: Callable[[Response], T],
    plan: _Plan,
    total: int,
) -> list[T]:
    """``each`` of ``first`` and of the pages ``requests`` ask for, in order.

    A pipeline: ``max_parallel`` threads fetch, one more thread runs ``each`` on pages as
    they arrive (a fetcher is free for the next page as soon as its answer is in). The
    first fetch failure cancels the pages not yet started and is raised.
    """
    fetchers = ThreadPoolExecutor(max(1, plan.max_parallel), thread_name_prefix="mast-page")
    worker = ThreadPoolExecutor(1, thread_name_prefix="mast-page-each")
    try:
        results = [worker.submit(each, first)]
        pages = {fetchers.submit(fetch, request): index for index, request in enumerate(requests)}
        if plan.progress is not None:
            _report_progress(list(pages), plan.progress, total)
        later: list[Future[T] | None] = [None] * len(requests)
        for page in as_completed(pages):
            later[pages[page]] = worker.submit(each, page.result())
        results.extend(future for future in later if future is not None)
        return [future.result() for future in results]
    finally:
        fetchers.shutdown(wait=True, cancel_futures=True)
        worker.shutdown(wait=True, cancel_futures=True)


def _report_progress(futures: list[Future[T]], progress: Progress, total: int) -> None:
    lock = threading.Lock()
    done = [1]

    def tick(future: Future[T]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        with lock:
            done[0] += 1
            progress(done[0], total)

    for future in futures:
        future.add_done_callback(tick)
