"""Practice without rough edges: the clock reading a session was created at (the idle sweep), and
where a retried session came from.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("chat_session", sa.Column("opened_at", sa.Float(), nullable=True))
    op.add_column("chat_session", sa.Column("retry_of_session", sa.String(32), nullable=True))
    op.add_column("chat_session", sa.Column("retry_of_seq", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_column("retry_of_seq")
        batch.drop_column("retry_of_session")
        batch.drop_column("opened_at")
