"""HR certifications: candidates, certification sessions, audit log, certificates, re-grading.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certification",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("persona_ids", sa.JSON(), nullable=False),
        sa.Column("rubric", sa.String(50), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("time_limit_s", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "candidate",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("certification_id", sa.String(32), sa.ForeignKey("certification.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("certification_id", "user_id", name="uq_candidate"),
    )
    op.create_index("ix_candidate_certification_id", "candidate", ["certification_id"])
    op.create_index("ix_candidate_user_id", "candidate", ["user_id"])
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("certification_id", sa.String(32), nullable=True))
        batch.add_column(sa.Column("attempt_no", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("deadline", sa.Float(), nullable=True))
        batch.create_foreign_key("fk_chat_session_certification", "certification", ["certification_id"], ["id"])
        batch.create_index("ix_chat_session_certification_id", ["certification_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("certification_id", sa.String(32), nullable=True),
        sa.Column("session_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_certification_id", "audit_event", ["certification_id"])
    op.create_table(
        "certificate",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("certification_id", sa.String(32), sa.ForeignKey("certification.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("session_id", sa.String(32), sa.ForeignKey("chat_session.id"), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_certificate_certification_id", "certificate", ["certification_id"])
    op.create_table(
        "regrade_run",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("certification_id", sa.String(32), sa.ForeignKey("certification.id"), nullable=False),
        sa.Column("rubric", sa.String(50), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("started_by", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_regrade_run_certification_id", "regrade_run", ["certification_id"])


def downgrade() -> None:
    op.drop_table("regrade_run")
    op.drop_table("certificate")
    op.drop_table("audit_event")
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_index("ix_chat_session_certification_id")
        batch.drop_constraint("fk_chat_session_certification", type_="foreignkey")
        batch.drop_column("deadline")
        batch.drop_column("attempt_no")
        batch.drop_column("certification_id")
    op.drop_table("candidate")
    op.drop_table("certification")
