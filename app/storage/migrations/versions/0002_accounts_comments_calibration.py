"""Accounts and sign-in tokens, session owners, comments, calibration corrections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("coach_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_app_user_username", "app_user", ["username"], unique=True)
    op.create_index("ix_app_user_coach_id", "app_user", ["coach_id"])
    op.create_table(
        "auth_token",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_auth_token_user_id", "auth_token", ["user_id"])
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_chat_session_user", "app_user", ["user_id"], ["id"])
        batch.create_index("ix_chat_session_user_id", ["user_id"])
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_comment_session_id", "comment", ["session_id"])
    op.create_table(
        "label_correction",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("auto_label", sa.String(30), nullable=False),
        sa.Column("auto_topic", sa.String(30), nullable=True),
        sa.Column("label", sa.String(30), nullable=False),
        sa.Column("topic", sa.String(30), nullable=True),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "seq", name="uq_label_correction"),
    )
    op.create_index("ix_label_correction_session_id", "label_correction", ["session_id"])
    op.create_table(
        "score_correction",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("dimension", sa.String(30), nullable=False),
        sa.Column("auto_score", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "dimension", name="uq_score_correction"),
    )
    op.create_index("ix_score_correction_session_id", "score_correction", ["session_id"])


def downgrade() -> None:
    op.drop_table("score_correction")
    op.drop_table("label_correction")
    op.drop_table("comment")
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_index("ix_chat_session_user_id")
        batch.drop_constraint("fk_chat_session_user", type_="foreignkey")
        batch.drop_column("user_id")
    op.drop_table("auth_token")
    op.drop_table("app_user")
