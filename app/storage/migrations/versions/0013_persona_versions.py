"""Persona cards built in the app, versioned; a session records the card version it was played on.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "persona_card",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_persona_card_owner_id", "persona_card", ["owner_id"])
    op.create_table(
        "persona_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("card_id", sa.String(100), sa.ForeignKey("persona_card.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("card_id", "number", name="uq_persona_version_number"),
    )
    op.create_index("ix_persona_version_card_id", "persona_version", ["card_id"])
    # No foreign key (as retry_of_session): on SQLite one would make the column's downgrade rebuild
    # chat_session, which its turns' foreign keys forbid once there are sessions. Versions are never deleted.
    op.add_column("chat_session", sa.Column("persona_version_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("chat_session", "persona_version_id")  # in place: a rebuild of chat_session would break its turns
    op.drop_index("ix_persona_version_card_id", table_name="persona_version")
    op.drop_table("persona_version")
    op.drop_index("ix_persona_card_owner_id", table_name="persona_card")
    op.drop_table("persona_card")
