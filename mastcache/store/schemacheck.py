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
from mastcache.store.engine import read_only_uri

__all__ = ["known_head", "migrations_dir", "sqlite_revision"]

_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/``, installed or in a checkout."""
    spec = importlib.util.find_spec("mastcache._migrations")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    if (checkout / "env.py").is_file():
        return checkout
    raise StoreError(
        "the Alembic migrations are missing: expected the package mastcache._migrations or "
        f"{checkout}; reinstall mastcache"
    )


@cache
def known_head() -> str | None:
    """The newest revision of the migration scripts, or None when they cannot be read
    plainly (then the caller asks Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted((migrations_dir() / "versions").glob("*.py")):
        found = dict(_ASSIGNMENT.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revision, parent = _literal(found["revision"]), _literal(found.get("down_revision"))
        if revision is None:
            return None
        revisions.add(revision)
        if parent is not None:
            parents.add(parent)
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


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
