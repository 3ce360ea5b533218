"""The session library: filtered, sorted, paginated listings and a trainee's trend."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, case, exists, false, func, null
from sqlmodel import Session, col, select

from app.storage.models import Certification, ChatSession, Scorecard, Turn, User

SortKey = Literal["created_at", "overall", "trainee", "persona"]


@dataclass(frozen=True)
class LibraryQuery:
    owners: set[int] | None  # None: every session
    trainee: str | None = None
    persona: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    score_min: int | None = None
    score_max: int | None = None
    passed: bool | None = None
    mode: str | None = None
    hide_unreleased: bool = True  # certification results HR has not released: no score, no pass, no filter on them
    sort: SortKey = "created_at"
    order: Literal["asc", "desc"] = "desc"
    page: int = 1
    page_size: int = 20


def _unreleased() -> Any:
    """A certification attempt whose results HR has not released (or whose certification is gone)."""
    return and_(col(ChatSession.certification_id).is_not(None),
                func.coalesce(Certification.released, false()) == false())


def list_sessions(db: Session, query: LibraryQuery) -> tuple[list[dict[str, Any]], int]:
    """One page of sessions the caller may see, and how many match in all.

    With `hide_unreleased`, an unreleased attempt has no score and no pass for every filter and
    sort as well as in the rows, so no query can find out how it went."""
    overall: Any = col(Scorecard.overall)
    passed: Any = col(Scorecard.passed)
    if query.hide_unreleased:
        overall = case((_unreleased(), null()), else_=overall)
        passed = case((_unreleased(), null()), else_=passed)
    stmt = (
        select(ChatSession, User.username, overall, passed)
        .join(User, col(ChatSession.user_id) == User.id, isouter=True)
        .join(Scorecard, col(Scorecard.session_id) == ChatSession.id, isouter=True)
        .join(Certification, col(Certification.id) == ChatSession.certification_id, isouter=True)
    )
    if query.owners is not None:
        stmt = stmt.where(col(ChatSession.user_id).in_(query.owners or {-1}))
    if query.trainee:
        stmt = stmt.where(User.username == query.trainee)
    if query.persona:
        stmt = stmt.where(ChatSession.persona_id == query.persona)
    if query.mode:
        stmt = stmt.where(ChatSession.mode == query.mode)
    if query.date_from:
        stmt = stmt.where(ChatSession.created_at >= query.date_from)
    if query.date_to:
        stmt = stmt.where(ChatSession.created_at <= query.date_to)
    if query.score_min is not None:
        stmt = stmt.where(overall >= query.score_min)
    if query.score_max is not None:
        stmt = stmt.where(overall <= query.score_max)
    if query.passed is not None:
        stmt = stmt.where(passed == query.passed)
    total = db.exec(select(func.count()).select_from(stmt.subquery())).one()
    column = {
        "created_at": col(ChatSession.created_at),
        "overall": overall,
        "trainee": col(User.username),
        "persona": col(ChatSession.persona_id),
    }[query.sort]
    ordered = column.desc().nulls_last() if query.order == "desc" else column.asc().nulls_last()
    stmt = stmt.order_by(ordered, col(ChatSession.created_at).desc(), col(ChatSession.id))
    stmt = stmt.offset((query.page - 1) * query.page_size).limit(query.page_size)
    items = [
        {
            "id": chat.id,
            "persona_id": chat.persona_id,
            "user_id": chat.user_id,
            "trainee": username,
            "language": chat.language,
            "mode": chat.mode,
            "status": chat.status,
            "created_at": chat.created_at,
            "ended_at": chat.ended_at,
            "overall": score,
            "passed": verdict,
        }
        for chat, username, score, verdict in db.exec(stmt)
    ]
    return items, total


def trend(db: Session, *, user_id: int) -> list[dict[str, Any]]:
    """A trainee's scored sessions, oldest first, with their dimensions; a session in which the
    trainee said nothing is no measure of them (one scored before such sessions went unscored)."""
    spoke = exists().where(col(Turn.session_id) == ChatSession.id, col(Turn.speaker) == "trainee")
    stmt = (
        select(ChatSession, Scorecard, Certification.released)
        .join(Scorecard, col(Scorecard.session_id) == ChatSession.id)
        .join(Certification, col(Certification.id) == ChatSession.certification_id, isouter=True)
        .where(ChatSession.user_id == user_id, spoke)
        .order_by(col(ChatSession.created_at))
    )
    return [
        {
            "session_id": chat.id,
            "persona_id": chat.persona_id,
            "created_at": chat.created_at,
            "overall": card.overall,
            "dimensions": card.data.get("dimensions", {}),
            "hidden_result": chat.certification_id is not None and not released,
        }
        for chat, card, released in db.exec(stmt)
    ]
