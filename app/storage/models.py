"""Database tables: chat sessions, their turns and their scorecards (SQLModel)."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ChatSession(SQLModel, table=True):
    """One practice conversation; its engine state lives here so any worker can resume it."""

    __tablename__ = "chat_session"

    id: str = Field(primary_key=True, max_length=32)
    persona_id: str = Field(index=True, max_length=100)
    language: str = Field(max_length=8)
    mode: str = Field(default="practice", max_length=20)
    status: str = Field(default="active", max_length=20)
    created_at: datetime = Field(default_factory=utcnow)
    origin: float | None = Field(default=None, description="clock reading at the session start")
    pending_typing_at: float | None = Field(
        default=None, description="first keystroke of the trainee line being typed, seconds from start"
    )
    engine_state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ended_at: datetime | None = None


class Turn(SQLModel, table=True):
    """One line of the transcript (DESIGN 4.1), with what the labeller said of trainee lines."""

    __tablename__ = "turn"
    __table_args__ = (
        UniqueConstraint("session_id", "seq", name="uq_turn_session_seq"),
        UniqueConstraint("session_id", "client_id", name="uq_turn_session_client"),
    )

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", index=True, max_length=32)
    seq: int
    speaker: str = Field(max_length=10)
    text: str
    client_id: str | None = Field(default=None, max_length=64)
    typing_started_at: float | None = None
    sent_at: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    label: str | None = Field(default=None, max_length=30)
    topic: str | None = Field(default=None, max_length=30)
    rule: str | None = Field(default=None, max_length=80)
    renderer: str | None = Field(default=None, max_length=20)
    created_at: datetime = Field(default_factory=utcnow)


class Scorecard(SQLModel, table=True):
    """The grader's scorecard of an ended session (DESIGN 4.1b), kept whole as JSON."""

    __tablename__ = "scorecard"

    session_id: str = Field(primary_key=True, foreign_key="chat_session.id", max_length=32)
    rubric: str = Field(max_length=50)
    overall: int
    passed: bool | None = None
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
