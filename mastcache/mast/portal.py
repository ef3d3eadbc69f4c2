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
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from astropy.table import MaskedColumn, Table

from mastcache.errors import ProtocolError, RemoteServiceError, RemoteTimeoutError
from mastcache.mast.tables import portal_page_columns, portal_pages_table, stack_pages

__all__ = [
    "PageTyper",
    "Paging",
    "Plan",
    "PortalPage",
    "Progress",
    "Resumed",
    "Send",
    "build_request",
    "deadline",
    "encode_form",
    "fetch_all",
    "fetch_each",
    "fetch_table",
    "page_request",
    "parse_envelope",
    "poll",
    "raise_for_error",
    "to_table",
]

Request = dict[str, Any]
Response = Mapping[str, Any]
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
    """RemoteServiceError for MAST's ``ERROR`` status (or an empty answer), with its msg.
    Only the status is read first: a page whose body is decoded later (the gateway's
    deferred envelopes) is not decoded here."""
    if _status(response) == "ERROR":
        raise RemoteServiceError(parse_envelope(response).msg or _DEFAULT_ERROR)


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
    plan = Plan(send, resend, max_parallel, timeout, all_pages, progress, interval)
    return fetch_each(request, plan, lambda total: _response)


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
    plan = Plan(send, resend, max_parallel, timeout, all_pages, progress, interval)

    def page_typer(total: int) -> PageTyper[list[MaskedColumn]]:
        config = column_config()
        return lambda number, response: portal_page_columns(response, config)

    return stack_pages(fetch_each(request, plan, page_typer))


@dataclass(frozen=True)
class Plan:
    """How to fetch the pages of one query (the keyword arguments of :func:`fetch_all`)."""

    send: Send
    resend: Send | None
    max_parallel: int
    timeout: float
    all_pages: bool = True
    progress: Progress | None = None
    interval: float = 0.05


#: ``each(page number, response)``: what the caller makes of one page as it arrives.
PageTyper = Callable[[int, Response], T]


@dataclass(frozen=True)
class Resumed(Generic[T]):
    """What an interrupted fetch of the same query already has: how many pages it has
    (``total``) and ``pages`` by number, as ``each`` made them. The fetch asks only for
    the others (page ``request["page"]`` too when it is there)."""

    total: int | None = None
    pages: Mapping[int, T] = field(default_factory=dict)


def _response(number: int, response: Response) -> Response:
    return response


def fetch_each(
    request: Request,
    plan: Plan,
    make_each: Callable[[int], PageTyper[T]],
    resumed: Resumed[T] | None = None,
) -> list[T]:
    """``each(number, response)`` of every page in page order, ``each = make_each(total)``
    once the number of pages is known (page 1 decides it, unless ``resumed`` knows it)."""
    resumed = resumed or Resumed()
    start = int(request.get("page", 1))
    end = deadline(plan.timeout)
    have: dict[int, T | _Arrived] = dict(resumed.pages)
    if resumed.total is not None and start in have and plan.all_pages:
        total, each = resumed.total, make_each(resumed.total)
    else:
        first = poll(request, plan.send, deadline=end, resend=plan.resend, interval=plan.interval)
        raise_for_error(first)
        total = _pages_to_fetch(first, plan.all_pages)
        if total != resumed.total:  # the query has other pages now: kept ones do not fit
            have = {}
        each = make_each(total)
        if total <= 1:
            return [each(start, first)]
        have[start] = _Arrived(first)
        del first  # typed by the worker, then let go
    missing = [n for n in range(start, total + 1) if n not in have]
    if plan.progress is not None:
        plan.progress(total - len(missing), max(total, 1))
    fetched = _fetch_parallel(request, missing, have, _page_fetcher(plan, end), each, plan, total)
    return [fetched[number] for number in range(start, total + 1)]


@dataclass(frozen=True)
class _Arrived:
    """A page response already in hand, not yet made into ``each``'s value."""

    response: Response


def _status(response: Any) -> str | None:
    if response and isinstance(response, Mapping):
        status = response.get("status")
        return None if status is None else str(status)
    return parse_envelope(response).status


def _pages_to_fetch(first: Response, all_pages: bool) -> int:
    page = parse_envelope(first)
    if not all_pages or page.status != "COMPLETE" or page.paging is None:
        return 1
    return page.paging.pages_filtered


def _page_fetcher(plan: Plan, end: float) -> Callable[[Request], Response]:
    def fetch(request: Request) -> Response:
        response = poll(
            request, plan.send, deadline=end, resend=plan.resend, interval=plan.interval
        )
        raise_for_error(response)
        return response

    return fetch


def _fetch_parallel(
    request: Request,
    missing: list[int],
    have: dict[int, T | _Arrived],
    fetch: Callable[[Request], Response],
    each: PageTyper[T],
    plan: Plan,
    total: int,
) -> dict[int, T]:
    """``each`` of every page: ``have`` (values, or responses in hand; emptied) and
    ``missing``.

    A pipeline: ``max_parallel`` threads fetch, one more thread runs ``each`` on pages as
    they arrive (a fetcher is free for the next page as soon as its answer is in). At most
    ``max_parallel + 2`` pages are fetched and not yet made into values, so a slow ``each``
    never piles up pages, and no answer is kept once ``each`` has made its value (a
    fetcher's future hands its answer over in a box it keeps empty). The first failure
    cancels the pages not yet started and is raised once the pages already in hand are
    made (so a resume has them).
    """
    room = _Room(max(1, plan.max_parallel) + 2)
    fetchers = ThreadPoolExecutor(max(1, plan.max_parallel), thread_name_prefix="mast-page")
    worker = ThreadPoolExecutor(1, thread_name_prefix="mast-page-each")
    try:
        done: dict[int, Future[T] | T] = {}
        while have:
            number, value = have.popitem()
            if isinstance(value, _Arrived):
                done[number] = worker.submit(each, number, value.response)
            else:
                done[number] = value
            del value
        pages = {
            fetchers.submit(room.held(fetch), page_request(request, number)): number
            for number in missing
        }
        if plan.progress is not None:
            _report_progress(list(pages), plan.progress, total, total - len(missing))
        for page in as_completed(pages):
            answer = page.result().pop()
            done[pages[page]] = worker.submit(room.freeing(each), pages[page], answer)
            del answer
        return {n: v.result() if isinstance(v, Future) else v for n, v in done.items()}
    except Exception:
        room.close()
        fetchers.shutdown(wait=True, cancel_futures=True)
        worker.shutdown(wait=True)  # pages in hand are still made (kept for a resume)
        raise
    finally:
        room.close()
        fetchers.shutdown(wait=True, cancel_futures=True)
        worker.shutdown(wait=True, cancel_futures=True)


class _Room:
    """Permits for pages fetched but not yet made into values (back-pressure)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._permits = threading.Semaphore(size)
        self._closed = threading.Event()

    def held(self, fetch: Callable[[Request], Response]) -> Callable[[Request], list[Response]]:
        def fetch_held(request: Request) -> list[Response]:
            self._permits.acquire()
            if self._closed.is_set():
                raise CancelledError("the fetch of this query stopped")
            try:
                return [fetch(request)]
            except BaseException:
                self._permits.release()
                raise

        return fetch_held

    def freeing(self, each: PageTyper[T]) -> PageTyper[T]:
        def each_freeing(number: int, response: Response) -> T:
            try:
                return each(number, response)
            finally:
                self._permits.release()

        return each_freeing

    def close(self) -> None:
        """Let every waiting fetcher go (it stops at once): the fetch is over."""
        self._closed.set()
        for _ in range(self._size):
            self._permits.release()


def _report_progress(
    futures: list[Future[T]], progress: Progress, total: int, already: int
) -> None:
    lock = threading.Lock()
    done = [already]

    def tick(future: Future[T]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        with lock:
            done[0] += 1
            progress(done[0], total)

    for future in futures:
        future.add_done_callback(tick)
