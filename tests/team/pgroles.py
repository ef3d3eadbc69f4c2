"""Real PostgreSQL roles for the scope tests: members of a team schema, dropped afterwards.

Roles are cluster-wide, so every name is unique per test (a random suffix), and the scope
roles (``mc_scope_<digest>``) a test grants are dropped with its member roles.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from team.teamcache import PG_ADMIN

from mastcache.store.hitcounts import flush_all
from mastcache.store.scopes import scope_role


def new_scope() -> str:
    """A login's identity scope as mastcache makes them (``user:`` and 32 hex digits)."""
    return f"user:{secrets.token_hex(16)}"


def schema_of(catalog_url: str) -> str:
    return catalog_url.rsplit("search_path%3D", 1)[1]


def as_role(catalog_url: str, role: str) -> str:
    """The catalog URL with ``role`` as the user (trust auth: no password)."""
    return catalog_url.replace("://postgres@", f"://{role}@", 1)


def psycopg_url(catalog_url: str) -> str:
    """A libpq URL for psycopg itself (no SQLAlchemy driver name, same options)."""
    return catalog_url.replace("postgresql+psycopg://", "postgresql://", 1)


@dataclass(frozen=True)
class Members:
    """Login roles with read-write rights on one team schema."""

    names: tuple[str, ...]
    schema: str


@contextmanager
def member_roles(schema: str, count: int, scopes: list[str]) -> Iterator[Members]:
    """``count`` new LOGIN roles that may use every table of ``schema`` (as a team member's
    role would); they and the roles of ``scopes`` are dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = tuple(f"mc_member{i}_{suffix}" for i in range(count))
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        for name in names:
            connection.execute(f'CREATE ROLE "{name}" LOGIN')
            connection.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{name}"')
    try:
        yield Members(names, schema)
    finally:
        flush_all()  # hit counters buffered under these roles, while they may still write
        _drop(names, [scope_role(s) for s in scopes])


def grant_tables(schema: str, names: tuple[str, ...], *, write: bool = True) -> None:
    """Table rights of members (after the schema exists): read-write, or SELECT only."""
    rights = "SELECT, INSERT, UPDATE, DELETE" if write else "SELECT"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        for name in names:
            connection.execute(f'GRANT {rights} ON ALL TABLES IN SCHEMA "{schema}" TO "{name}"')
            connection.execute(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{name}"')


def _drop(names: tuple[str, ...], scope_roles: list[str]) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        for name in (*names, *scope_roles):
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
            if exists.fetchone() is None:
                continue
            connection.execute(f'DROP OWNED BY "{name}"')
            connection.execute(f'DROP ROLE "{name}"')
