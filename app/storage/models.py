"""Database tables: chat sessions, their turns and their scorecards (SQLModel)."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


ROLES = ("trainee", "coach", "hr", "admin")
MAX_SEQ = 1_000_000  # the highest turn number a session keeps (and the review API addresses)
MAX_PERSONA_ID = 100


class User(SQLModel, table=True):
    """A person who signs in: a trainee (with a coach), a coach, HR, or an admin."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=100)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=20)
    coach_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    must_change_password: bool = False
    active: bool = Field(default=True, description="a deactivated account cannot sign in")
    created_at: datetime = Field(default_factory=utcnow)


class FirstRun(SQLModel, table=True):
    """The first-run setup, done once: its single row (id 1) is what concurrent setups race for."""

    __tablename__ = "first_run"
    __table_args__ = (CheckConstraint("id = 1", name="ck_first_run_single"),)

    id: int = Field(default=1, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    at: datetime = Field(default_factory=utcnow)


class LoginAttempt(SQLModel, table=True):
    """A sign-in attempt not (yet) known to be right: counted per account and per client to throttle guessing."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=200)
    client: str = Field(index=True, max_length=100)
    at: float = Field(index=True, description="app clock reading (seconds)")


class AuthToken(SQLModel, table=True):
    """A signed-in browser: the cookie carries the token, the table keeps only its hash."""

    __tablename__ = "auth_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    csrf: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class PersonaCardRow(SQLModel, table=True):
    """A persona card built here (not a shipped file): who owns it and who may practise it."""

    __tablename__ = "persona_card"

    id: str = Field(primary_key=True, max_length=MAX_PERSONA_ID, description="the card's own `id`")
    owner_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    visibility: str = Field(default="team", max_length=10, description="team: the owner's trainees; all: everyone")
    created_at: datetime = Field(default_factory=utcnow)


class PersonaVersion(SQLModel, table=True):
    """One saved state of a built card. Rows are never changed but to publish them: a session keeps
    the version it was played on, so editing a card never changes a past session."""

    __tablename__ = "persona_version"
    __table_args__ = (UniqueConstraint("card_id", "number", name="uq_persona_version_number"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: str = Field(foreign_key="persona_card.id", index=True, max_length=MAX_PERSONA_ID)
    number: int
    status: str = Field(default="draft", max_length=10, description="draft or published")
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ChatSession(SQLModel, table=True):
    """One practice conversation; its engine state lives here so any worker can resume it."""

    __tablename__ = "chat_session"
    # A candidate's attempt k exists once: two requests racing for the same attempt cannot both
    # store it, so no candidate gets more attempts than the certification allows.
    __table_args__ = (Index("uq_chat_session_attempt", "certification_id", "user_id", "attempt_no", unique=True),)

    id: str = Field(primary_key=True, max_length=32)
    persona_id: str = Field(index=True, max_length=MAX_PERSONA_ID)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    certification_id: str | None = Field(default=None, foreign_key="certification.id", index=True, max_length=32)
    attempt_no: int | None = None
    deadline: float | None = Field(default=None, description="certification: seconds from the start when time is up")
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
    reply_lease: float | None = Field(
        default=None, description="a customer reply is being produced until this time (seconds from the start)"
    )
    reply_owner: str | None = Field(
        default=None, max_length=32, description="the reply attempt holding reply_lease; it alone renews or ends it"
    )
    opened_at: float | None = Field(default=None, description="clock reading when the session was created")
    retry_of_session: str | None = Field(
        default=None, max_length=32, description="a retry: the session whose turn this one practises again"
    )
    retry_of_seq: int | None = Field(default=None, description="a retry: the trainee turn practised again")
    persona_version_id: int | None = Field(
        default=None, description="the persona_version played (a card built here); None: the shipped card file",
    )


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
    acts: list[dict[str, Any]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True), description="customer turns: the engine's decisions"
    )
    created_at: datetime = Field(default_factory=utcnow)


def half_spoken(turn: Any) -> bool:
    """A customer turn begun but never finished (its worker died): no words, no end."""
    return turn.speaker == "customer" and turn.ended_at is None and not turn.text


class Scorecard(SQLModel, table=True):
    """The grader's scorecard of an ended session (DESIGN 4.1b), kept whole as JSON."""

    __tablename__ = "scorecard"

    session_id: str = Field(primary_key=True, foreign_key="chat_session.id", max_length=32)
    rubric: str = Field(max_length=50)
    overall: int
    passed: bool | None = None
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, description="1 when first graded; each re-grade adds one")


class ScorecardVersion(SQLModel, table=True):
    """A scorecard a re-grade replaced, kept as it was: a certificate names the version it was issued on."""

    __tablename__ = "scorecard_version"
    __table_args__ = (UniqueConstraint("session_id", "version", name="uq_scorecard_version"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", index=True, max_length=32)
    version: int
    rubric: str = Field(max_length=50)
    overall: int
    passed: bool | None = None
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    graded_at: datetime
    replaced_at: datetime = Field(default_factory=utcnow)
    regrade_run_id: int | None = Field(default=None, foreign_key="regrade_run.id")


class Comment(SQLModel, table=True):
    """A coach's comment on one turn (seq) or on the whole session (seq None), or a reply to one (parent_id)."""

    __tablename__ = "comment"

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", index=True, max_length=32)
    seq: int | None = None
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    author_id: int = Field(foreign_key="app_user.id")
    text: str
    created_at: datetime = Field(default_factory=utcnow)


class CommentSeen(SQLModel, table=True):
    """The last comment a user has read on a session: later ones by others are new to them."""

    __tablename__ = "comment_seen"

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", primary_key=True, max_length=32)
    last_seen_id: int


class LabelCorrection(SQLModel, table=True):
    """A coach's label for a trainee line, kept beside the automatic one (calibration)."""

    __tablename__ = "label_correction"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_label_correction"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", index=True, max_length=32)
    seq: int
    auto_label: str = Field(max_length=30)
    auto_topic: str | None = Field(default=None, max_length=30)
    label: str = Field(max_length=30)
    topic: str | None = Field(default=None, max_length=30)
    author_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class ScoreCorrection(SQLModel, table=True):
    """A coach's score for one dimension, kept beside the automatic one (calibration)."""

    __tablename__ = "score_correction"
    __table_args__ = (UniqueConstraint("session_id", "dimension", name="uq_score_correction"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: str = Field(foreign_key="chat_session.id", index=True, max_length=32)
    dimension: str = Field(max_length=30)
    auto_score: int
    score: int
    author_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Certification(SQLModel, table=True):
    """An HR certification: the same personas, rubric, pass mark and rules for every candidate."""

    __tablename__ = "certification"

    id: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=200)
    persona_ids: list[str] = Field(sa_column=Column(JSON, nullable=False))
    rubric: str = Field(max_length=50)
    pass_mark: int
    time_limit_s: int
    attempts: int
    opens_at: datetime
    closes_at: datetime
    seed: int
    released: bool = False
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Candidate(SQLModel, table=True):
    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("certification_id", "user_id", name="uq_candidate"),)

    id: int | None = Field(default=None, primary_key=True)
    certification_id: str = Field(foreign_key="certification.id", index=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    enrolled_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Every HR action and every certification session event, in order; never changed."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    certification_id: str | None = Field(default=None, index=True, max_length=32)
    session_id: str | None = Field(default=None, max_length=32)
    action: str = Field(max_length=50)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Certificate(SQLModel, table=True):
    """A pass, with a code anyone can check at /verify/{code}.

    It names the scorecard version it was issued on. A re-grade that keeps the pass supersedes it
    with a new certificate; one that fails revokes it. Neither changes what it states."""

    __tablename__ = "certificate"

    code: str = Field(primary_key=True, max_length=20)
    certification_id: str = Field(foreign_key="certification.id", index=True, max_length=32)
    user_id: int = Field(foreign_key="app_user.id")
    session_id: str = Field(foreign_key="chat_session.id", max_length=32)
    overall: int
    digest: str = Field(max_length=64, description="HMAC-SHA256 signature (app/certification/signing.py)")
    issued_at: datetime = Field(default_factory=utcnow)
    version: int | None = Field(default=None, description="scorecard version; None: issued before signing")
    pass_mark: int | None = None
    revoked_at: datetime | None = None
    superseded_at: datetime | None = None
    superseded_by: str | None = Field(default=None, max_length=20)


class RegradeRun(SQLModel, table=True):
    """Re-grading a certification's sessions after a rubric change: progress and before/after."""

    __tablename__ = "regrade_run"

    id: int | None = Field(default=None, primary_key=True)
    certification_id: str = Field(foreign_key="certification.id", index=True, max_length=32)
    rubric: str = Field(max_length=50)
    status: str = Field(default="running", max_length=20)
    total: int = 0
    done: int = 0
    results: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    started_by: int = Field(foreign_key="app_user.id")
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class StoredRubric(SQLModel, table=True):
    """A rubric HR uploaded (YAML), usable by name beside the shipped ones; never changed once stored."""

    __tablename__ = "stored_rubric"

    name: str = Field(primary_key=True, max_length=50)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)


class Assignment(SQLModel, table=True):
    """A persona a coach (or an admin) set for trainees to practise by a due date, to a target score.

    It goes to the trainees listed in assignment_trainee, or to a coach's whole team (`team_of`):
    the team is read when asked, so trainees who join it later have it too."""

    __tablename__ = "assignment"
    __table_args__ = (CheckConstraint("target_score BETWEEN 0 AND 100", name="ck_assignment_target"),)

    id: int | None = Field(default=None, primary_key=True)
    persona_id: str = Field(index=True, max_length=MAX_PERSONA_ID)
    due_at: datetime
    target_score: int
    team_of: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    created_by: int = Field(foreign_key="app_user.id", index=True)
    created_at: datetime = Field(description="app clock: practice counts from here")
    updated_at: datetime


class AssignmentTrainee(SQLModel, table=True):
    """One trainee an assignment names (assignments to a whole team have none)."""

    __tablename__ = "assignment_trainee"
    __table_args__ = (UniqueConstraint("assignment_id", "user_id", name="uq_assignment_trainee"),)

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
