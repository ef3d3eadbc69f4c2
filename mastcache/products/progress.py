"""One progress bar for a whole download: bytes received and files finished, drawn only
when stderr is a terminal (or ``settings.progress`` says so)."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any

__all__ = ["DownloadProgress"]


class DownloadProgress:
    """Thread-safe counters behind a tqdm bar (``with DownloadProgress(...) as bar``)."""

    def __init__(self, total_bytes: int, total_files: int, *, shown: bool | None) -> None:
        self.total_files = total_files
        self.files_done = 0
        self.bytes_done = 0
        self._lock = threading.Lock()
        visible = sys.stderr.isatty() if shown is None else shown
        self._bar: Any = _tqdm(total_bytes) if visible and total_files else None
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


def _tqdm(total_bytes: int) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total_bytes or None,
        desc="Downloading",
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        file=sys.stderr,
        leave=False,
    )
