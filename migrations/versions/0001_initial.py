"""Initial catalog: queries, resolutions, products, files, snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("params_json", sa.Text(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("table_path", sa.String(500), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("nbytes", sa.BigInteger(), nullable=False),
        sa.Column("nrows", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_queries"),
    )
    op.create_index("ix_queries_service", "queries", ["service"])
    op.create_index("ix_queries_kind", "queries", ["kind"])
    op.create_table(
        "resolutions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("resolver", sa.String(40), nullable=False),
        sa.Column("resolve_all", sa.Boolean(), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("entries_json", sa.Text(), nullable=False),
        sa.Column("fetched_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_resolutions"),
        sa.UniqueConstraint(
            "name", "resolver", "resolve_all", "scope", name="uq_resolutions_name"
        ),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("obsid", sa.String(64), nullable=False),
        sa.Column("uri", sa.String(1000), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(200), nullable=True),
        sa.Column("product_group", sa.String(100), nullable=True),
        sa.Column("product_type", sa.String(100), nullable=True),
        sa.Column("fetched_at", UTC, nullable=True),
        sa.Column("row_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.UniqueConstraint("obsid", "uri", "scope", name="uq_products_obsid"),
    )
    op.create_index("ix_products_obsid", "products", ["obsid"])
    op.create_table(
        "files",
        sa.Column("uri", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("local_path", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("downloaded_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("uri", name="pk_files"),
    )
    op.create_index("ix_files_sha256", "files", ["sha256"])
    op.create_table(
        "snapshots",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("query_keys_json", sa.Text(), nullable=False),
        sa.Column("mastcache_version", sa.String(40), nullable=False),
        sa.Column("schema_revision", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_snapshots"),
    )


def downgrade() -> None:
    op.drop_table("snapshots")
    op.drop_index("ix_files_sha256", table_name="files")
    op.drop_table("files")
    op.drop_index("ix_products_obsid", table_name="products")
    op.drop_table("products")
    op.drop_table("resolutions")
    op.drop_index("ix_queries_kind", table_name="queries")
    op.drop_index("ix_queries_service", table_name="queries")
    op.drop_table("queries")
