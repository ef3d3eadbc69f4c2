"""What a download did for each product, and astroquery's manifest Table of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from astropy.table import Table

__all__ = ["MANIFEST_COLUMNS", "DownloadOutcome", "Status", "manifest_table"]

Status = Literal["COMPLETE", "SKIPPED", "ERROR"]
#: astroquery's manifest columns, in its order.
MANIFEST_COLUMNS = ("Local Path", "Status", "Message", "URL")


@dataclass(frozen=True)
class DownloadOutcome:
    """One manifest row: astroquery puts no message and no URL on a COMPLETE row."""

    local_path: str
    status: Status
    message: str | None = None
    url: str | None = None
    #: Where the bytes came from: ``network``, ``cache`` or ``None`` (not served).
    source: str | None = None

    @property
    def as_row(self) -> tuple[str, str, str | None, str | None]:
        return (self.local_path, self.status, self.message, self.url)


def manifest_table(outcomes: Iterable[DownloadOutcome]) -> Table:
    """The manifest Table, built as astroquery builds it (same column names and types)."""
    rows = [outcome.as_row for outcome in outcomes]
    table = Table(rows=rows, names=MANIFEST_COLUMNS) if rows else _empty()
    return table


def _empty() -> Table:
    return Table(names=MANIFEST_COLUMNS, dtype=(str, str, object, object))
