"""Sessions, turns and scorecards.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_session",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("persona_id", sa.String(100), nullable=False, index=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.Float(), nullable=True),
        sa.Column("pending_typing_at", sa.Float(), nullable=True),
        sa.Column("engine_state", sa.JSON(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "turn",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False, index=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("typing_started_at", sa.Float(), nullable=True),
        sa.Column("sent_at", sa.Float(), nullable=True),
        sa.Column("started_at", sa.Float(), nullable=True),
        sa.Column("ended_at", sa.Float(), nullable=True),
        sa.Column("label", sa.String(30), nullable=True),
        sa.Column("topic", sa.String(30), nullable=True),
        sa.Column("rule", sa.String(80), nullable=True),
        sa.Column("renderer", sa.String(20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_turn_session_seq"),
        sa.UniqueConstraint("session_id", "client_id", name="uq_turn_session_client"),
    )
    op.create_table(
        "scorecard",
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), primary_key=True),
        sa.Column("rubric", sa.String(50), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scorecard")
    op.drop_table("turn")
    op.drop_table("chat_session")
