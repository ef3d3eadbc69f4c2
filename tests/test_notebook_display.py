"""Rich notebook displays: cache stats, SQL results, coverage; progress bars pick their form."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from astropy.table import Table

from mastcache.maintenance import cache_stats
from mastcache.products.progress import DownloadProgress, in_notebook
from mastcache.settings import Settings
from mastcache.sqlview import sql
from mastcache.store import Store


@pytest.fixture
def filled(tmp_path: Path) -> Settings:
    settings = Settings.from_env({}, cache_dir=tmp_path / "cache")
    table = Table({"obsid": [1, 2], "obs_collection": ["HST", "<b>TESS</b>"]})
    with Store.open(settings) as store:
        for key in ("ab" * 32, "cd" * 32):
            store.put_query(key, service="Mast.Caom.Cone", kind="observations", params={"k": key},
                            scope="anonymous", table=table,
                            fetched_at=datetime.now(timezone.utc), expires_at=None)  # fmt: skip
    return settings


def test_cache_stats_html(filled: Settings) -> None:
    html = cache_stats(filled)._repr_html_()
    assert "<table>" in html and "<td>Mast.Caom.Cone</td><td>observations</td><td>2</td>" in html
    assert str(filled.cache_dir) in html


def test_sql_result_html_says_where_rows_come_from(filled: Settings) -> None:
    result = sql("SELECT obsid, obs_collection, source_queries FROM observations", settings=filled)
    assert (
        result.provenance()
        == "2 rows × 3 columns from the mastcache cache, out of 2 cached queries"
    )
    html = result._repr_html_()
    assert "out of 2 cached queries" in html and "&lt;b&gt;TESS&lt;/b&gt;" in html


def test_progress_is_plain_text_outside_a_kernel() -> None:
    assert not in_notebook()
    with DownloadProgress(100, 1, shown=True) as progress:
        from tqdm.notebook import tqdm_notebook

        assert progress._bar is not None and not isinstance(progress._bar, tqdm_notebook)


def test_progress_is_a_widget_inside_a_kernel() -> None:
    pytest.importorskip("ipywidgets")
    manager_module = pytest.importorskip("ipykernel.inprocess.manager")
    manager = manager_module.InProcessKernelManager()
    manager.start_kernel()
    try:
        assert in_notebook()
        with DownloadProgress(100, 1, shown=None) as progress:  # shown by default in Jupyter
            from tqdm.notebook import tqdm_notebook

            assert isinstance(progress._bar, tqdm_notebook)
            progress.add_bytes(100)
            progress.file_done()
    finally:
        manager.shutdown_kernel()
        from IPython.core.interactiveshell import InteractiveShell

        InteractiveShell.clear_instance()
    assert not in_notebook()
