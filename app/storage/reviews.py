"""Coaches' comments with their replies, who has read them, and calibration corrections (stored beside
the automatic values, never over them)."""

from typing import Any

from sqlalchemy import and_, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.storage.models import ChatSession, Comment, CommentSeen, LabelCorrection, ScoreCorrection, Turn, User


def add_comment(
    db: Session, *, session_id: str, seq: int | None, author_id: int, text: str, parent_id: int | None = None
) -> Comment:
    row = Comment(session_id=session_id, seq=seq, author_id=author_id, text=text, parent_id=parent_id)
    db.add(row)
    db.commit()
    db.refresh(row)
    # The author has read everything up to their own comment.
    mark_seen(db, user_id=author_id, session_id=session_id, last_id=row.id or 0)
    return row


def get_comment(db: Session, *, session_id: str, comment_id: int) -> Comment | None:
    row = db.get(Comment, comment_id)
    return row if row is not None and row.session_id == session_id else None


def list_comments(db: Session, *, session_id: str, reader_id: int | None = None) -> list[dict[str, Any]]:
    """Every comment and reply, oldest first; with `reader_id`, `new` marks those by others the
    reader has not read yet (False for everyone without a reader)."""
    seen = _seen(db, user_id=reader_id, session_id=session_id) if reader_id is not None else None
    stmt = (
        select(Comment, User.username, User.role)
        .join(User, col(Comment.author_id) == User.id)
        .where(Comment.session_id == session_id)
        .order_by(col(Comment.created_at), col(Comment.id))
    )
    return [
        {"id": c.id, "seq": c.seq, "parent_id": c.parent_id, "text": c.text, "author": name, "role": role,
         "created_at": c.created_at,
         "new": seen is not None and c.author_id != reader_id and (c.id or 0) > seen}
        for c, name, role in db.exec(stmt)
    ]


def _seen(db: Session, *, user_id: int, session_id: str) -> int:
    row = db.get(CommentSeen, (user_id, session_id))
    return row.last_seen_id if row else 0


def mark_seen(db: Session, *, user_id: int, session_id: str, last_id: int) -> None:
    """The reader has read the session's comments up to `last_id` (never moves back, nor past the newest)."""
    newest = db.exec(select(func.max(Comment.id)).where(Comment.session_id == session_id)).one() or 0
    last_id = min(last_id, newest)
    for _ in range(2):  # a concurrent first read by the same user may insert the row first
        row = db.get(CommentSeen, (user_id, session_id))
        if row is None:
            row = CommentSeen(user_id=user_id, session_id=session_id, last_seen_id=last_id)
        elif row.last_seen_id >= last_id:
            return
        row.last_seen_id = last_id
        db.add(row)
        try:
            db.commit()
            return
        except IntegrityError:
            db.rollback()


def new_comment_counts(db: Session, *, reader_id: int, session_ids: list[str]) -> dict[str, int]:
    """How many comments by others each session holds that the reader has not read yet."""
    if not session_ids:
        return {}
    stmt = (
        select(Comment.session_id, func.count())
        .join(CommentSeen, and_(col(CommentSeen.session_id) == Comment.session_id, CommentSeen.user_id == reader_id),
              isouter=True)
        .where(col(Comment.session_id).in_(session_ids), Comment.author_id != reader_id,
               col(Comment.id) > func.coalesce(CommentSeen.last_seen_id, 0))
        .group_by(col(Comment.session_id))
    )
    return {sid: n for sid, n in db.exec(stmt)}


def correct_label(
    db: Session, *, turn: Turn, label: str, topic: str | None, author_id: int
) -> LabelCorrection:
    """The coach's label for one trainee line; a second correction replaces the first."""
    stmt = select(LabelCorrection).where(LabelCorrection.session_id == turn.session_id, LabelCorrection.seq == turn.seq)
    row = db.exec(stmt).first() or LabelCorrection(
        session_id=turn.session_id, seq=turn.seq, auto_label=turn.label or "statement", auto_topic=turn.topic,
        label=label, author_id=author_id,
    )
    row.label, row.topic, row.author_id = label, topic, author_id
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def correct_score(db: Session, *, session_id: str, dimension: str, auto_score: int, score: int, author_id: int) -> ScoreCorrection:
    stmt = select(ScoreCorrection).where(ScoreCorrection.session_id == session_id, ScoreCorrection.dimension == dimension)
    row = db.exec(stmt).first() or ScoreCorrection(
        session_id=session_id, dimension=dimension, auto_score=auto_score, score=score, author_id=author_id
    )
    row.score, row.author_id = score, author_id
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def list_corrections(db: Session, *, session_id: str) -> dict[str, list[dict[str, Any]]]:
    labels = db.exec(
        select(LabelCorrection, User.username).join(User, col(LabelCorrection.author_id) == User.id)
        .where(LabelCorrection.session_id == session_id).order_by(col(LabelCorrection.seq))
    )
    scores = db.exec(
        select(ScoreCorrection, User.username).join(User, col(ScoreCorrection.author_id) == User.id)
        .where(ScoreCorrection.session_id == session_id).order_by(col(ScoreCorrection.dimension))
    )
    return {
        "labels": [
            {"seq": r.seq, "auto_label": r.auto_label, "auto_topic": r.auto_topic, "label": r.label,
             "topic": r.topic, "author": name, "created_at": r.created_at}
            for r, name in labels
        ],
        "scores": [
            {"dimension": r.dimension, "auto_score": r.auto_score, "score": r.score, "author": name,
             "created_at": r.created_at}
            for r, name in scores
        ],
    }


def calibration_rows(
    db: Session, *, owners: set[int] | None
) -> tuple[list[tuple[str, str]], list[tuple[str, int, int]], int]:
    """(automatic, coach) label pairs over every trainee line of every session with a label
    correction (a line the coach left alone counts as agreed), (dimension, auto, coach) score
    pairs, and the number of sessions."""
    corrected = select(LabelCorrection.session_id).distinct()
    if owners is not None:
        corrected = corrected.join(ChatSession, col(ChatSession.id) == LabelCorrection.session_id).where(
            col(ChatSession.user_id).in_(owners or {-1}))
    session_ids = set(db.exec(corrected))
    fixes = {(r.session_id, r.seq): r.label for r in db.exec(select(LabelCorrection))}
    pairs = []
    if session_ids:
        turns = db.exec(select(Turn).where(col(Turn.session_id).in_(session_ids), Turn.speaker == "trainee"))
        for turn in turns:
            auto = turn.label or "statement"
            pairs.append((auto, fixes.get((turn.session_id, turn.seq), auto)))
    score_stmt = select(ScoreCorrection)
    if owners is not None:
        score_stmt = score_stmt.join(ChatSession, col(ChatSession.id) == ScoreCorrection.session_id).where(
            col(ChatSession.user_id).in_(owners or {-1}))
    scores = [(r.dimension, r.auto_score, r.score) for r in db.exec(score_stmt)]
    return pairs, scores, len(session_ids)
