"""Coaches' review of a session: comments, label and score corrections, and the calibration report."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field, model_validator
from sqlmodel import select

from app import calibration
from app.accounts import access
from app.api.deps import CurrentUserDep, DbDep
from app.api.errors import ApiError
from app.api.routes.sessions import UNRELEASED, visible_session
from app.storage import repo, reviews
from app.storage.models import MAX_SEQ, ChatSession, Turn, User
from scoring.models import Dimension, Label, Topic

router = APIRouter(tags=["reviews"])


SeqPath = Annotated[int, Path(ge=1, le=MAX_SEQ, description="the turn's seq")]


class CommentCreate(BaseModel):
    seq: int | None = Field(None, ge=1, le=MAX_SEQ, description="the turn commented on; null for the whole session")
    parent_id: int | None = Field(None, ge=1, description="the comment replied to; a reply is on its comment's turn")
    text: str = Field(min_length=1, max_length=4000)


class CommentRead(BaseModel):
    id: int
    seq: int | None
    parent_id: int | None = Field(description="the comment this one replies to; null for a comment")
    text: str
    author: str
    role: str
    created_at: datetime
    new: bool = Field(description="by someone else, and added since the reader last read the session's comments")


class CommentsSeen(BaseModel):
    last_id: int = Field(ge=0, description="the newest comment id the reader has been shown")


class LabelFix(BaseModel):
    label: Label
    topic: Topic | None = None

    @model_validator(mode="after")
    def _topic_only_when_exploring(self) -> "LabelFix":
        if self.label != "exploratory" and self.topic is not None:
            raise ValueError("topic is given only for the exploratory label")
        return self


class ScoreFix(BaseModel):
    score: int = Field(ge=0, le=100)


def annotatable_session(db: DbDep, user: User, session_id: str) -> ChatSession:
    chat = visible_session(db, user, session_id)
    if not access.can_annotate(db, user, chat):
        raise ApiError(status.HTTP_403_FORBIDDEN, "coach_only")
    return chat


def correctable_session(db: DbDep, user: User, session_id: str) -> ChatSession:
    """A correction answers with the automatic label or score beside it: not before HR releases
    a certification attempt's results."""
    chat = annotatable_session(db, user, session_id)
    if access.result_hidden(db, user, chat):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=UNRELEASED)
    return chat


@router.get("/api/sessions/{session_id}/comments", summary="Comments on a session, with their replies")
def list_comments(session_id: str, db: DbDep, user: CurrentUserDep) -> list[CommentRead]:
    """Oldest first; a reply names its comment in `parent_id`. `new` is for the trainee and their
    coaches (or an admin): comments by others since they last read them (POST .../comments/seen)."""
    chat = visible_session(db, user, session_id)
    reader = user.id if access.can_reply(db, user, chat) else None
    return [CommentRead(**c) for c in reviews.list_comments(db, session_id=session_id, reader_id=reader)]


@router.post("/api/sessions/{session_id}/comments", status_code=status.HTTP_201_CREATED,
             summary="Comment on a turn or on the whole session, or reply to a comment")
def add_comment(session_id: str, body: CommentCreate, db: DbDep, user: CurrentUserDep) -> CommentRead:
    """A coach's comment; `seq` names a turn of the session, or null for the whole session. With
    `parent_id`, a reply to that comment, from its coaches or the trainee whose session it is; a
    reply to a reply joins the same thread."""
    if body.parent_id is None:
        chat = annotatable_session(db, user, session_id)
        seq = body.seq
        if seq is not None and not _turn(db, chat.id, seq):
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "no_turn", seq=seq)
        parent_id = None
    else:
        chat = visible_session(db, user, session_id)
        if not access.can_reply(db, user, chat):
            raise ApiError(status.HTTP_403_FORBIDDEN, "reply_not_allowed")
        parent = reviews.get_comment(db, session_id=chat.id, comment_id=body.parent_id)
        if parent is None:
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "no_comment", id=body.parent_id)
        if body.seq is not None and body.seq != parent.seq:
            raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "reply_turn")
        seq, parent_id = parent.seq, parent.parent_id or parent.id
    row = reviews.add_comment(db, session_id=chat.id, seq=seq, author_id=user.id, text=body.text.strip(),
                              parent_id=parent_id)
    return CommentRead(id=row.id, seq=row.seq, parent_id=row.parent_id, text=row.text, author=user.username,
                       role=user.role, created_at=row.created_at, new=False)


@router.post("/api/sessions/{session_id}/comments/seen", status_code=status.HTTP_204_NO_CONTENT,
             summary="Mark the session's comments read")
def comments_seen(session_id: str, body: CommentsSeen, db: DbDep, user: CurrentUserDep) -> None:
    """The reader has been shown every comment up to `last_id`: none of them is new to them any more."""
    chat = visible_session(db, user, session_id)
    if access.can_reply(db, user, chat):
        reviews.mark_seen(db, user_id=user.id, session_id=chat.id, last_id=body.last_id)


def _turn(db: DbDep, session_id: str, seq: int) -> Turn | None:
    return db.exec(select(Turn).where(Turn.session_id == session_id, Turn.seq == seq)).first()


@router.get("/api/sessions/{session_id}/corrections", summary="Coaches' corrections of labels and scores")
def list_corrections(session_id: str, db: DbDep, user: CurrentUserDep) -> dict[str, list[dict[str, Any]]]:
    """Each correction keeps the automatic value beside it; none are listed for a certification
    attempt whose results HR has not released."""
    chat = visible_session(db, user, session_id)
    if access.result_hidden(db, user, chat):
        return {"labels": [], "scores": []}
    return reviews.list_corrections(db, session_id=session_id)


@router.put("/api/sessions/{session_id}/corrections/labels/{seq}", summary="Correct a line's label")
def correct_label(session_id: str, seq: SeqPath, body: LabelFix, db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    """The coach's label for trainee line `seq`, stored beside the automatic one (which is kept)."""
    chat = correctable_session(db, user, session_id)
    turn = _turn(db, chat.id, seq)
    if turn is None or turn.speaker != "trainee":
        raise ApiError(status.HTTP_422_UNPROCESSABLE_CONTENT, "not_trainee_turn", seq=seq)
    row = reviews.correct_label(db, turn=turn, label=body.label, topic=body.topic, author_id=user.id)
    return {"seq": row.seq, "auto_label": row.auto_label, "auto_topic": row.auto_topic, "label": row.label,
            "topic": row.topic, "author": user.username}


@router.put("/api/sessions/{session_id}/corrections/scores/{dimension}", summary="Correct a dimension's score")
def correct_score(
    session_id: str, dimension: Dimension, body: ScoreFix, db: DbDep, user: CurrentUserDep
) -> dict[str, Any]:
    """The coach's score for one dimension, stored beside the automatic one (which is kept)."""
    chat = correctable_session(db, user, session_id)
    card = repo.get_scorecard(db, session_id=chat.id)
    if card is None:
        raise ApiError(status.HTTP_409_CONFLICT, "no_scorecard_yet")
    row = reviews.correct_score(db, session_id=chat.id, dimension=dimension,
                                auto_score=int(card.data["dimensions"][dimension]), score=body.score,
                                author_id=user.id)
    return {"dimension": row.dimension, "auto_score": row.auto_score, "score": row.score, "author": user.username}


@router.get("/api/calibration", summary="Agreement between automatic and coach labels and scores")
def calibration_report(db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    """Per-label agreement and the confusion (rows: automatic, columns: coach) over every corrected
    session the caller may see; a line the coach left alone counts as agreed."""
    if user.role == "trainee":
        raise ApiError(status.HTTP_403_FORBIDDEN, "reviewers_only")
    pairs, scores, sessions = reviews.calibration_rows(db, owners=access.visible_owner_ids(db, user))
    return calibration.report(pairs, scores, sessions)
