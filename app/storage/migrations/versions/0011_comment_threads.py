"""Replies to comments (a comment's parent), and the last comment each user has read on a session.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy of a table rows point at); SQLite takes the reference in it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(sa.text("ALTER TABLE comment ADD COLUMN parent_id INTEGER REFERENCES comment (id)"))
    else:
        op.add_column("comment", sa.Column("parent_id", sa.Integer(), sa.ForeignKey("comment.id"), nullable=True))
    op.create_index("ix_comment_parent_id", "comment", ["parent_id"])
    op.create_table(
        "comment_seen",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), primary_key=True),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), primary_key=True),
        sa.Column("last_seen_id", sa.Integer(), nullable=False),
    )
    # Comments written before this release are not news: the trainee, their coach and every
    # admin have read what each commented session holds today.
    op.execute(sa.text(
        "INSERT INTO comment_seen (user_id, session_id, last_seen_id) "
        "SELECT u.id, s.id, (SELECT MAX(c.id) FROM comment c WHERE c.session_id = s.id) FROM chat_session s JOIN app_user u "
        "ON u.id = s.user_id OR u.id = (SELECT o.coach_id FROM app_user o WHERE o.id = s.user_id) OR u.role = 'admin' "
        "WHERE EXISTS (SELECT 1 FROM comment c WHERE c.session_id = s.id)"
    ))


def downgrade() -> None:
    op.drop_table("comment_seen")
    op.drop_index("ix_comment_parent_id", "comment")
    with op.batch_alter_table("comment") as batch:
        batch.drop_column("parent_id")
