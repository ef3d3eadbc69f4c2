"""Canonical keys: equivalent requests share a key, different ones never do."""

from __future__ import annotations

import copy
import unicodedata
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mastcache.errors import InvalidQueryError
from mastcache.keys import (
    VOLATILE_FIELDS,
    canonical_json,
    normalize_params,
    query_key,
    resolution_key,
)

names = st.text(
    alphabet=st.characters(categories=("Ll", "Lu", "Nd"), max_codepoint=0x7F),
    min_size=1,
    max_size=8,
).filter(lambda name: name not in VOLATILE_FIELDS | {"obsid", "filters", "position"})
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=12,
)
param_dicts = st.dictionaries(names, values, max_size=6)
#: First examples pay for warm-up (numpy, unicodedata tables): no per-example deadline.
relaxed = settings(deadline=None)
services = st.sampled_from(["Mast.Caom.Cone", "Mast.Catalogs.Tic.Cone", "Mast.Hsc.Db.v3"])


def reordered(params: dict[str, Any]) -> dict[str, Any]:
    return {name: params[name] for name in reversed(list(params))}


@relaxed
@given(services, param_dicts)
def test_param_order_does_not_matter(service: str, params: dict[str, Any]) -> None:
    assert query_key(service, params) == query_key(service, reordered(params))


@relaxed
@given(
    services,
    param_dicts,
    st.uuids().map(str),
    st.integers(1, 10),
    st.integers(1, 100_000),
    st.text(max_size=20),
)
def test_volatile_fields_do_not_matter(
    service: str, params: dict[str, Any], breaker: str, page: int, pagesize: int, token: str
) -> None:
    noisy = {
        **params,
        "cacheBreaker": breaker,
        "page": page,
        "pagesize": pagesize,
        "timeout": 600,
        "mast_token": token,
        "clearcache": True,
    }
    assert query_key(service, noisy) == query_key(service, params)


@relaxed
@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_float_formatting_does_not_matter(number: float) -> None:
    as_text = [repr(number), f"{number:.17g}", f"{number:.17e}"]
    keys = {query_key("Mast.Caom.Cone", {"radius": float(text)}) for text in as_text}
    keys.add(query_key("Mast.Caom.Cone", {"radius": Decimal(repr(number))}))
    keys.add(query_key("Mast.Caom.Cone", {"radius": np.float64(number)}))
    assert len(keys) == 1


def test_written_forms_of_one_number_agree() -> None:
    radii = [0.2, 0.20, 2e-1, Decimal("0.200"), np.float64(0.2)]
    assert len({query_key("Mast.Caom.Cone", {"radius": r}) for r in radii}) == 1
    whole = [1, 1.0, np.int32(1), np.float64(1.0), Decimal("1.000")]
    assert len({query_key("Mast.Caom.Cone", {"ni": n}) for n in whole}) == 1


@relaxed
@given(services, param_dicts, names, values, values)
def test_different_values_give_different_keys(
    service: str, params: dict[str, Any], name: str, first: Any, second: Any
) -> None:
    one, two = {**params, name: first}, {**params, name: second}
    same = canonical_json(normalize_params(service, one)) == canonical_json(
        normalize_params(service, two)
    )
    assert (query_key(service, one) == query_key(service, two)) == same


@relaxed
@given(services, param_dicts)
def test_scope_format_and_service_separate_keys(service: str, params: dict[str, Any]) -> None:
    base = query_key(service, params)
    assert query_key(service, params, scope="user:42") != base
    assert query_key(service, params, result_format="extjs") != base
    assert query_key(service + ".Other", params) != base


@relaxed
@given(services, param_dicts)
def test_caller_argument_is_never_mutated(service: str, params: dict[str, Any]) -> None:
    params = {**params, "cacheBreaker": "x", "nested": {"page": 2, "values": [3, 1]}}
    before = copy.deepcopy(params)
    query_key(service, params)
    normalize_params(service, params)
    assert params == before


def test_bool_is_not_an_int_and_strings_are_literal() -> None:
    assert query_key("S", {"a": True}) != query_key("S", {"a": 1})
    assert query_key("S", {"a": "01234"}) != query_key("S", {"a": "1234"})
    assert query_key("S", {"a": "1"}) != query_key("S", {"a": 1})
    assert query_key("S", {"a": None}) != query_key("S", {})


def test_strings_are_nfc_normalised() -> None:
    composed = "Andromède"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert query_key("S", {"target": composed}) == query_key("S", {"target": decomposed})


def test_volatile_fields_are_dropped_at_any_depth() -> None:
    params = {"a": {"cacheBreaker": "z", "b": [{"token": "secret", "c": 1}]}}
    assert normalize_params("S", params) == {"a": {"b": [{"c": 1}]}}


def test_list_order_is_kept_where_it_matters() -> None:
    assert query_key("S", {"columns": ["a", "b"]}) != query_key("S", {"columns": ["b", "a"]})
    assert query_key("S", {"sort_by": ["x", "y"]}) != query_key("S", {"sort_by": ["y", "x"]})


@relaxed
@given(st.lists(st.integers(1, 10**10), min_size=1, max_size=8), st.randoms())
def test_product_obsids_are_a_set(ids: list[int], rnd: Any) -> None:
    shuffled = [str(i) for i in ids] + [str(ids[0])]
    rnd.shuffle(shuffled)
    one = query_key("Mast.Caom.Products", {"obsid": ",".join(str(i) for i in ids)})
    assert one == query_key("Mast.Caom.Products", {"obsid": ",".join(shuffled)})
    assert one == query_key("Mast.Caom.Products", {"obsid": shuffled})


def test_product_obsids_stay_meaningful() -> None:
    assert query_key("Mast.Caom.Products", {"obsid": "1,2"}) != query_key(
        "Mast.Caom.Products", {"obsid": "1,3"}
    )
    # Only Products treats obsid as a set.
    assert query_key("Other", {"obsid": "1,2"}) != query_key("Other", {"obsid": "2,1"})


def test_portal_filters_are_an_and_of_ors() -> None:
    first = {"paramName": "filters", "separator": ";", "values": ["NUV", "FUV"]}
    second = {"paramName": "s_dec", "values": [{"min": 43.5, "max": 45.5}]}
    swapped = {"paramName": "filters", "separator": ";", "values": ["FUV", "NUV", "FUV"]}
    service = "Mast.Caom.Filtered"
    one = query_key(service, {"columns": "*", "filters": [first, second]})
    assert one == query_key(service, {"filters": [second, swapped], "columns": "*"})
    other = {"paramName": "s_dec", "values": [{"min": 43.5, "max": 46.0}]}
    assert one != query_key(service, {"columns": "*", "filters": [first, other]})


def test_position_string_numbers_are_normalised() -> None:
    service = "Mast.Caom.Filtered.Position"
    one = query_key(service, {"position": "23.34086, 60.658, 0.2"})
    assert one == query_key(service, {"position": "23.340860,60.6580, 2e-1"})
    assert one != query_key(service, {"position": "23.34086, 60.658, 0.3"})


def test_unsupported_values_are_rejected_clearly() -> None:
    with pytest.raises(InvalidQueryError, match="cannot build a cache key"):
        query_key("S", {"a": object()})
    with pytest.raises(InvalidQueryError, match="not a string"):
        query_key("S", {1: "a"})  # type: ignore[dict-item]


def test_resolution_names_match_as_santa_does() -> None:
    assert resolution_key("M31", None, False) == resolution_key(" m31", None, False)
    assert resolution_key("Andromède", None, False) == resolution_key(
        unicodedata.normalize("NFD", "ANDROMÈDE"), None, False
    )
    assert resolution_key("M31", None, False) != resolution_key("M32", None, False)


def test_non_finite_floats_have_distinct_keys() -> None:
    keys = {query_key("S", {"a": v}) for v in (float("nan"), float("inf"), -float("inf"))}
    assert len(keys) == 3
    assert query_key("S", {"a": float("nan")}) != query_key("S", {"a": "nan"})


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="abcXYZ 019+-.", min_size=1, max_size=20),
    st.sampled_from([None, "SIMBAD", "NED"]),
    st.booleans(),
)
def test_resolution_keys(name: str, resolver: str | None, resolve_all: bool) -> None:
    key = resolution_key(name, resolver, resolve_all)
    assert len(key) == 64
    assert key == resolution_key(f" {name} ", resolver, resolve_all)
    assert key == resolution_key(name.lower(), resolver, resolve_all)
    assert key != resolution_key(name, resolver, not resolve_all)
    assert key != resolution_key(name, resolver, resolve_all, scope="user:1")
    lowered = resolver.lower() if resolver else None
    assert key == resolution_key(name, lowered, resolve_all)


@relaxed
@given(
    services,
    param_dicts,
    names,
    st.one_of(st.integers(), st.text(max_size=10)),
    st.one_of(st.integers(), st.text(max_size=10)),
)
def test_distinct_scalars_never_share_a_key(
    service: str, params: dict[str, Any], name: str, first: Any, second: Any
) -> None:
    if type(first) is type(second) and unicodedata.normalize(
        "NFC", str(first)
    ) == unicodedata.normalize("NFC", str(second)):
        return
    assert query_key(service, {**params, name: first}) != query_key(
        service, {**params, name: second}
    )
