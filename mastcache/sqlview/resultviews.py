"""The views over cached results, made when a statement first names them.

Registering every cached result and a union view over all of them took a minute for 10,000
cached queries. A session now makes only the catalog tables when it opens; a statement that
names ``observations``, ``catalog_tic`` or ``q_<key8>`` has that view made first (with the
result files under it), and keeps it for the session's later statements. A statement that
may list views (``information_schema``, ``duckdb_views()``, ``query(...)``) has every view
made first, so what it lists is what the cache holds.

A result file on this machine is read by DuckDB's own Parquet reader, through the exact
paths the session granted before it sealed the connection (sqlview/session.py): no folder is
granted, and no pyarrow is imported. A result that lives only in a team object store is
opened as a ``pyarrow.dataset`` on that store's filesystem and registered with DuckDB.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import duckdb

from mastcache.errors import SQLError
from mastcache.sqlview.contents import CacheContents, CachedResult
from mastcache.sqlview.naming import table_view_name
from mastcache.sqlview.views import MANIFEST_SOURCE, Member, ident, literal, union_view

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    import pyarrow.fs as pafs

__all__ = ["ResultViews"]

_T = TypeVar("_T")

#: Words of a statement that can list or reach views by name at run time.
_LISTS_VIEWS = re.compile(
    r"information_schema|duckdb_|pg_catalog|pg_class|sqlite_master|pragma_|"
    r"\bquery(_table)?\s*\(",
    re.IGNORECASE,
)

#: The per-row file name column of a group of local results, and the table that maps each
#: file to its query key and rank.
_FILE = "__mc_file"
_PROVENANCE = "__mc_provenance"
#: The ``service=...`` folders are not columns (DuckDB would add them as Hive partitions).
_PLAIN = "hive_partitioning = false"


class ResultViews:
    """The ``q_<key8>`` and union views of one session, made on demand."""

    def __init__(
        self,
        connection: Any,
        contents: CacheContents,
        names: dict[str, str],
        manifest_columns: Sequence[str],
        manifest_rows: int,
        make_table: Callable[[str], None],
    ) -> None:
        self._connection = connection
        self._contents = contents
        self._names = names
        self._keys = contents.queries.remember(
            "view keys", lambda: {name.lower(): key for key, name in names.items()}
        )
        self._unions = _union_names(contents)
        self._opened = _folder_times(contents)
        self._members: dict[str, bool] = {}
        self._made: set[str] = set()
        self._manifest = (
            Member("product_manifests", MANIFEST_SOURCE, len(names), tuple(manifest_columns))
            if manifest_rows
            else None
        )
        self._provenance = False
        self._make_table = make_table
        self._paths: dict[str, str | None] = {}

    def names(self) -> list[str]:
        """Every result view of the session, made or not."""
        return sorted([*self._names.values(), *self._unions])

    def local_files(self, query: str, referenced: Iterable[str]) -> list[str]:
        """The local result files the views ``query`` names read (every one for a listing):
        the paths the session grants DuckDB before it seals the connection."""
        return list(self._on_this_machine(self._needed(query, referenced)))

    def count(self) -> int:
        """How many cached results the session sees."""
        return len(self._contents.queries)

    def all_local_files(self) -> list[str]:
        """Every local result file of the session."""
        return list(self._on_this_machine(self._contents.queries.results.values()))

    @staticmethod
    def lists_views(query: str) -> bool:
        """Whether ``query`` may list views or reach them by name at run time."""
        return _LISTS_VIEWS.search(query) is not None

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

    def _needed(self, query: str, referenced: Iterable[str]) -> list[CachedResult]:
        """The results under the views ``query`` names that are not made yet (the results'
        records are built only then: a statement over the catalog tables needs none)."""
        if _LISTS_VIEWS.search(query):
            return list(self._contents.queries.results.values())
        needed: list[CachedResult] = []
        for name in {n.lower() for n in referenced}:
            if name in self._unions and name not in self._made:
                results = self._contents.queries.results.values()
                needed.extend(r for r in results if _union_of(r) == name)
            elif name in self._keys and self._keys[name] not in self._members:
                needed.append(self._contents.queries.results[self._keys[name]])
        return needed

    def _on_this_machine(self, results: Iterable[CachedResult]) -> dict[str, CachedResult]:
        """The local file of each of ``results`` that has one (not only in a team store)."""
        return {path: r for r in results if (path := self._local_path(r)) is not None}

    def _local_path(self, result: CachedResult) -> str | None:
        """``result``'s file on this machine, or None if only a team store holds it."""
        if result.key not in self._paths:
            path, filesystem = self._contents.table_source(result)
            self._paths[result.key] = path if filesystem is None else None
        return self._paths[result.key]

    def _make_union(self, name: str) -> None:
        if name in self._made:
            return
        results = [r for r in self._contents.queries.results.values() if _union_of(r) == name]
        local = [r for r in results if self._local_path(r) is not None]
        remote = [r for r in results if self._local_path(r) is None]
        members = [*self._local_groups(name, local), *self._remote_groups(name, remote)]
        if name == "products" and self._manifest is not None:
            self._make_table("product_manifests")
        self._connection.execute(union_view(name, members, self._manifest).sql())
        self._made.add(name)

    def _local_groups(self, name: str, results: list[CachedResult]) -> list[Member]:
        """One ``read_parquet`` per group of local results with the same Parquet schema,
        ``__mc_source``/``__mc_rank`` joined per file: one relation and one union branch per
        group, however many results (issue 19)."""
        schemas = self._local_schemas(results)
        groups: dict[tuple[Any, ...], list[str]] = {}
        for path, schema in schemas.items():
            groups.setdefault(schema, []).append(path)
        if groups:
            self._ensure_provenance()
        members = []
        for index, (schema, paths) in enumerate(groups.items()):
            relation = f"__mc_{name}_{index}"
            files = "[" + ", ".join(literal(p) for p in paths) + "]"
            self._connection.execute(
                f"CREATE VIEW {ident(relation)} AS SELECT p.* EXCLUDE ({_FILE}), "
                f"s.source AS __mc_source, s.rank AS __mc_rank "
                f"FROM read_parquet({files}, filename = {literal(_FILE)}, {_PLAIN}) p "
                f"JOIN {_PROVENANCE} s ON p.{_FILE} = s.file"
            )
            members.append(Member(relation, "", 0, _top_level(schema), len(paths), True))
        return members

    def _local_schemas(self, results: list[CachedResult]) -> dict[str, tuple[Any, ...]]:
        """Each readable file's Parquet schema (footers only, read in one call); a file that
        cannot be read is left out with a warning, or fails the query if it changed under
        the session (:meth:`_unreadable`)."""
        by_path = self._on_this_machine(results)
        if not by_path:
            return {}
        try:
            rows = self._schema_rows(list(by_path))
        except duckdb.Error:  # one bad file fails the call: find it, then read the rest
            good = [p for p, r in by_path.items() if self._readable(p, r)]
            rows = self._schema_rows(good) if good else []
        schemas: dict[str, list[tuple[Any, ...]]] = {}
        for path, *row in rows:
            schemas.setdefault(path, []).append(tuple(row))
        return {path: tuple(rows) for path, rows in schemas.items()}

    def _schema_rows(self, paths: list[str]) -> list[tuple[Any, ...]]:
        files = "[" + ", ".join(literal(p) for p in paths) + "]"
        rows: list[tuple[Any, ...]] = self._connection.execute(
            "SELECT file_name, name, type, type_length, repetition_type, num_children, "
            f"converted_type, scale, precision, logical_type FROM parquet_schema({files})"
        ).fetchall()
        return rows

    def _readable(self, path: str, result: CachedResult) -> bool:
        try:
            self._schema_rows([path])
        except duckdb.Error as exc:
            self._unreadable(result, path, exc)
            return False
        return True

    def _ensure_provenance(self) -> None:
        """The table of every local result file's query key and rank (made once)."""
        if self._provenance:
            return
        from mastcache.sqlview.catalog import create_table

        files = self._on_this_machine(self._contents.queries.results.values())
        create_table(self._connection, _PROVENANCE, {
            "file": ("VARCHAR", list(files)),
            "source": ("VARCHAR", [r.key for r in files.values()]),
            "rank": ("BIGINT", [str(r.rank) for r in files.values()]),
        })  # fmt: skip
        self._provenance = True

    def _remote_groups(self, name: str, results: list[CachedResult]) -> list[Member]:
        """As :meth:`_local_groups` for results in a team object store: one registered
        pyarrow dataset per group, ``__mc_source``/``__mc_rank`` set per file."""
        if not results:
            return []
        import pyarrow as pa
        import pyarrow.dataset as ds

        groups: dict[tuple[Any, ...], list[tuple[CachedResult, str]]] = {}
        schemas: dict[tuple[Any, ...], tuple[pa.Schema, pafs.FileSystem]] = {}
        for result in results:
            found = self._open_remote(result, lambda path, fs: ds.ParquetFileFormat().inspect(
                path, fs))  # fmt: skip
            if found is None:
                continue
            (path, filesystem), schema = found
            key = (id(filesystem), *((f.name, str(f.type)) for f in schema))
            groups.setdefault(key, []).append((result, path))
            schemas.setdefault(key, (schema.remove_metadata(), filesystem))
        members = []
        for index, (key, entries) in enumerate(groups.items()):
            schema, filesystem = schemas[key]
            relation = f"__mc_{name}_remote_{index}"
            plain = pa.schema([field.remove_metadata() for field in schema])
            self._connection.register(relation, ds.FileSystemDataset.from_paths(
                [path for _, path in entries],
                schema=plain.append(pa.field("__mc_source", pa.string()))
                .append(pa.field("__mc_rank", pa.int64())),
                format=ds.ParquetFileFormat(),
                filesystem=filesystem,
                partitions=[(ds.field("__mc_source") == result.key)
                            & (ds.field("__mc_rank") == result.rank) for result, _ in entries],
            ))  # fmt: skip
            members.append(Member(relation, "", 0, tuple(schema.names), len(entries), True))
        return members

    def _member(self, key: str) -> None:
        """``key``'s result as its ``q_`` view (once); left out if it cannot be read."""
        if key in self._members:
            return
        result = self._contents.queries.results[key]
        view = self._names[key]
        path = self._local_path(result)
        made = False
        if path is not None:
            try:
                source = f"read_parquet({literal(path)}, {_PLAIN})"
                self._connection.execute(f"CREATE VIEW {ident(view)} AS SELECT * FROM {source}")
                made = True
            except duckdb.Error as exc:
                self._unreadable(result, path, exc)
        else:
            import pyarrow.dataset as ds  # ~0.3 s: only for results in a team store

            found = self._open_remote(result, lambda p, fs: ds.dataset(p, format="parquet",
                                                                       filesystem=fs))  # fmt: skip
            if found is not None:
                self._connection.register(view, found[1])
                made = True
        self._members[key] = made

    def _open_remote(
        self, result: CachedResult, read: Callable[[str, pafs.FileSystem], _T]
    ) -> tuple[tuple[str, pafs.FileSystem], _T] | None:
        """``read(path, filesystem)`` of ``result``'s file in the team store; None (and a
        warning) if it cannot be read."""
        import pyarrow as pa

        path, filesystem = self._contents.table_source(result)
        assert filesystem is not None
        try:
            return (path, filesystem), read(path, filesystem)
        except (OSError, pa.ArrowInvalid) as exc:
            self._unreadable(result, path, exc)
            return None

    def _unreadable(self, result: CachedResult, path: str, exc: BaseException) -> None:
        """A result file that cannot be read: :class:`SQLError` if it went away under the
        session, else a warning (it was missing or damaged before the session)."""
        if self._changed_since_open(result):
            raise SQLError(
                f"the query failed: cached result {result.key[:8]} ({path}) was "
                "replaced or removed while this session was open (a refresh, or a prune "
                "that ignored the cache lock); open a new session and run the query again"
            ) from exc
        from mastcache.errors import MastCacheWarning  # astropy: only when it warns

        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        warnings.warn(
            f"cached result {result.key[:8]} ({result.service}) is left out of the SQL "
            f"views: cannot open {path} ({reason}); run `mastcache cache verify`",
            MastCacheWarning,
            stacklevel=7,
        )

    def _changed_since_open(self, result: CachedResult) -> bool:
        folder = result.table_path.rpartition("/")[0]
        opened = self._opened.get(folder)
        return opened is not None and opened != _mtime(self._contents.cache_dir / folder)


def _top_level(schema: tuple[tuple[Any, ...], ...]) -> tuple[str, ...]:
    """The top-level column names of a file's ``parquet_schema`` rows (depth first: the
    root, then each column followed by its ``num_children`` nested fields)."""
    names: list[str] = []

    def skip(index: int) -> int:
        children = schema[index][4] or 0
        index += 1
        for _ in range(children):
            index = skip(index)
        return index

    index = 1
    while index < len(schema):
        names.append(str(schema[index][0]))
        index = skip(index)
    return tuple(names)


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
    if contents.filesystem is not None:
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
