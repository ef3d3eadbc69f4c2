"""cloud_paths: where each product is in MAST's public S3 bucket (issue 21).

One row per dataURI, looked up once (MAST's ``path_lookup``, then a HEAD on the bucket) so
cloud URIs are known offline: ``path`` is the bucket key (NULL when MAST knows no path),
``in_cloud`` whether the object answered, ``size`` its Content-Length.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_paths",
        sa.Column("uri", sa.String(1000), nullable=False),
        sa.Column("path", sa.String(1000), nullable=True),
        sa.Column("in_cloud", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uri", name="pk_cloud_paths"),
    )


def downgrade() -> None:
    op.drop_table("cloud_paths")
