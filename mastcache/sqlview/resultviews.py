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
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa
import pyarrow.fs as pafs

from mastcache.errors import SQLError
from mastcache.sqlview.contents import CacheContents, CachedResult
from mastcache.sqlview.naming import table_view_name
from mastcache.sqlview.views import MANIFEST_SOURCE, Member, union_view

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow.dataset as ds

__all__ = ["ResultViews"]

_T = TypeVar("_T")

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
        results = [r for r in self._contents.queries.results.values() if _union_of(r) == name]
        members = self._group_members(name, results)
        self._connection.execute(union_view(name, members, self._manifest).sql())
        self._made.add(name)

    def _group_members(self, name: str, results: list[CachedResult]) -> list[Member]:
        """One registered pyarrow dataset per group of results with the same columns (and
        filesystem), ``__mc_source``/``__mc_rank`` set per file: one registration and one
        union branch per group, however many results (issue 19)."""
        import pyarrow.dataset as ds

        local = _LOCAL()
        groups: dict[tuple[Any, ...], list[tuple[CachedResult, str]]] = {}
        schemas: dict[tuple[Any, ...], tuple[pa.Schema, pafs.FileSystem]] = {}
        for result in results:
            found = self._open(
                result, lambda path, fs: _parquet_format().inspect(path, fs or _LOCAL())
            )
            if found is None:
                continue
            (path, filesystem), schema = found
            filesystem = filesystem or local
            where = "local" if isinstance(filesystem, pafs.LocalFileSystem) else id(filesystem)
            key = (where, *((f.name, str(f.type)) for f in schema))
            groups.setdefault(key, []).append((result, path))
            schemas.setdefault(key, (schema.remove_metadata(), filesystem))
        members = []
        for index, (key, entries) in enumerate(groups.items()):
            schema, filesystem = schemas[key]
            relation = f"__mc_{name}_{index}"
            self._connection.register(relation, ds.FileSystemDataset.from_paths(
                [path for _, path in entries],
                schema=_plain(schema).append(_SOURCE).append(_RANK),
                format=_parquet_format(),
                filesystem=filesystem,
                partitions=[_provenance(result) for result, _ in entries],
            ))  # fmt: skip
            members.append(Member(relation, "", 0, tuple(schema.names), len(entries), True))
        return members

    def _member(self, key: str) -> Member | None:
        """``key``'s result registered as its ``q_`` view (once); None if it cannot be read."""
        if key in self._members:
            return self._members[key]
        import pyarrow.dataset as ds  # ~0.1 s: only for statements over cached results

        result = self._contents.queries.results[key]
        found = self._open(result, lambda path, fs: ds.dataset(path, format="parquet",
                                                               filesystem=fs))  # fmt: skip
        member = None
        if found is not None:
            dataset = found[1]
            self._connection.register(self._names[key], dataset)
            member = Member(self._names[key], key, result.rank, tuple(dataset.schema.names))
        self._members[key] = member
        return member

    def _open(
        self, result: CachedResult, read: Callable[[str, pafs.FileSystem | None], _T]
    ) -> tuple[tuple[str, pafs.FileSystem | None], _T] | None:
        """``read(path, filesystem)`` of ``result``'s file; None (and a warning) if it was
        missing before the session; :class:`SQLError` if it went away under the session."""
        source = self._contents.table_source(result)
        try:
            return source, read(*source)
        except (OSError, pa.ArrowInvalid) as exc:
            if self._changed_since_open(result):
                raise SQLError(
                    f"the query failed: cached result {result.key[:8]} ({source[0]}) was "
                    "replaced or removed while this session was open (a refresh, or a prune "
                    "that ignored the cache lock); open a new session and run the query again"
                ) from exc
            from mastcache.errors import MastCacheWarning  # astropy: only when it warns

            warnings.warn(
                f"cached result {result.key[:8]} ({result.service}) is left out of the SQL "
                f"views: cannot open {source[0]} ({exc}); run `mastcache cache verify`",
                MastCacheWarning,
                stacklevel=6,
            )
            return None

    def _changed_since_open(self, result: CachedResult) -> bool:
        folder = result.table_path.rpartition("/")[0]
        opened = self._opened.get(folder)
        return opened is not None and opened != _mtime(self._contents.cache_dir / folder)


_LOCAL = pafs.LocalFileSystem
_SOURCE = pa.field("__mc_source", pa.string())
_RANK = pa.field("__mc_rank", pa.int64())


def _parquet_format() -> ds.ParquetFileFormat:
    import pyarrow.dataset as ds

    return ds.ParquetFileFormat()


def _provenance(result: CachedResult) -> ds.Expression:
    """The partition expression that gives each row of ``result`` its source and rank."""
    import pyarrow.dataset as ds

    return (ds.field("__mc_source") == result.key) & (ds.field("__mc_rank") == result.rank)


def _plain(schema: pa.Schema) -> pa.Schema:
    """``schema`` without field metadata (astropy's per-file string widths differ)."""
    return pa.schema([field.remove_metadata() for field in schema])


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
