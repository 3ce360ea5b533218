"""Versioned scorecards and signed certificates that can be superseded or revoked.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scorecard") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.create_table(
        "scorecard_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("rubric", sa.String(50), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("regrade_run_id", sa.Integer(), sa.ForeignKey("regrade_run.id"), nullable=True),
        sa.UniqueConstraint("session_id", "version", name="uq_scorecard_version"),
    )
    op.create_index("ix_scorecard_version_session_id", "scorecard_version", ["session_id"])
    with op.batch_alter_table("certificate") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("pass_mark", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("superseded_by", sa.String(20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificate") as batch:
        for name in ("superseded_by", "superseded_at", "revoked_at", "pass_mark", "version"):
            batch.drop_column(name)
    op.drop_index("ix_scorecard_version_session_id", table_name="scorecard_version")
    op.drop_table("scorecard_version")
    with op.batch_alter_table("scorecard") as batch:
        batch.drop_column("version")
