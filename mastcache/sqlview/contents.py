"""What the cache holds, read from the store in one transaction for one SQL session."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

import pyarrow.fs as pafs

from mastcache.settings import Settings
from mastcache.store import FileRecord, ProductRecord, QueryRecord, ResolutionRecord, Store
from mastcache.store.records import utcnow

__all__ = ["CacheContents", "read_contents"]

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class CacheContents:
    """The catalog records a SQL session builds its views from."""

    cache_dir: Path
    queries: tuple[QueryRecord, ...]
    resolutions: tuple[ResolutionRecord, ...]
    products: tuple[ProductRecord, ...]
    files: tuple[FileRecord, ...]
    #: When the records were read; ``is_expired`` columns are computed against it.
    read_at: datetime
    #: Filesystem and root of the result files when they live in a team object store.
    filesystem: pafs.FileSystem | None = None
    store_base: str | None = None

    def table_file(self, record: QueryRecord) -> Path:
        """The Parquet file holding ``record``'s result (in local mode)."""
        return self.cache_dir / record.table_path

    def table_source(self, record: QueryRecord) -> tuple[str, pafs.FileSystem | None]:
        """Where a pyarrow dataset opens ``record``'s result: a path and its filesystem."""
        if self.filesystem is None or self.store_base is None:
            return str(self.table_file(record)), None
        copy = self.table_file(record)  # team mode: this machine's verified copy, if any
        if _has_size(copy, record.nbytes):
            return str(copy), None
        return f"{self.store_base}/{record.table_path}", self.filesystem


def read_contents(settings: Settings, scope: str = ANONYMOUS) -> CacheContents:
    """Every query, resolution, manifest row and file record in the cache at ``settings``
    that ``scope`` may see: public (anonymous) ones plus that identity's own (issue 10)."""
    with Store.open(settings, serve_local=True) as store:
        queries, resolutions, products, files = store.everything()
        return CacheContents(
            cache_dir=store.root,
            queries=_visible(queries, scope),
            resolutions=_visible(resolutions, scope),
            products=_visible(products, scope),
            files=_visible(files, scope),
            read_at=utcnow(),
            filesystem=store.objects.filesystem,
            store_base=store.objects.base,
        )


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


class _Scoped(Protocol):
    @property
    def scope(self) -> str: ...


_R = TypeVar("_R", bound=_Scoped)


def _visible(records: Iterable[_R], scope: str) -> tuple[_R, ...]:
    return tuple(r for r in records if r.scope in (ANONYMOUS, scope))
