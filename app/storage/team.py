"""What the team dashboard reads: the trainees in view and the scorecards of their practice sessions."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, exists, select

from app.storage.models import ChatSession, Scorecard, Turn, User


@dataclass(frozen=True)
class Trainee:
    id: int
    username: str
    coach: str | None


@dataclass(frozen=True)
class ScoredSession:
    """One scored practice (played here or imported), with its whole scorecard."""

    id: str
    user_id: int
    persona_id: str
    created_at: datetime
    overall: int
    card: dict[str, Any]


def trainees(db: Session, *, coach_id: int | None) -> list[Trainee]:
    """Every trainee, or only those whose coach is `coach_id`; by user name."""
    coach = aliased(User)
    stmt = (select(User.id, User.username, coach.username)
            .join(coach, col(User.coach_id) == coach.id, isouter=True)
            .where(User.role == "trainee").order_by(col(User.username)))
    if coach_id is not None:
        stmt = stmt.where(User.coach_id == coach_id)
    return [Trainee(id=uid, username=name, coach=coach_name) for uid, name, coach_name in db.exec(stmt) if uid]


def scored_sessions(
    db: Session, *, user_ids: list[int], date_from: datetime | None, date_to: datetime | None, persona: str | None,
) -> list[ScoredSession]:
    """The scored practice sessions of these users, oldest first. Certification attempts are exams,
    not practice (and may be unreleased); a session in which the trainee said nothing measures nobody."""
    if not user_ids:
        return []
    spoke = exists().where(col(Turn.session_id) == ChatSession.id, col(Turn.speaker) == "trainee")
    stmt = (
        select(ChatSession.id, ChatSession.user_id, ChatSession.persona_id, ChatSession.created_at, Scorecard.overall,
               Scorecard.data)
        .join(Scorecard, col(Scorecard.session_id) == ChatSession.id)
        .where(col(ChatSession.user_id).in_(user_ids), col(ChatSession.certification_id).is_(None), spoke)
        .order_by(col(ChatSession.created_at), col(ChatSession.id))
    )
    if date_from is not None:
        stmt = stmt.where(ChatSession.created_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(ChatSession.created_at <= date_to)
    if persona:
        stmt = stmt.where(ChatSession.persona_id == persona)
    return [ScoredSession(id=sid, user_id=uid, persona_id=pid, created_at=at, overall=overall, card=data or {})
            for sid, uid, pid, at, overall, data in db.exec(stmt) if uid is not None]


def personas_practised(db: Session, *, user_ids: list[int]) -> list[str]:
    """The persona ids these users have scored practice with: the persona filter's choices."""
    if not user_ids:
        return []
    stmt = (select(ChatSession.persona_id).distinct()
            .join(Scorecard, col(Scorecard.session_id) == ChatSession.id)
            .where(col(ChatSession.user_id).in_(user_ids), col(ChatSession.certification_id).is_(None)))
    return sorted(db.exec(stmt))
