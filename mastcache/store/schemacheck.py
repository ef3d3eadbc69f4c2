"""Is a catalog at the newest schema revision? Answered without Alembic or SQLAlchemy.

Opening the store in every CLI command and every new process must not pay for importing
Alembic (~0.4 s) just to learn that nothing needs doing. The newest revision is read from
the migration scripts themselves (their ``revision``/``down_revision`` lines) and the
catalog's from its ``alembic_version`` table; only when they differ, or the catalog is new or
not SQLite, does :func:`mastcache.store.schema.ensure_current` run the real thing.
"""

from __future__ import annotations

import importlib.util
import re
import sqlite3
from functools import cache
from pathlib import Path

from mastcache.access import is_read_only_dir
from mastcache.errors import StoreError
from mastcache.settings import Settings
from mastcache.store.engine import CATALOG_FILENAME, read_only_uri

__all__ = [
    "current_sqlite_catalog",
    "is_current",
    "known_head",
    "migrations_dir",
    "sqlite_revision",
]

_ASSIGNMENT = re.compile(
    r"^(revision|down_revision|dialects)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE
)
_NAME = re.compile(r"""["']([a-z0-9_]+)["']""")


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/``, installed or in a checkout."""
    # A checkout's own migrations first: an editable install elsewhere maps the package
    # name to its checkout, which may lack this checkout's newer revisions.
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    spec = importlib.util.find_spec("mastcache._migrations")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise StoreError(
        "the Alembic migrations are missing: expected the package mastcache._migrations or "
        f"{checkout}; reinstall mastcache"
    )


@cache
def _chain() -> tuple[tuple[str, frozenset[str] | None], ...] | None:
    """The revisions from the newest to the first, each with the dialects it changes (None:
    all of them), or None when the scripts cannot be read plainly (then ask Alembic)."""
    parent_of: dict[str, str | None] = {}
    dialects_of: dict[str, frozenset[str] | None] = {}
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        found = dict(_ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision, parent = _literal(found["revision"]), _literal(found.get("down_revision"))
        if revision is None:
            return None
        parent_of[revision] = parent
        names = found.get("dialects")
        dialects_of[revision] = None if names is None else frozenset(_NAME.findall(names))
    heads = set(parent_of) - {p for p in parent_of.values() if p is not None}
    if len(heads) != 1:
        return None
    chain: list[tuple[str, frozenset[str] | None]] = []
    step: str | None = next(iter(heads))
    while step is not None:
        if step not in parent_of or len(chain) > len(parent_of):
            return None
        chain.append((step, dialects_of[step]))
        step = parent_of[step]
    return tuple(chain)


def known_head() -> str | None:
    """The newest revision of the migration scripts, or None when they cannot be read
    plainly (then the caller asks Alembic)."""
    chain = _chain()
    return None if chain is None else chain[0][0]


def is_current(found: str | None, dialect: str) -> bool:
    """Whether a catalog of ``dialect`` at revision ``found`` has the newest schema.

    A revision whose script sets ``dialects = ("postgresql",)`` changes only those
    dialects (revision 0005's row-level security), so an SQLite cache one such revision
    behind has the same schema and need not be upgraded before use; ``mastcache db
    upgrade`` still records it. False when the scripts cannot be read plainly.
    """
    chain = _chain()
    if found is None or chain is None:
        return False
    for revision, dialects in chain:
        if revision == found:
            return True
        if dialects is None or dialect in dialects:
            return False
    return False


def _literal(text: str | None) -> str | None:
    """A quoted string literal's value; None for ``None`` or anything else (tuples...)."""
    if text is None or text == "None":
        return None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return None


def sqlite_revision(path: Path) -> str | None:
    """The revision recorded in the SQLite catalog at ``path``; None when there is no file
    or no revision yet. Raises :class:`sqlite3.Error` for a damaged or foreign file."""
    if not path.is_file():
        return None
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if is_read_only_dir(path.parent):  # no -shm can be made there
        uri = read_only_uri(path.resolve())
    connection = sqlite3.connect(uri, uri=True, timeout=30.0)
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        connection.close()
    return None if row is None else str(row[0])


def current_sqlite_catalog(settings: Settings) -> Path | None:
    """The SQLite catalog of a cache on this machine when it can be read as it is, with
    :mod:`sqlite3` alone: no team catalog or store is configured, and the file exists at the
    newest schema for SQLite. Anything else (no file yet, an older schema, a damaged file,
    team mode) is for :meth:`~mastcache.store.Store.open` to create, check or explain.
    ``cache stats`` and `mastcache sql` read a current catalog without the Store (issue 19)."""
    if settings.catalog_url or settings.store_url:
        return None
    path = Path(settings.cache_dir) / CATALOG_FILENAME
    try:
        found = sqlite_revision(path)
    except (sqlite3.Error, OSError):
        return None
    return path if is_current(found, "sqlite") else None
