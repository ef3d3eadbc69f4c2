"""SANTA requests and results, compared with stock astroquery's resolve_object.

astroquery is fed the recorded SANTA answer through its own test seam
(``utils._simple_request``, which its test suite replaces the same way).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from astropy.coordinates import SkyCoord

from mastcache.errors import InputWarning, ResolverError
from mastcache.mast import resolver

CASES: list[tuple[Any, str | None, bool]] = [
    ("M1", None, False),
    ("m101", "NED", False),
    ("M103", "simbad", False),
    ("TIC 307210830", "SIMBAD", False),
    ("M8", None, True),
    (["M1", "m101", "Barnard's Star"], None, False),
    (["M1", "nothing here", "M10"], "NED", False),
    (["TIC 307210830", "M103"], "NED", False),
    (["M8", "m103"], None, True),
    ("nothing here", None, False),
    ("Barnard's Star", "NED", False),
    (["nowhere", "nothing"], None, False),
    ([f"M{n}" for n in (1, 8, 10, 101, 103)] * 13, None, False),
]


class _SantaAnswer:
    def __init__(self, entries: list[dict[str, Any]], names: list[str]) -> None:
        lowered = {name.lower() for name in names}
        self._entries = [e for e in entries if e["searchString"] in lowered]

    def raise_for_status(self) -> None:
        return None

    def json(self) -> dict[str, Any]:
        return {"resolvedCoordinate": self._entries, "status": ""}


@pytest.fixture
def stock_resolve(
    astroquery_mast: Any, sample: Any, monkeypatch: pytest.MonkeyPatch
) -> tuple[Callable[..., Any], list[dict[str, Any]]]:
    entries = sample("resolver.json")["resolvedCoordinate"]
    sent: list[dict[str, Any]] = []

    def simple_request(url: str, params: dict[str, Any]) -> _SantaAnswer:
        sent.append({k: (list(v) if isinstance(v, list) else v) for k, v in params.items()})
        return _SantaAnswer(entries, params["name"])

    monkeypatch.setattr(astroquery_mast.utils, "_simple_request", simple_request)
    return astroquery_mast.utils.resolve_object, sent


def _outcome(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Any = _plain(call())
        except Exception as exc:  # both libraries' ResolverError
            result = (type(exc).__name__, str(exc))
    return result, [str(w.message) for w in caught if "batches" not in str(w.message)]


def _plain(value: Any) -> Any:
    if isinstance(value, SkyCoord):
        return ("SkyCoord", value.frame.name, float(value.ra.deg), float(value.dec.deg))
    return {key: _plain(item) for key, item in value.items()}


def _ours(names: Any, resolver_name: str | None, resolve_all: bool, sample: Any) -> Any:
    entries = sample("resolver.json")["resolvedCoordinate"]
    name_list = [names] if isinstance(names, str) else list(names)
    chosen = resolver.check_resolver(resolver_name)
    resolver.warn_if_resolver_ignored(chosen, resolve_all)
    params = [
        resolver.request_params(batch, chosen, resolve_all, all_names=name_list)
        for batch in resolver.batches(name_list)
    ]
    lowered = {name.lower() for name in name_list}
    grouped = resolver.group_entries(
        name_list, [e for e in entries if e["searchString"] in lowered]
    )
    return params, lambda: resolver.skycoords(
        names, grouped, resolver=resolver_name, resolve_all=resolve_all
    )


@pytest.mark.parametrize(("names", "resolver_name", "resolve_all"), CASES)
def test_results_warnings_and_errors_equal_astroquery(
    names: Any, resolver_name: str | None, resolve_all: bool, sample: Any, stock_resolve: Any
) -> None:
    resolve_object, sent = stock_resolve
    theirs = _outcome(
        lambda: resolve_object(names, resolver=resolver_name, resolve_all=resolve_all)
    )
    params, ours_call = _ours(names, resolver_name, resolve_all, sample)
    assert _outcome(ours_call) == theirs
    assert params == [dict(p, resolveAll=str(p["resolveAll"])) for p in sent]


def test_request_params_wire_form() -> None:
    assert resolver.request_params(["M1"], "NED", False) == {
        "outputFormat": "json",
        "resolveAll": "False",
        "resolver": "NED",
        "name": ["M1"],
    }
    assert resolver.request_params(["TIC 1"], "NED", False)["resolveAll"] == "True"
    assert "resolver" not in resolver.request_params(["TIC 1"], "NED", False)
    assert resolver.request_params(["TIC 1"], None, False)["resolveAll"] == "False"


def test_batches_of_thirty() -> None:
    names = [f"n{i}" for i in range(61)]
    assert [len(b) for b in resolver.batches(names)] == [30, 30, 1]
    assert [name for batch in resolver.batches(names) for name in batch] == names


def test_invalid_resolver_and_ignored_resolver_warning() -> None:
    with pytest.raises(
        ResolverError, match=re.escape('Invalid resolver. Must be "NED" or "SIMBAD".')
    ):
        resolver.check_resolver("vizier")
    with pytest.warns(InputWarning, match="ignored when resolve_all is True"):
        resolver.warn_if_resolver_ignored("NED", True)


def test_catalog_separation_warning() -> None:
    entries = {
        "TIC 5": [
            {"searchString": "tic 5", "resolver": "TIC", "ra": 10.0, "decl": 0.0},
            {"searchString": "tic 5", "resolver": "SIMBAD", "ra": 10.01, "decl": 0.0},
        ]
    }
    with pytest.warns(InputWarning, match="differ from MAST TIC catalog by more than 1 arcsec"):
        coord = resolver.skycoords("TIC 5", entries, resolver="SIMBAD")
    assert isinstance(coord, SkyCoord)
    assert coord.ra.deg == pytest.approx(10.01)


def test_parse_response_shapes() -> None:
    assert resolver.parse_response({"resolvedCoordinate": None, "status": ""}) == []
    assert resolver.parse_response({}) == []
    with pytest.raises(Exception, match="expected an object"):
        resolver.parse_response([1, 2])


def test_each_call_gets_its_own_skycoord_equal_to_a_fresh_one() -> None:
    entries = {"M31": [{"searchString": "m31", "ra": 10.684708, "decl": 41.26875}]}
    first = resolver.skycoords("M31", entries)
    assert isinstance(first, SkyCoord)
    first.info.name = "mine"
    first.info.meta = {"note": "edited"}
    second = resolver.skycoords("M31", entries)
    assert isinstance(second, SkyCoord) and second is not first
    fresh = SkyCoord(10.684708, 41.26875, unit="deg")
    assert (second.ra.deg, second.dec.deg, second.frame.name) == (
        fresh.ra.deg,
        fresh.dec.deg,
        fresh.frame.name,
    )
    assert second.info.name is None and not second.info.meta
    assert repr(second) == repr(fresh)
