"""files.scope: the identity scope a product file was downloaded under (issue 10).

A file fetched with a MAST token belongs to that account's scope and is never served to an
anonymous call or another account; files already in a cache were fetched anonymously.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(
            sa.Column("scope", sa.String(200), nullable=False, server_default="anonymous")
        )


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.drop_column("scope")
