"""Hit/miss counters per query (``cache stats``) and files.verified_at (``cache verify``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "query_stats",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("hits", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("misses", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("last_hit_at", UTC, nullable=True),
        sa.Column("last_miss_at", UTC, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_query_stats"),
    )
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("verified_at", UTC, nullable=True))
    # A file already marked complete was verified against its hash when it was downloaded.
    op.execute("UPDATE files SET verified_at = downloaded_at WHERE status = 'complete'")


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_column("verified_at")
    op.drop_table("query_stats")
