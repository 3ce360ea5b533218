"""Who holds the reply lease: a lease is renewed while its reply is spoken and kept short,
so a worker that dies mid-reply frees it within seconds; only its holder may renew it,
release it or store the reply under it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("reply_owner", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_column("reply_owner")
