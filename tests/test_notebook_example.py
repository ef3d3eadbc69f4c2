"""docs/notebook.ipynb runs headless in a real ipykernel (nbclient) and shows what it promises:
a download progress widget, HTML tables for stats and SQL, the %sql magic, a coverage map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebook.ipynb"


def outputs_of(cell: Any) -> list[str]:
    return [mime for output in cell.get("outputs", []) for mime in output.get("data", {})]


def test_example_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("PLOOMBER_STATS_ENABLED", "false")  # jupysql telemetry: no network
    monkeypatch.setenv("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    for name in ("MASTCACHE_DIR", "MASTCACHE_MODE", "MASTCACHE_MAST_URL"):
        monkeypatch.delenv(name, raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()  # a failing cell raises CellExecutionError naming it
    cells = {
        cell.source.splitlines()[0]: cell for cell in notebook.cells if cell.cell_type == "code"
    }
    by_start = {first.split("(")[0]: cell for first, cell in cells.items()}
    assert "second call from cache" in "".join(
        o.get("text", "") for o in cells["from mastcache import Observations"].outputs
    )
    download = next(c for c in cells.values() if "download_products" in c.source)
    assert "application/vnd.jupyter.widget-view+json" in outputs_of(download)
    stats = next(c for c in cells.values() if "cache_stats(current_settings())" in c.source)
    assert "text/html" in outputs_of(stats)
    magic = cells["%%sql"]
    html = "".join(o["data"].get("text/html", "") for o in magic.outputs if "data" in o)
    assert "obs_collection" in html and "products" in html
    assert "image/png" in outputs_of(by_start["cov.plot"])
    assert "text/html" in outputs_of(cells["cov = mastcache.coverage()"])
