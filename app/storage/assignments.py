"""Assignments: which persona each trainee is to practise, by when and to what score, and how far they got.

Times are the app clock's (so a test moves "now" past a due date without sleeping): an assignment's
`created_at` is the clock reading when it was made, and a practice session's start is its
`opened_at` clock reading. A team assignment names the coach, not the trainees: the team is read
each time, so a trainee who joins it later has the assignment too.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from app.storage.models import Assignment, AssignmentTrainee, ChatSession, Scorecard, User

STATUSES = ("todo", "in_progress", "done", "late", "missing")


def aware(moment: datetime) -> datetime:
    """SQLite gives stored times back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def clock_time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)


@dataclass(frozen=True)
class Attempt:
    """A practice session of the assigned persona, started after the assignment was made."""

    session_id: str
    started_at: datetime
    overall: int | None  # None: not scored (yet)


@dataclass(frozen=True)
class Progress:
    status: str
    best: int | None
    latest: int | None
    attempts: int
    best_session_id: str | None
    latest_session_id: str | None


def progress(attempts: list[Attempt], *, target: int, due_at: datetime, now: datetime) -> Progress:
    """Done: a scored session reached the target and started by the due date (late: only after it).
    Missing: the due date passed without it; in progress: tried, not reached yet; todo: not tried."""
    ordered = sorted(attempts, key=lambda a: a.started_at)
    scored = [a for a in ordered if a.overall is not None]
    reached = next((a for a in scored if a.overall is not None and a.overall >= target), None)
    if reached is not None:
        status = "done" if reached.started_at <= due_at else "late"
    elif now > due_at:
        status = "missing"
    else:
        status = "in_progress" if ordered else "todo"
    best = max(scored, key=lambda a: (a.overall, a.started_at), default=None)
    latest = scored[-1] if scored else None
    return Progress(
        status=status, best=best.overall if best else None, latest=latest.overall if latest else None,
        attempts=len(ordered), best_session_id=best.session_id if best else None,
        latest_session_id=latest.session_id if latest else None,
    )


# ---- writing ----

def create(
    db: Session, *, persona_ids: list[str], due_at: datetime, target_score: int, team_of: int | None,
    trainee_ids: list[int], created_by: int, now: datetime,
) -> list[Assignment]:
    """One assignment per persona, all in one commit."""
    rows = [Assignment(persona_id=pid, due_at=due_at, target_score=target_score, team_of=team_of,
                       created_by=created_by, created_at=now, updated_at=now) for pid in persona_ids]
    db.add_all(rows)
    db.flush()
    db.add_all(AssignmentTrainee(assignment_id=row.id, user_id=uid) for row in rows for uid in trainee_ids)
    db.commit()
    for row in rows:
        db.refresh(row)
    return rows


def update(
    db: Session, *, row: Assignment, persona_id: str, due_at: datetime, target_score: int, team_of: int | None,
    trainee_ids: list[int], now: datetime,
) -> Assignment:
    """Change what, for whom, by when and to what score; practice already done keeps counting."""
    row.persona_id, row.due_at, row.target_score, row.team_of, row.updated_at = (
        persona_id, due_at, target_score, team_of, now)
    db.add(row)
    _unname(db, row)
    db.add_all(AssignmentTrainee(assignment_id=row.id, user_id=uid) for uid in trainee_ids)
    db.commit()
    db.refresh(row)
    return row


def _unname(db: Session, row: Assignment) -> None:
    stmt = delete(AssignmentTrainee).where(col(AssignmentTrainee.assignment_id) == row.id)
    db.exec(stmt)  # type: ignore[call-overload]


def remove(db: Session, *, row: Assignment) -> None:
    _unname(db, row)
    db.delete(row)
    db.commit()


# ---- reading ----

def named_trainees(db: Session, assignment_ids: Iterable[int]) -> dict[int, list[User]]:
    """The trainees each assignment names one by one."""
    ids = list(assignment_ids)
    found: dict[int, list[User]] = {i: [] for i in ids}
    if ids:
        stmt = (select(AssignmentTrainee.assignment_id, User)
                .join(User, col(User.id) == AssignmentTrainee.user_id)
                .where(col(AssignmentTrainee.assignment_id).in_(ids)).order_by(col(User.username)))
        for assignment_id, user in db.exec(stmt):
            found[assignment_id].append(user)
    return found


def team(db: Session, coach_id: int) -> list[User]:
    """A coach's trainees today (active accounts)."""
    stmt = select(User).where(User.coach_id == coach_id, User.role == "trainee", col(User.active).is_(True))
    return list(db.exec(stmt.order_by(col(User.username))))


def trainees_of(db: Session, row: Assignment, named: list[User]) -> list[User]:
    """Everyone the assignment is for: the named trainees, or the team as it is now."""
    return team(db, row.team_of) if row.team_of is not None else named


def for_trainee(db: Session, user: User) -> list[Assignment]:
    """What `user` has been assigned: by name, or through their coach's team."""
    named = select(AssignmentTrainee.assignment_id).where(AssignmentTrainee.user_id == user.id)
    clauses = [col(Assignment.id).in_(named)]
    if user.coach_id is not None and user.role == "trainee":
        clauses.append(col(Assignment.team_of) == user.coach_id)
    return list(db.exec(select(Assignment).where(or_(*clauses)).order_by(col(Assignment.due_at), col(Assignment.id))))


def visible(db: Session, user: User) -> list[Assignment]:
    """Assignments `user` may read: HR and admins all; a coach those they made or that concern their
    team; a trainee their own."""
    stmt = select(Assignment).order_by(col(Assignment.due_at), col(Assignment.id))
    if user.role in ("hr", "admin"):
        return list(db.exec(stmt))
    if user.role != "coach":
        return for_trainee(db, user)
    mine = select(User.id).where(User.coach_id == user.id)
    named = select(AssignmentTrainee.assignment_id).where(col(AssignmentTrainee.user_id).in_(mine))
    return list(db.exec(stmt.where(or_(col(Assignment.created_by) == user.id, col(Assignment.team_of) == user.id,
                                       col(Assignment.id).in_(named)))))


def may_read(db: Session, user: User, row: Assignment) -> bool:
    """The rule of `visible`, for one assignment."""
    if user.role in ("hr", "admin"):
        return True
    named = select(User.id).join(AssignmentTrainee, col(AssignmentTrainee.user_id) == User.id).where(
        AssignmentTrainee.assignment_id == row.id)
    if user.role == "coach":
        return (user.id in (row.created_by, row.team_of)
                or db.exec(named.where(User.coach_id == user.id)).first() is not None)
    return ((row.team_of is not None and row.team_of == user.coach_id and user.role == "trainee")
            or db.exec(named.where(User.id == user.id)).first() is not None)


def attempts(db: Session, *, row: Assignment, user_ids: Iterable[int]) -> dict[int, list[Attempt]]:
    """Each trainee's practice sessions of the persona started since the assignment was made (no
    certification attempts, imports or one-turn retries)."""
    ids = list(user_ids)
    found: dict[int, list[Attempt]] = {i: [] for i in ids}
    if not ids:
        return found
    stmt = (select(ChatSession.id, ChatSession.user_id, ChatSession.opened_at, ChatSession.created_at,
                   Scorecard.overall)
            .join(Scorecard, col(Scorecard.session_id) == ChatSession.id, isouter=True)
            .where(ChatSession.persona_id == row.persona_id, col(ChatSession.user_id).in_(ids),
                   ChatSession.mode == "practice", col(ChatSession.certification_id).is_(None),
                   col(ChatSession.retry_of_session).is_(None)))
    since = aware(row.created_at)
    for session_id, user_id, opened_at, created_at, overall in db.exec(stmt):
        started = clock_time(opened_at) if opened_at is not None else aware(created_at)
        if started >= since and user_id is not None:
            found[user_id].append(Attempt(session_id=session_id, started_at=started, overall=overall))
    return found


def usernames(db: Session, role: str) -> list[str]:
    """Active accounts of one role, for an admin's choice of trainees and teams."""
    stmt = select(User.username).where(User.role == role, col(User.active).is_(True)).order_by(col(User.username))
    return list(db.exec(stmt))
