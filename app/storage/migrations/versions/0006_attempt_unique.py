"""Each attempt number of a candidate in a certification is stored once (no extra attempts by racing).

Databases that were already raced hold repeated attempt numbers; they are renumbered in the
order the attempts started, so every attempt stays visible to HR, before the index is made.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INDEX = "uq_chat_session_attempt"


def renumber_repeated_attempts() -> None:
    sessions = sa.table("chat_session", sa.column("id", sa.String), sa.column("certification_id", sa.String),
                        sa.column("user_id", sa.Integer), sa.column("attempt_no", sa.Integer),
                        sa.column("created_at", sa.DateTime))
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(sessions.c.id, sessions.c.certification_id, sessions.c.user_id, sessions.c.attempt_no)
        .where(sessions.c.certification_id.is_not(None), sessions.c.attempt_no.is_not(None))
        .order_by(sessions.c.certification_id, sessions.c.user_id, sessions.c.attempt_no, sessions.c.created_at,
                  sessions.c.id)
    ).all()
    number: dict[tuple[str, int | None], int] = {}
    for row in rows:
        key = (row.certification_id, row.user_id)
        number[key] = number.get(key, 0) + 1
        if row.attempt_no != number[key]:
            conn.execute(sa.update(sessions).where(sessions.c.id == row.id).values(attempt_no=number[key]))


def upgrade() -> None:
    renumber_repeated_attempts()
    op.create_index(INDEX, "chat_session", ["certification_id", "user_id", "attempt_no"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="chat_session")
