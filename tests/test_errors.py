"""mastcache's warnings derive from astropy's AstropyWarning, yet cost no astropy import
until one is used (mastcache/errors.py makes them on first access)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import warnings

import pytest
from astropy.utils.exceptions import AstropyWarning

import mastcache
from mastcache import errors

WARNINGS = ["MastCacheWarning", "StaleResultWarning", "NoResultsWarning", "MaxResultsWarning",
            "InputWarning", "CacheWriteWarning"]  # fmt: skip


@pytest.mark.parametrize("name", WARNINGS)
def test_every_warning_is_an_astropy_warning(name: str) -> None:
    category = getattr(errors, name)
    assert issubclass(category, AstropyWarning)
    assert issubclass(category, errors.MastCacheWarning)
    assert category.__module__ == "mastcache.errors" and category.__qualname__ == name
    assert category.__doc__
    assert pickle.loads(pickle.dumps(category("x"))).__class__ is category


def test_the_package_hands_out_the_same_classes() -> None:
    assert mastcache.NoResultsWarning is errors.NoResultsWarning
    assert mastcache.MastCacheWarning is errors.MastCacheWarning


def test_filtering_astropy_warnings_silences_ours() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.simplefilter("ignore", AstropyWarning)
        warnings.warn("none", errors.NoResultsWarning, stacklevel=1)
    assert caught == []


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchWarning"):
        _ = errors.NoSuchWarning


def test_importing_mastcache_and_its_errors_imports_no_astropy() -> None:
    code = (
        "import sys, mastcache\n"
        "from mastcache.errors import SQLError, StoreError\n"
        "print('astropy' in sys.modules)\n"
        "from mastcache.errors import NoResultsWarning\n"
        "print('astropy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    assert out.split() == ["False", "True"]
