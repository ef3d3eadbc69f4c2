"""The views over cached results, made when a statement first names them.

Registering every cached result and a union view over all of them took a minute for 10,000
cached queries. A session now registers only the catalog tables when it opens; a statement
that names ``observations``, ``catalog_tic`` or ``q_<key8>`` has that view made first (with
the result datasets under it), and keeps it for the session's later statements. A statement
that may list views (``information_schema``, ``duckdb_views()``, ``query(...)``) has every
view made first, so what it lists is what the cache holds.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.fs as pafs

from mastcache.errors import SQLError
from mastcache.sqlview.contents import CacheContents, CachedResult
from mastcache.sqlview.naming import table_view_name
from mastcache.sqlview.views import MANIFEST_SOURCE, Member, plan_union_views

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow.dataset as ds

__all__ = ["ResultViews"]

#: Words of a statement that can list or reach views by name at run time.
_LISTS_VIEWS = re.compile(
    r"information_schema|duckdb_|pg_catalog|pg_class|sqlite_master|pragma_|"
    r"\bquery(_table)?\s*\(",
    re.IGNORECASE,
)


class ResultViews:
    """The ``q_<key8>`` and union views of one session, made on demand."""

    def __init__(self, connection: Any, contents: CacheContents, names: dict[str, str],
                 manifest: pa.Table) -> None:  # fmt: skip
        self._connection = connection
        self._contents = contents
        self._names = names
        self._keys = {name.lower(): key for key, name in names.items()}
        self._unions = _union_names(contents)
        self._opened = _folder_times(contents)
        self._members: dict[str, Member | None] = {}
        self._made: set[str] = set()
        self._manifest = (
            Member("product_manifests", MANIFEST_SOURCE, len(names), tuple(manifest.column_names))
            if manifest.num_rows
            else None
        )

    def names(self) -> list[str]:
        """Every result view of the session, made or not."""
        return sorted([*self._names.values(), *self._unions])

    def prepare(self, query: str, referenced: Iterable[str]) -> None:
        """Make the views ``query`` names (``referenced``: its table names), or all of them."""
        if _LISTS_VIEWS.search(query):
            self.make_all()
            return
        for name in {n.lower() for n in referenced}:
            if name in self._unions:
                self._make_union(name)
            elif name in self._keys:
                self._member(self._keys[name])

    def make_all(self) -> None:
        """Make every view (for listings: ``views``, ``--list-views``, information_schema)."""
        for key in self._names:
            self._member(key)
        for name in sorted(self._unions):
            self._make_union(name)

    def _make_union(self, name: str) -> None:
        if name in self._made:
            return
        results = self._contents.queries.results
        wanted = [r for r in results.values() if _union_of(r) == name]
        members = [(r, m) for r in wanted if (m := self._member(r.key)) is not None]
        for view in plan_union_views(members, self._manifest):
            if view.name == name:
                self._connection.execute(view.sql())
        self._made.add(name)

    def _member(self, key: str) -> Member | None:
        """``key``'s result registered as its ``q_`` view (once); None if it cannot be read."""
        if key in self._members:
            return self._members[key]
        result = self._contents.queries.results[key]
        dataset = self._open_dataset(result)
        member = None
        if dataset is not None:
            name = self._names[key]
            self._connection.register(name, dataset)
            member = Member(name, key, result.rank, tuple(dataset.schema.names))
        self._members[key] = member
        return member

    def _open_dataset(self, result: CachedResult) -> ds.Dataset | None:
        import pyarrow.dataset as ds  # ~0.1 s: only for statements over cached results

        path, filesystem = self._contents.table_source(result)
        try:
            return ds.dataset(path, format="parquet", filesystem=filesystem)
        except (OSError, pa.ArrowInvalid) as exc:
            if self._changed_since_open(result):
                raise SQLError(
                    f"the query failed: cached result {result.key[:8]} ({path}) was replaced or "
                    "removed while this session was open (a refresh, or a prune that ignored "
                    "the cache lock); open a new session and run the query again"
                ) from exc
            from mastcache.errors import MastCacheWarning  # astropy: only when it warns

            warnings.warn(
                f"cached result {result.key[:8]} ({result.service}) is left out of the SQL "
                f"views: cannot open {path} ({exc}); run `mastcache cache verify`",
                MastCacheWarning,
                stacklevel=6,
            )
            return None

    def _changed_since_open(self, result: CachedResult) -> bool:
        folder = result.table_path.rpartition("/")[0]
        opened = self._opened.get(folder)
        return opened is not None and opened != _mtime(self._contents.cache_dir / folder)


def _union_of(result: CachedResult) -> str:
    """The union view a result may belong to (observations/products: decided by columns)."""
    if result.kind == "observations":
        return "observations"
    if result.kind == "products":
        return "products"
    return table_view_name(result.kind, result.service) or ""


def _union_names(contents: CacheContents) -> set[str]:
    pairs = set(zip(contents.queries.column("kind"), contents.queries.column("service"),
                    strict=True))  # fmt: skip
    tables = {table_view_name(kind, service) for kind, service in pairs}
    return {"observations", "products", *(name for name in tables if name is not None)}


def _folder_times(contents: CacheContents) -> dict[str, int]:
    """When each result folder last changed, as the session opened (local caches only).

    A result whose file cannot be opened in a folder unchanged since then was missing
    before the session: it is left out with a warning. In a changed folder it was removed
    (or replaced) under the session, by something that ignored the cache lock: the query
    fails and says to open a new session."""
    if not isinstance(contents.filesystem, pafs.LocalFileSystem | None):
        return {}
    tables = contents.cache_dir / "tables"
    try:
        with os.scandir(tables) as entries:
            folders = [tables, *(Path(e.path) for e in entries if e.is_dir(follow_symlinks=False))]
    except OSError:
        return {}
    return {_relative(f, contents.cache_dir): mtime for f in folders if (mtime := _mtime(f))}


def _relative(folder: Path, root: Path) -> str:
    return folder.relative_to(root).as_posix()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
