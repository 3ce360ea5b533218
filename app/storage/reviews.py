"""Coaches' comments and calibration corrections: stored beside the automatic values, never over them."""

from typing import Any

from sqlmodel import Session, col, select

from app.storage.models import ChatSession, Comment, LabelCorrection, ScoreCorrection, Turn, User


def add_comment(db: Session, *, session_id: str, seq: int | None, author_id: int, text: str) -> Comment:
    row = Comment(session_id=session_id, seq=seq, author_id=author_id, text=text)
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def list_comments(db: Session, *, session_id: str) -> list[dict[str, Any]]:
    stmt = (
        select(Comment, User.username, User.role)
        .join(User, col(Comment.author_id) == User.id)
        .where(Comment.session_id == session_id)
        .order_by(col(Comment.created_at), col(Comment.id))
    )
    return [
        {"id": c.id, "seq": c.seq, "text": c.text, "author": name, "role": role, "created_at": c.created_at}
        for c, name, role in db.exec(stmt)
    ]


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
