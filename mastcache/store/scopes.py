"""Sharing results fetched under a MAST login with the members of their scope (team mode).

A scope (``user:<hash of the account id>``, never the token) maps to two server-side names,
both derived from ``sha256(scope)``:

- a PostgreSQL role ``mc_scope_<digest>`` (NOLOGIN). Revision 0005 turns on row-level
  security on every catalog table with a ``scope`` column: a row is visible, and may be
  written, when its scope is ``anonymous`` or the current role is a member of the scope's
  role (``pg_has_role``). Admins grant membership (``mastcache cache team grant``).
- a bucket prefix ``scopes/<digest>/``: results of the scope are stored there, so bucket
  credentials can be limited to the prefixes of one's scopes (an IAM policy per member).

The digest is the same in both, so an admin can see which role goes with which prefix.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from sqlalchemy import Connection, Engine

__all__ = [
    "ANONYMOUS",
    "ROLE_PREFIX",
    "grant_scope",
    "is_member",
    "revoke_scope",
    "scope_digest",
    "scope_prefix",
    "scope_role",
    "scoped_path",
]

ANONYMOUS = "anonymous"
ROLE_PREFIX = "mc_scope_"
#: Hex digits of sha256(scope) in role names and prefixes (96 bits: no collisions in a team).
DIGEST_CHARS = 24


def scope_digest(scope: str) -> str:
    """The first :data:`DIGEST_CHARS` hex digits of sha256(scope); revision 0005's
    ``mastcache_scope_role()`` computes the same in SQL."""
    return hashlib.sha256(scope.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def scope_role(scope: str) -> str:
    """The PostgreSQL role whose members may read and write rows of ``scope``."""
    return f"{ROLE_PREFIX}{scope_digest(scope)}"


def scope_prefix(scope: str) -> str:
    """The store folder of ``scope``'s objects ("" for anonymous results)."""
    return "" if scope == ANONYMOUS else f"scopes/{scope_digest(scope)}/"


def scoped_path(scope: str, relative: str) -> str:
    """``relative`` (``tables/...``, ``products/...``) inside ``scope``'s folder."""
    return f"{scope_prefix(scope)}{relative}"


def is_member(engine: Engine, scope: str) -> bool:
    """Whether the catalog's role may write rows of ``scope`` (PostgreSQL only).

    The role must exist and the current role must be a member of it (or a superuser, or
    the tables' owner, which row-level security does not restrict).
    """
    if engine.dialect.name != "postgresql":
        return False
    from sqlalchemy import text

    query = text(
        "SELECT r.rolsuper OR r.rolbypassrls OR EXISTS ("
        "  SELECT 1 FROM pg_roles s WHERE s.rolname = :role"
        "  AND pg_has_role(current_user, s.oid, 'MEMBER'))"
        " FROM pg_roles r WHERE r.rolname = current_user"
    )
    from mastcache.store.engine import READ_ONLY

    with engine.connect().execution_options(**{READ_ONLY: True}) as connection:
        return bool(connection.execute(query, {"role": scope_role(scope)}).scalar())


def grant_scope(connection: Connection, scope: str, members: list[str]) -> str:
    """Create ``scope``'s role if needed and make ``members`` (existing roles) members."""
    from sqlalchemy import text

    role = scope_role(scope)
    exists = connection.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).scalar()
    if not exists:
        connection.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
    for member in members:
        connection.execute(text(f'GRANT "{role}" TO {_quoted(member)}'))
    return role


def revoke_scope(connection: Connection, scope: str, members: list[str]) -> str:
    """Remove ``members`` from ``scope``'s role (the role itself stays)."""
    from sqlalchemy import text

    role = scope_role(scope)
    for member in members:
        connection.execute(text(f'REVOKE "{role}" FROM {_quoted(member)}'))
    return role


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
