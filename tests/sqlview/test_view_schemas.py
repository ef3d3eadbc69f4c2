"""Views have stable schemas: ``observations`` and ``products`` carry their documented columns
on a fresh, a partly filled and a filled cache, so every SQL example of the README returns
rows or an empty result, never a binder error (issue #18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mastcache import Mast, Observations
from mastcache.runtime import configure, reset
from mastcache.settings import Settings
from mastcache.sqlview import sql
from mastcache.sqlview.views import OBSERVATIONS_SCHEMA, PRODUCTS_SCHEMA

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_queries() -> list[str]:
    """Every SQL statement the README runs: `mastcache sql "..."` lines and mastcache.sql()."""
    text = README.read_text(encoding="utf-8")
    shell = re.findall(r'mastcache sql "([^"]+)"', text)
    python = re.findall(r'mastcache\.sql\("""(.*?)"""\)', text, flags=re.S)
    found = [q for q in shell + python if q.strip().upper().startswith("SELECT")]
    found = [q for q in found if "..." not in q]  # the command table's placeholder
    assert len(found) >= 3, found
    return found


def columns(view: str, settings: Settings) -> dict[str, str]:
    described = sql(f"DESCRIBE SELECT * FROM {view}", settings=settings)
    return dict(zip(described["column_name"], described["column_type"], strict=True))


def check_schemas(settings: Settings) -> None:
    observations = columns("observations", settings)
    assert "source_queries" in observations
    for name, type_ in OBSERVATIONS_SCHEMA:
        assert observations[name] == type_, name
    products = columns("products", settings)
    for name, type_ in PRODUCTS_SCHEMA:
        assert products[name] == type_, name


@pytest.mark.parametrize("query", readme_queries())
def test_readme_sql_on_a_fresh_cache_is_empty(settings: Settings, query: str) -> None:
    result = sql(query, settings=settings)
    assert len(result) == 0 or query.lstrip().upper().startswith("SELECT KEY")


def test_fresh_cache_has_the_documented_columns(settings: Settings) -> None:
    check_schemas(settings)


def test_partly_filled_cache(settings: Settings) -> None:
    """A count and a resolution only: observations still has every column, and is empty."""
    configure(cache_dir=settings.cache_dir, mast_url=settings.mast_url, mode="cache-first")
    try:
        assert Observations.query_criteria_count(obs_collection="TESS") > 0
        Mast.resolve_object("M101")
    finally:
        reset()
    check_schemas(settings)
    for query in readme_queries():
        sql(query, settings=settings)
    assert len(sql("SELECT obs_collection FROM observations", settings=settings)) == 0


def test_filled_cache_keeps_the_declared_types(settings: Settings) -> None:
    """Real answers from the emulator: the declared schema matches what MAST returns, so a
    filled cache has the same columns, of the same types, as an empty one."""
    configure(cache_dir=settings.cache_dir, mast_url=settings.mast_url, mode="cache-first")
    try:
        table = Observations.query_object("M101", radius="0.1 deg")
        Observations.get_product_list(table[:2])
    finally:
        reset()
    check_schemas(settings)
    observations = columns("observations", settings)
    assert set(observations) == {name for name, _ in OBSERVATIONS_SCHEMA} | {"source_queries"}
    rows = sql(readme_queries()[-1], settings=settings)
    assert len(rows) > 0
