"""Assignments: personas a coach sets for trainees or a whole team, with a due date and a target score.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("persona_id", sa.String(100), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_score", sa.Integer(), nullable=False),
        sa.Column("team_of", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("target_score BETWEEN 0 AND 100", name="ck_assignment_target"),
    )
    op.create_index("ix_assignment_persona_id", "assignment", ["persona_id"])
    op.create_index("ix_assignment_team_of", "assignment", ["team_of"])
    op.create_index("ix_assignment_created_by", "assignment", ["created_by"])
    op.create_table(
        "assignment_trainee",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("assignment_id", sa.Integer(), sa.ForeignKey("assignment.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.UniqueConstraint("assignment_id", "user_id", name="uq_assignment_trainee"),
    )
    op.create_index("ix_assignment_trainee_assignment_id", "assignment_trainee", ["assignment_id"])
    op.create_index("ix_assignment_trainee_user_id", "assignment_trainee", ["user_id"])


def downgrade() -> None:
    op.drop_table("assignment_trainee")
    op.drop_table("assignment")
