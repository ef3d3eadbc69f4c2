"""filter_products and product-list inputs, with astroquery 0.4.11's semantics."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from astropy.table import MaskedColumn, Table

from mastcache.client import ObservationsClass
from mastcache.client.products import observation_ids
from mastcache.errors import InvalidQueryError


@pytest.fixture
def products() -> Table:
    return Table(
        {
            "obsID": ["1", "1", "2", "2", "3"],
            "productType": ["SCIENCE", "AUXILIARY", "SCIENCE", "PREVIEW", "SCIENCE"],
            "productGroupDescription": [
                "Minimum Recommended Products",
                "",
                "Minimum Recommended Products",
                "",
                "",
            ],
            "productFilename": MaskedColumn(
                ["a_x1d.fits", "a_asn.fits", "b_x1d.fits", "b.jpg", "c.fits"],
                mask=[False, False, False, False, True],
            ),
            "size": [100, 14400, 20000, 500, 1500],
            "exptime": [1.5, 2.5, 3.5, 4.5, 5.5],
        }
    )


def _filter(products: Table, **kwargs: object) -> list[str]:
    result = ObservationsClass().filter_products(products, **kwargs)  # type: ignore[arg-type]
    return [f"{row['obsID']}:{row['productType']}:{row['size']}" for row in result]


def test_mrp_only_keeps_minimum_recommended_products(products: Table) -> None:
    assert _filter(products, mrp_only=True) == ["1:SCIENCE:100", "2:SCIENCE:20000"]


def test_extension_accepts_one_or_many_and_skips_masked_names(products: Table) -> None:
    assert _filter(products, extension="x1d.fits") == ["1:SCIENCE:100", "2:SCIENCE:20000"]
    assert _filter(products, extension=["jpg", "asn.fits"]) == [
        "1:AUXILIARY:14400",
        "2:PREVIEW:500",
    ]
    assert _filter(products, extension="fits") == [
        "1:SCIENCE:100",
        "1:AUXILIARY:14400",
        "2:SCIENCE:20000",
    ]


def test_text_values_are_or_and_negations_are_and_not(products: Table) -> None:
    assert _filter(products, productType=["SCIENCE", "PREVIEW"], obsID="2") == [
        "2:SCIENCE:20000",
        "2:PREVIEW:500",
    ]
    assert _filter(products, productType=["!SCIENCE", "!PREVIEW"]) == ["1:AUXILIARY:14400"]


def test_numeric_filters_take_numbers_ranges_and_comparisons(products: Table) -> None:
    assert _filter(products, size=100) == ["1:SCIENCE:100"]
    assert _filter(products, size="400..1600") == ["2:PREVIEW:500", "3:SCIENCE:1500"]
    assert _filter(products, size=[">=15000", "<200"]) == ["1:SCIENCE:100", "2:SCIENCE:20000"]
    assert _filter(products, size=["!14400", "<20000"]) == [
        "1:SCIENCE:100",
        "2:PREVIEW:500",
        "3:SCIENCE:1500",
    ]
    assert _filter(products, exptime="<=2.5", mrp_only=True) == ["1:SCIENCE:100"]


def test_unknown_column_and_bad_numbers_are_invalid_queries(products: Table) -> None:
    with pytest.raises(InvalidQueryError, match="Column 'colour' not found"):
        _filter(products, colour="red")
    with pytest.raises(InvalidQueryError, match="Could not parse numeric filter"):
        _filter(products, size="big")
    with pytest.raises(InvalidQueryError, match="needs the Table"):
        ObservationsClass().filter_products(list(products), mrp_only=True)  # type: ignore[arg-type]


def test_observation_ids_from_scalars_lists_and_tables(caplog: pytest.LogCaptureFixture) -> None:
    assert observation_ids("123") == ["123"]
    assert observation_ids(["1", "", "2"]) == ["1", "2"]
    assert observation_ids(np.array([5, 6])) == ["5", "6"]
    table = Table(
        {
            "obsid": ["10", "11", "12"],
            "obs_id": ["a", "tess-ffi", "tica-ffi"],
            "target_name": ["M31", "TESS FFI", "TICA FFI"],
        }
    )
    with caplog.at_level(logging.WARNING, logger="mastcache"):
        assert observation_ids(table) == ["10"]
        assert observation_ids(table[0]) == ["10"]
    assert "tess-ffi" in caplog.text and "tica-ffi" in caplog.text


def test_observation_ids_rejects_empty_input() -> None:
    with pytest.raises(InvalidQueryError, match="Observation list is empty"):
        observation_ids([""])
    with pytest.raises(InvalidQueryError, match="no 'obsid' column"):
        observation_ids(Table({"obs_id": ["a"]}))
