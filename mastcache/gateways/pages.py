"""Portal table pages on their way into one Table: envelopes decoded late, typed, kept.

A page whose body opens with ``{"status": "COMPLETE"`` is handed on undecoded
(:class:`DeferredEnvelope`): the one typing thread decodes it, types it and lets it go, so
pages in flight or waiting hold their bytes, never megabytes of Python objects each.
Typed pages of a longer query become Arrow data and are kept as fragments
(:mod:`mastcache.store.fragments`) for a resume.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import re
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests
from astropy.table import Table

from mastcache.errors import ProtocolError
from mastcache.mast import portal
from mastcache.mast.tables import portal_page_columns, stack_pages

if TYPE_CHECKING:  # pyarrow and the store load with the first page of several (not before:
    import pyarrow as pa  # building an Arrow scalar makes pyarrow import pandas)

    from mastcache.store.fragments import PageFragments

__all__ = [
    "DeferredEnvelope",
    "collector_paused",
    "envelope_object",
    "is_complete_page",
    "page_typer",
    "release_free_memory",
    "stacked",
]

#: A body whose top-level object starts with status COMPLETE (MAST writes it first, with or
#: without spaces around the colon); anything else is decoded at once.
_COMPLETE_HEAD = re.compile(rb'\s*\{\s*"status"\s*:\s*"COMPLETE"\s*[,}]')


def is_complete_page(response: requests.Response) -> bool:
    """Whether the body opens as a COMPLETE Portal envelope (its first 64 bytes)."""
    return _COMPLETE_HEAD.match(response.content[:64]) is not None


class DeferredEnvelope(Mapping[str, Any]):
    """A COMPLETE Portal answer decoded on first use of anything but its status.

    ``decode(response)`` is :meth:`Transport.json` (an invalid body is fetched again there);
    once decoded the HTTP response is let go. A body that turns out not to be a COMPLETE
    envelope raises ProtocolError (or RemoteServiceError for MAST's ERROR) when decoded.
    """

    def __init__(self, response: requests.Response, decode: Callable[[Any], Any]) -> None:
        self._response: requests.Response | None = response
        self._decode = decode
        self._decoded: dict[str, Any] | None = None
        self._lock = threading.Lock()

    def __getitem__(self, key: str) -> Any:
        if key == "status" and self._decoded is None:
            return "COMPLETE"
        return self.decoded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.decoded())

    def __len__(self) -> int:
        return len(self.decoded())

    def __bool__(self) -> bool:  # a COMPLETE envelope is never empty: no decoding to tell
        return True

    def decoded(self) -> dict[str, Any]:
        """The envelope's objects (decoded once)."""
        with self._lock:
            if self._decoded is None:
                response, self._response = self._response, None
                assert response is not None
                obj = envelope_object(self._decode(response), response)
                portal.raise_for_error(obj)
                if obj.get("status") != "COMPLETE":
                    raise ProtocolError(
                        f"{response.url} sent a page again as {obj.get('status')!r} after "
                        "a damaged COMPLETE answer; run the query again"
                    )
                self._decoded = obj
            return self._decoded


_pauses = 0  # pages being typed now, in any thread, with the collector paused
_resumes = False  # whether the collector was on when the first of them began
_pauses_lock = threading.Lock()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while one page is decoded and typed.

    A ~9 MB page is ~10,000 row dicts, freed by reference counting once typed, yet their
    allocation sets off collections, now and then a full one over every tracked object of
    the process: ~7% of a cold fetch's CPU (issue 19). Mercurial pauses it the same way
    (``util.nogc``). Pauses of several threads overlap: the collector comes back after the
    last one ends, and only if it was on before the first began.
    """
    global _pauses, _resumes
    with _pauses_lock:
        if _pauses == 0:
            _resumes = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _resumes:
                gc.enable()


def release_free_memory() -> None:
    """Hand memory freed inside the C allocators back to the system (Arrow's pool, glibc's
    malloc_trim).

    Decoding a hundred ~9 MB pages on several threads leaves freed memory scattered over
    glibc's per-thread arenas, where the large arrays of the Table that follows cannot
    reuse it: a 1,000,000-row fetch peaked ~0.4 GB higher without this. A no-op elsewhere.
    """
    import pyarrow

    pyarrow.default_memory_pool().release_unused()  # what Arrow's own allocator kept
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim)
        return None
    return trim


def envelope_object(obj: Any, response: requests.Response) -> dict[str, Any]:
    """``obj`` as a Portal envelope dict ({} for an empty answer), else ProtocolError."""
    if isinstance(obj, dict):
        return obj
    if not obj:
        return {}
    raise ProtocolError(
        f"{response.url} answered a JSON {type(obj).__name__}, expected a Portal envelope "
        "object; check that MASTCACHE_MAST_URL points at a MAST server"
    )


def _plain(response: Mapping[str, Any]) -> Mapping[str, Any]:
    return response.decoded() if isinstance(response, DeferredEnvelope) else response


def page_typer(
    column_config: Callable[[], Mapping[str, Any]], fragments: PageFragments | None
) -> Callable[[int], portal.PageTyper[Any]]:
    """``make_each`` for :func:`portal.fetch_each`: one page is typed into columns; pages of
    a longer query become Arrow data as they arrive (the numpy page is let go at once) and
    are kept as fragments."""

    def make_each(total: int) -> portal.PageTyper[Any]:
        config = column_config()
        if total <= 1:
            return lambda number, response: portal_page_columns(_plain(response), config)
        from mastcache.gateways.arrowpage import portal_page_arrow

        if fragments is not None:
            fragments.plan(total)

        def each(number: int, response: Mapping[str, Any]) -> pa.Table:
            with collector_paused():
                arrow = portal_page_arrow(_plain(response), config)
            if fragments is not None:
                fragments.keep(number, arrow)
            return arrow

        return each

    return make_each


def stacked(pages: list[Any]) -> Table:
    """The query's table from its typed pages (columns, or Arrow pages)."""
    if not pages or isinstance(pages[0], list):
        return stack_pages(pages)
    from mastcache.store.fragments import arrow_page_columns, stack_arrow_pages

    release_free_memory()  # the pages' JSON is gone: let the Table have that memory
    table = stack_arrow_pages(pages)
    return table if table is not None else stack_pages([arrow_page_columns(p) for p in pages])
