"""Row-level security by identity scope on a PostgreSQL team catalog (issue 23).

Every catalog table with a ``scope`` column (queries, resolutions, products, files) gets
row-level security: a row is visible, and may be inserted or updated, when its scope is
``anonymous`` or the current role is a member of the scope's role ``mc_scope_<digest>``
(``<digest>``: the first 24 hex digits of sha256(scope), as mastcache/store/scopes.py
computes it). A role that does not exist makes the row invisible instead of an error.
Superusers and the tables' owner (who ran ``mastcache db upgrade``) are not restricted.

SQLite (a personal cache) has no roles: there this revision changes nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None
#: Only PostgreSQL catalogs change: an SQLite cache at 0004 has this schema already, and
#: mastcache uses it without an upgrade (store/schemacheck.is_current).
dialects = ("postgresql",)

TABLES = ("queries", "resolutions", "products", "files")
POLICY = "mastcache_scope"

_FUNCTIONS = """
CREATE FUNCTION {schema}.mastcache_scope_role(scope text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT 'mc_scope_' || left(encode(sha256(convert_to(scope, 'UTF8')), 'hex'), 24) $$;

CREATE FUNCTION {schema}.mastcache_scope_visible(scope text) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT scope = 'anonymous' OR EXISTS (
            SELECT 1 FROM pg_catalog.pg_roles r
            WHERE r.rolname = {schema}.mastcache_scope_role(scope)
              AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
    $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # the functions are named with their schema: a member's search_path may differ
    schema = '"' + str(op.get_bind().exec_driver_sql("SELECT current_schema()").scalar()) + '"'
    for statement in _FUNCTIONS.format(schema=schema).split(";\n\n"):
        op.execute(statement)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} FOR ALL "
            f"USING ({schema}.mastcache_scope_visible(scope)) "
            f"WITH CHECK ({schema}.mastcache_scope_visible(scope))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute("DROP FUNCTION IF EXISTS mastcache_scope_visible(text)")
    op.execute("DROP FUNCTION IF EXISTS mastcache_scope_role(text)")
