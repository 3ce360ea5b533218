"""Accounts HR can trust: deactivation, a single first-run setup, sign-in throttling; rubrics HR uploads.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch copy of app_user would drop a table other rows point at, which
    # SQLite refuses with foreign keys on (an upgraded database holds users, sessions, certificates).
    op.add_column("app_user", sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "first_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_first_run_single"),
    )
    # A database set up before this table existed has had its first run: mark it done.
    op.execute(sa.text(
        "INSERT INTO first_run (id, user_id, at) SELECT 1, (SELECT MIN(id) FROM app_user), CURRENT_TIMESTAMP "
        "WHERE EXISTS (SELECT 1 FROM app_user)"
    ))
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(200), nullable=False),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_login_attempt_username", "login_attempt", ["username"])
    op.create_index("ix_login_attempt_client", "login_attempt", ["client"])
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])
    op.create_table(
        "stored_rubric",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stored_rubric")
    op.drop_index("ix_login_attempt_at", "login_attempt")
    op.drop_index("ix_login_attempt_client", "login_attempt")
    op.drop_index("ix_login_attempt_username", "login_attempt")
    op.drop_table("login_attempt")
    op.drop_table("first_run")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("active")
