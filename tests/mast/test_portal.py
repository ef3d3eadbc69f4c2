"""Portal requests, envelopes, polling and the parallel page plan (pure; injected sender)."""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import unquote

import pytest

from mastcache.errors import ProtocolError, RemoteServiceError, RemoteTimeoutError
from mastcache.mast import portal


class PagedService:
    """A sender answering like MAST: ``rows`` rows cut into pages, EXECUTING ``polls`` times."""

    def __init__(self, rows: int, *, polls: int = 0, error_page: int | None = None) -> None:
        self.rows, self.polls, self.error_page = rows, polls, error_page
        self.sent: list[dict[str, Any]] = []
        self.in_flight = self.max_in_flight = 0
        self._lock = threading.Lock()
        self._gate = threading.Barrier(2, timeout=5)

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.sent.append(dict(request))
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            polls_so_far = sum(1 for r in self.sent if r["page"] == request["page"])
        try:
            if request["page"] in (2, 3):
                self._gate.wait()  # pages 2 and 3 must be in flight together
            return self._answer(request, polls_so_far)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, request: dict[str, Any], polls_so_far: int) -> dict[str, Any]:
        if polls_so_far <= self.polls:
            return {"status": "EXECUTING", "msg": ""}
        page, size = request["page"], request["pagesize"]
        if page == self.error_page:
            return {"status": "ERROR", "msg": f"page {page} failed"}
        start = (page - 1) * size
        data = [{"n": i} for i in range(start, min(start + size, self.rows))]
        paging = {"page": page, "pageSize": size, "pagesFiltered": -(-self.rows // size)}
        return {
            "status": "COMPLETE",
            "msg": "",
            "fields": [{"name": "n", "type": "int"}],
            "data": data,
            "paging": paging,
        }


def test_build_request_key_order_and_copy() -> None:
    params = {"ra": 1.0}
    request = portal.build_request(
        "Mast.Caom.Cone", params, pagesize=10, page=1, removenullcolumns=True
    )
    assert list(request) == ["service", "params", "format", "pagesize", "page", "removenullcolumns"]
    assert request["params"] is not params
    extjs = portal.build_request(
        "Mast.Catalogs.All.Tic", {}, pagesize=None, page=None, format="extjs"
    )
    assert list(extjs) == ["service", "params", "format"]
    assert list(portal.page_request(request, 4)) == list(request)


def test_encode_form_matches_astroquery_quoting() -> None:
    body = portal.encode_form(
        {"service": "S", "params": {"position": "1, 2"}, "cacheBreaker": "x/y"}
    )
    assert body.startswith("request=%7B%22service%22%3A%20%22S%22")
    assert "%2C%202" in body and "x/y" in body
    assert json.loads(unquote(body[len("request=") :]))["params"]["position"] == "1, 2"


def test_parse_envelope(sample: Any) -> None:
    page = portal.parse_envelope(sample("caom.json"))
    assert page.status == "COMPLETE" and len(page.rows) == 19 and len(page.fields) == 28
    assert page.paging == portal.Paging(1, 50000, 1, 19, 19, 19)
    assert portal.parse_envelope({}).status == "ERROR"
    with pytest.raises(ProtocolError, match="pagesFiltered"):
        portal.parse_envelope({"status": "COMPLETE", "paging": {"page": 1}})
    with pytest.raises(ProtocolError, match="JSON object"):
        portal.parse_envelope([1])


def test_all_pages_in_order_with_parallel_pages() -> None:
    service = PagedService(rows=95)
    progress: list[tuple[int, int]] = []
    request = portal.build_request("S", {}, pagesize=10, page=1)
    pages = portal.fetch_all(
        request, service, max_parallel=3, timeout=30, progress=lambda d, t: progress.append((d, t))
    )
    table = portal.to_table(pages, None)
    assert list(table["n"]) == list(range(95))
    assert sorted(r["page"] for r in service.sent) == list(range(1, 11))
    assert 2 <= service.max_in_flight <= 3
    assert progress[0] == (1, 10) and sorted(progress)[-1] == (10, 10)


def test_executing_is_polled_with_the_same_request() -> None:
    service = PagedService(rows=25, polls=2)
    resent: list[dict[str, Any]] = []

    def resend(request: dict[str, Any]) -> dict[str, Any]:
        resent.append(request)
        return service(request)

    request = portal.build_request("S", {}, pagesize=10, page=1)
    pages = portal.fetch_all(
        request, service, resend=resend, max_parallel=2, timeout=30, interval=0
    )
    assert len(pages) == 3 and len(resent) == 6
    assert [r for r in service.sent if r["page"] == 1] == [request] * 3


def test_single_page_when_page_given() -> None:
    service = PagedService(rows=95)
    request = portal.build_request("S", {}, pagesize=10, page=4)
    pages = portal.fetch_all(request, service, max_parallel=4, timeout=30, all_pages=False)
    assert [p["paging"]["page"] for p in pages] == [4]
    assert [r["page"] for r in service.sent] == [4]


def test_error_status_raises_remote_service_error() -> None:
    request = portal.build_request("S", {}, pagesize=10, page=1)
    with pytest.raises(RemoteServiceError, match="page 3 failed"):
        portal.fetch_all(request, PagedService(rows=50, error_page=3), max_parallel=2, timeout=30)
    with pytest.raises(RemoteServiceError, match="There was an error"):
        portal.raise_for_error({"status": "ERROR"})


def test_still_executing_at_the_deadline_is_a_timeout() -> None:
    service = PagedService(rows=5, polls=10**6)
    request = portal.build_request("Mast.Slow", {}, pagesize=10, page=1)
    with pytest.raises(RemoteTimeoutError, match=r"still executing 'Mast\.Slow'.*query_timeout"):
        portal.poll(request, service, deadline=portal.deadline(0.05), interval=0.001)


class SamplePages:
    """A sender serving a recorded envelope's rows ``size`` at a time, as MAST pages them."""

    def __init__(self, envelope: dict[str, Any], size: int) -> None:
        rows = envelope["data"]
        self.pages = [
            dict(envelope, data=rows[i : i + size], paging=self._paging(i // size + 1, size, rows))
            for i in range(0, len(rows), size)
        ]
        self.sent: list[int] = []

    @staticmethod
    def _paging(page: int, size: int, rows: list[Any]) -> dict[str, int]:
        return {"page": page, "pageSize": size, "pagesFiltered": -(-len(rows) // size)}

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(request["page"])
        return self.pages[request["page"] - 1]


@pytest.mark.parametrize("name", ["caom.json", "hsc.json", "spectra.json"])
def test_fetch_table_equals_astroquery_vstack_of_pages(
    name: str, sample: Any, astroquery_mast: Any, assert_same_table: Any
) -> None:
    from astropy.table import vstack

    config = sample("columnsconfig.json")
    service = SamplePages(sample(name), size=7)
    request = portal.build_request("S", {}, pagesize=7, page=1)
    table = portal.fetch_table(request, service, lambda: config, max_parallel=3, timeout=30)
    to_table = astroquery_mast.discovery_portal._json_to_table
    assert_same_table(table, vstack([to_table(page, config) for page in service.pages]))
    assert sorted(service.sent) == list(range(1, len(service.pages) + 1))


def test_fetch_table_asks_for_the_column_config_once_after_page_one() -> None:
    service = PagedService(rows=45)
    asked: list[int] = []

    def config() -> dict[str, Any]:
        asked.append(len(service.sent))
        return {"n": {"ignoreValue": 3}}

    request = portal.build_request("S", {}, pagesize=10, page=1)
    table = portal.fetch_table(request, service, config, max_parallel=2, timeout=30)
    assert asked == [1]
    assert list(table["n"].data.data) == list(range(45))
    assert list(table["n"].mask.nonzero()[0]) == [3]


def test_fetch_table_raises_page_errors() -> None:
    request = portal.build_request("S", {}, pagesize=10, page=1)
    with pytest.raises(RemoteServiceError, match="page 4 failed"):
        portal.fetch_table(
            request, PagedService(rows=60, error_page=4), dict, max_parallel=2, timeout=30
        )
    broken = PagedService(rows=30)
    pages = [broken._answer(portal.page_request(request, n), 1) for n in (1, 2, 3)]
    pages[2] = {"status": "COMPLETE", "msg": "", "data": []}

    def send(request: dict[str, Any]) -> dict[str, Any]:
        return pages[request["page"] - 1]

    with pytest.raises(ProtocolError, match="lacks 'fields'"):
        portal.fetch_table(request, send, dict, max_parallel=2, timeout=30)
