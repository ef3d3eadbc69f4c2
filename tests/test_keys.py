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
    canonical_value,
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


#: Golden keys, computed once (mastcache 0.x, KEY_VERSION 1) and written here as literals. Every
#: user's cache and every published snapshot is indexed by these: a change to canonicalisation
#: that alters one of them invalidates all of those. Such a change must bump KEY_VERSION, ship
#: a migration of stored keys, and replace this table deliberately (docs/testing.md).
GOLDEN_QUERY_KEYS: list[tuple[str, dict[str, Any], dict[str, str], str]] = [
    (
        "Mast.Caom.Cone",
        {"ra": 210.80227, "dec": 54.34895, "radius": 0.2},
        {},
        "361b7d8bf0995f9e3f037d4a4ddb81d3f5021df72ce913247e38b2972381572a",
    ),
    (
        "Mast.Caom.Cone",
        {
            "ra": 210.80227,
            "dec": 54.34895,
            "radius": 0.2,
            "cacheBreaker": "x",
            "page": 3,
            "pagesize": 500,
        },
        {},
        "361b7d8bf0995f9e3f037d4a4ddb81d3f5021df72ce913247e38b2972381572a",
    ),
    (
        "Mast.Caom.Cone",
        {"ra": 10, "dec": -5.5, "radius": 1.0},
        {"scope": "user:42"},
        "0b24268d79825509af31a3607368e509acc08d5f611da499571c7fb70ec4b520",
    ),
    (
        "Mast.Caom.Cone",
        {"ra": 10, "dec": -5.5, "radius": 1.0},
        {"result_format": "extjs"},
        "67ddb96c4ca1f87817e41f07c63d8ac67f541318232269f7bbc8bb90914a6a16",
    ),
    (
        "Mast.Caom.Filtered",
        {
            "columns": "*",
            "filters": [
                {"paramName": "obs_collection", "values": ["HST", "GALEX"]},
                {"paramName": "s_dec", "values": [{"min": 40, "max": 60}]},
            ],
        },
        {},
        "fe3bb6a5c21f099539c1b75e963e2257190a99f368baf355934e38106f095d52",
    ),
    (
        "Mast.Caom.Filtered.Position",
        {
            "columns": "*",
            "filters": [{"paramName": "dataproduct_type", "values": ["image"]}],
            "position": "10.684708, 41.26875, 0.1",
        },
        {},
        "d8ba81776c5099eb40106f88e6bac978fb2b38bab0ed86f449bfcc77928bbc9a",
    ),
    (
        "Mast.Caom.Products",
        {"obsid": "2003738726,2003520266,2003520267"},
        {},
        "6e80a3653419db21d4530116a23235bbc8365af261af4c14610cba3661861434",
    ),
    (
        "Mast.Catalogs.Tic.Cone",
        {"ra": 83.82, "dec": -5.39, "radius": 0.01},
        {},
        "cd25b4cd9404c5674990731c9d349ea3e554ab798e8805a9cadb65ca6a1380bc",
    ),
    (
        "Mast.Hsc.Db.v3",
        {"ra": 189.49206, "dec": 62.20615, "radius": 0.01, "nDetections": 1},
        {},
        "05b35ed6462bf89ba28e8fe42eabfdcd663c2fd65230567df8fc85aacb1efa6b",
    ),
    (
        "Mast.Name.Lookup",
        {"input": "Andromède", "format": "json"},
        {},
        "56025c8cefde6806d979d8364febd6ea3414041e3894c7440002e3ae76955cbb",
    ),
    (
        "Mast.Catalogs.Filtered.Tic",
        {
            "columns": "c.*",
            "filters": [{"paramName": "Tmag", "values": [{"min": 8.5, "max": 9}]}],
            "flag": None,
            "ok": True,
        },
        {},
        "1b0d672b53075389f593ba0e966de4e1b3010be4ea3df582e1b432206bccd548",
    ),
    (
        "search:hst",
        {
            "target": ["10.68 41.27"],
            "radius": 3,
            "radius_units": "arcminutes",
            "select_cols": ["sci_pep_id"],
            "sort_by": ["sci_pep_id"],
            "sort_desc": [True],
        },
        {},
        "d566afbb06f74e0fc508118b1758bc926bebe6b612b0cedaa4e1705466664d3f",
    ),
    (
        "S",
        {"a": float("nan"), "b": float("inf"), "c": Decimal("0.200")},
        {},
        "5d430d53170d7981286dfafd456cb2c3464618cbfa4f63d764c363c3efaeccc8",
    ),
]
GOLDEN_RESOLUTION_KEYS: list[tuple[tuple[str, str | None, bool], str]] = [
    (("M31", None, False), "c00a2afae4e70c8c72231971e786aefe58cae71ffa27858e6ba7959bca383184"),
    (("M101", "SIMBAD", False), "aa65913dd7c283fe057990908e7e5d616004a2aa854d294252926afa6f8b8996"),
    (("M31", "NED", True), "d7f7cdd4a33866ff1f7ee4174ccccd459146a6f13950d55625bc28c640888162"),
    (
        ("TIC 307210830", None, False),
        "bceffe39552de51cec0d6c492f03503992324cbbc69190a48691452aed45d52b",
    ),
]


@pytest.mark.parametrize(("service", "params", "options", "key"), GOLDEN_QUERY_KEYS)
def test_golden_query_keys(
    service: str, params: dict[str, Any], options: dict[str, str], key: str
) -> None:
    assert query_key(service, params, **options) == key


@pytest.mark.parametrize(("args", "key"), GOLDEN_RESOLUTION_KEYS)
def test_golden_resolution_keys(args: tuple[str, str | None, bool], key: str) -> None:
    assert resolution_key(*args) == key


def test_golden_keys_are_distinct_where_the_requests_differ() -> None:
    keys = [key for *_, key in GOLDEN_QUERY_KEYS]
    assert len(set(keys)) == len(keys) - 1  # only the volatile-fields twin repeats a key


# -- edges found by mutation testing (docs/testing.md) ------------------------------------


def test_negative_infinity_has_its_own_pinned_key() -> None:
    assert canonical_value(-float("inf")) == {"$float": "-inf"}
    assert canonical_value(float("inf")) == {"$float": "inf"}
    assert query_key("S", {"a": -float("inf")}) == (
        "7c9a4bdfc82ebac66ee3cf7ddade55b98805497289b5813f33eda9ef054ac623"
    )


def test_large_integers_keep_every_digit() -> None:
    big = 2**53 + 1  # not representable as a float
    assert canonical_value(big) == big
    assert query_key("S", {"obsid": big}) != query_key("S", {"obsid": 2**53})
    assert canonical_value(np.int64(big)) == big


def test_numpy_arrays_are_keyed_by_their_contents() -> None:
    assert canonical_value(np.array([1, 2.5])) == [1, 2.5]
    assert query_key("S", {"a": np.array([1, 2])}) == query_key("S", {"a": [1, 2]})
    assert query_key("S", {"a": np.array([1, 2])}) != query_key("S", {"a": np.array([2, 1])})


def test_a_custom_drop_set_applies_at_every_depth() -> None:
    drop = frozenset({"noise"})
    nested = {"a": [{"noise": 1, "b": 2}], "c": {"noise": 3}, "d": np.array([{"noise": 4}])}
    assert canonical_value(nested, drop) == {"a": [{"b": 2}], "c": {}, "d": [{}]}


def test_unsupported_values_and_names_are_refused_with_the_whole_message() -> None:
    with pytest.raises(InvalidQueryError) as caught:
        canonical_value({"a": {1, 2}})
    assert str(caught.value) == (
        "cannot build a cache key from set value {1, 2}: expected str, number, bool, None, "
        "or lists and dicts of those"
    )
    with pytest.raises(InvalidQueryError) as caught:
        canonical_value({3: "a"})
    assert str(caught.value) == (
        "cannot build a cache key: parameter name 3 is not a string; "
        "MAST parameter names are strings"
    )


def test_empty_obsid_entries_are_ignored() -> None:
    service = "Mast.Caom.Products"
    assert normalize_params(service, {"obsid": "2,,1,"}) == {"obsid": "1,2"}


def test_filters_without_a_list_of_values_are_kept_as_they_are() -> None:
    service = "Mast.Caom.Filtered"
    entry = {"paramName": "target_name", "values": "ba"}
    assert normalize_params(service, {"filters": [entry]}) == {"filters": [entry]}
    assert normalize_params(service, {"filters": ["raw"]}) == {"filters": ["raw"]}


def test_only_portal_filtered_services_treat_filters_as_a_set() -> None:
    one = [{"paramName": "a", "values": [1]}, {"paramName": "b", "values": [2]}]
    two = list(reversed(one))
    assert query_key("Mast.Caom.Filtered", {"filters": one}) == query_key(
        "Mast.Caom.Filtered", {"filters": two}
    )
    for service in ("Other.Filtered", "Mast.Caom.Cone"):
        assert query_key(service, {"filters": one}) != query_key(service, {"filters": two})
