"""One progress bar for a whole download: bytes received and files finished, drawn when
stderr is a terminal or inside a Jupyter kernel (or when ``settings.progress`` says so).

In Jupyter the bar is tqdm's notebook widget (``tqdm.auto``, plain text if ipywidgets is
missing); elsewhere it is plain text on stderr.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any

__all__ = ["DownloadProgress", "in_notebook"]


class DownloadProgress:
    """Thread-safe counters behind a tqdm bar (``with DownloadProgress(...) as bar``)."""

    def __init__(self, total_bytes: int, total_files: int, *, shown: bool | None) -> None:
        self.total_files = total_files
        self.files_done = 0
        self.bytes_done = 0
        self._lock = threading.Lock()
        notebook = in_notebook()
        visible = (sys.stderr.isatty() or notebook) if shown is None else shown
        self._bar: Any = _tqdm(total_bytes, notebook) if visible and total_files else None
        self._show_files()

    def add_bytes(self, count: int) -> None:
        with self._lock:
            self.bytes_done += count
            if self._bar is not None:
                self._bar.update(count)

    def file_done(self) -> None:
        with self._lock:
            self.files_done += 1
            self._show_files()

    def _show_files(self) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.files_done}/{self.total_files} files", refresh=True)

    def __enter__(self) -> DownloadProgress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.close()


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (IPython with a kernel attached)."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _tqdm(total_bytes: int, notebook: bool) -> Any:
    options: dict[str, Any] = {
        "total": total_bytes or None,
        "desc": "Downloading",
        "unit": "B",
        "unit_scale": True,
        "unit_divisor": 1024,
    }
    if notebook:
        from tqdm.auto import tqdm as auto_tqdm  # the widget form when ipywidgets is there

        return auto_tqdm(**options, leave=True)
    from tqdm import tqdm

    return tqdm(**options, file=sys.stderr, leave=False)
