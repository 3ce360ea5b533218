"""Practice sessions over REST (DESIGN 4.2): start, list, read, import; transcript and scorecard.

A session the caller may not see answers 404, exactly like one that does not exist.
"""

import secrets
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field, ValidationError

from app.accounts import access
from app.accounts.service import get_user
from app.api.deps import ContextDep, CurrentUserDep, DbDep
from app.api.errors import ApiError
from app.core.context import AppContext
from app.core.i18n import strings
from app.engine.personas import PersonaCard
from app.engine.state import initial_state
from app import retry
from app.fact_recap import fact_recap
from app.import_checks import ImportProblem, first_problem
from app.storage import library, persona_cards, repo
from app.storage.models import MAX_SEQ, ChatSession, PersonaCardRow, User, half_spoken
from app.transcripts import import_transcript, load_transcript, with_figures
from scoring import Transcript

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


class SessionCreate(BaseModel):
    persona_id: str = Field(min_length=1, max_length=100, description="id of a card from GET /api/personas")
    version: int | None = Field(None, ge=1, le=2**31 - 1, description=(
        "a built card's version number (default: its latest published one); its editors may play a draft"))


class SessionCreated(BaseModel):
    id: str
    ws_url: str


class RetryOf(BaseModel):
    session_id: str
    seq: int


class SessionRead(BaseModel):
    id: str
    persona_id: str
    language: str
    status: str
    mode: str
    trainee: str | None
    created_at: datetime
    persona: dict[str, Any]
    retry_of: RetryOf | None = None
    scored: bool = Field(description="a scorecard exists (an ended practice with no trainee line has none)")


class RetryCreate(BaseModel):
    seq: int = Field(ge=1, le=MAX_SEQ, description="the trainee turn to practise again")


class RetryCreated(SessionCreated):
    retry_of: RetryOf


class SessionItem(BaseModel):
    id: str
    persona_id: str
    trainee: str | None
    language: str
    mode: str
    status: str
    created_at: datetime
    ended_at: datetime | None
    overall: int | None
    passed: bool | None
    continue_url: str | None = Field(None, description="the caller's own open practice: where to pick it up")


class SessionPage(BaseModel):
    items: list[SessionItem]
    total: int
    page: int
    page_size: int


class Imported(BaseModel):
    id: str
    scorecard: dict[str, Any]


def visible_session(db: DbDep, user: User, session_id: str) -> ChatSession:
    """The session, if this user may see it; otherwise 404 (its existence is not revealed)."""
    chat = repo.get_session(db, session_id=session_id)
    if chat is None or not access.can_see(db, user, chat):
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_session")
    return chat


@router.post("", status_code=status.HTTP_201_CREATED, summary="Start a practice session")
def create_session(body: SessionCreate, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> SessionCreated:
    """Create a session with the chosen persona for the signed-in user; connect to `ws_url` to talk."""
    card, version_id = _card_to_play(ctx, db, user, body)
    state = initial_state(card, secrets.randbelow(1_000_000))
    chat = repo.create_session(db, persona_id=card.id, language=card.language, engine_state=state.to_json(),
                               user_id=user.id, opened_at=ctx.clock.now(), persona_version_id=version_id)
    return SessionCreated(id=chat.id, ws_url=f"/ws/sessions/{chat.id}")


def _card_to_play(ctx: AppContext, db: DbDep, user: User, body: SessionCreate) -> tuple[PersonaCard, int | None]:
    """A shipped card, or a built card's latest published version; those who edit a card may play
    any version of it, a draft included (to try it before publishing)."""
    if body.version is None and body.persona_id in ctx.personas:
        return ctx.personas[body.persona_id], None
    row = db.get(PersonaCardRow, body.persona_id)
    version = None
    if row is not None and persona_cards.may_see(db, user, row):
        if body.version is None:
            version = persona_cards.latest(db, row.id, published=True)
        else:
            version = persona_cards.version(db, row.id, body.version)
            if version is not None and version.status != "published" and not persona_cards.may_edit(user, row):
                version = None
    card = persona_cards.card_from_data(version.data) if version is not None else None
    if version is None or card is None:
        known = ", ".join(sorted(ctx.personas))
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_persona", persona=repr(body.persona_id), known=known)
    return card, version.id


def continue_url(item: dict[str, Any], user: User) -> str | None:
    """An open practice of the caller's own can be picked up where it was left."""
    mine = item["user_id"] == user.id and item["mode"] == "practice" and item["status"] != "ended"
    return f"/practice/{item['id']}" if mine else None


@router.get("", summary="The session library: filter, sort, paginate")
def list_sessions(
    db: DbDep,
    user: CurrentUserDep,
    trainee: str | None = Query(None, description="user name of the trainee"),
    persona: str | None = Query(None, description="persona card id"),
    date_from: datetime | None = Query(None, description="sessions started at or after (ISO 8601)"),
    date_to: datetime | None = Query(None, description="sessions started at or before (ISO 8601)"),
    score_min: int | None = Query(None, ge=0, le=100),
    score_max: int | None = Query(None, ge=0, le=100),
    passed: bool | None = Query(None),
    mode: str | None = Query(None, description="practice, certification or imported"),
    sort: Literal["created_at", "overall", "trainee", "persona"] = "created_at",
    order: Literal["asc", "desc"] = "desc",
    page: int = Query(1, ge=1, le=100_000),
    page_size: int = Query(20, ge=1, le=100),
) -> SessionPage:
    """Sessions the caller may see: their own (trainee), their trainees' (coach), or all (HR, admin).

    A certification attempt HR has not released has no score and no pass here, and score or
    pass filters and the score sort treat it as unscored (HR and admins see it as it is)."""
    query = library.LibraryQuery(
        owners=access.visible_owner_ids(db, user), trainee=trainee, persona=persona, date_from=date_from,
        date_to=date_to, score_min=score_min, score_max=score_max, passed=passed, mode=mode,
        hide_unreleased=not access.sees_unreleased(user), sort=sort, order=order, page=page, page_size=page_size,
    )
    items, total = library.list_sessions(db, query)
    return SessionPage(items=[SessionItem(**item, continue_url=continue_url(item, user)) for item in items],
                       total=total, page=page, page_size=page_size)


@router.post("/import", status_code=status.HTTP_201_CREATED, summary="Import and grade a transcript")
def import_session(
    body: dict[str, Any], ctx: ContextDep, db: DbDep, user: CurrentUserDep,
    trainee: str | None = Query(None, description="file it under this trainee (a coach's own trainee)"),
) -> Imported:
    """Store a transcript JSON (DESIGN 4.1) recorded elsewhere, e.g. a role-play between two people,
    and grade it. A transcript that cannot be stored as it is (repeated or huge turn numbers,
    times that are not finite seconds, NUL characters) gets 422 naming the field, and nothing is stored."""
    try:
        transcript = Transcript.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        zh = strings("zh")["import_errors"]["invalid"]
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=f"{where}: {zh} / {first['msg']}") from exc
    problem = first_problem(transcript)
    if problem is not None:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=import_message(problem))
    owner = user
    if trainee and trainee != user.username:
        owner = get_user(db, username=trainee)
        owners = access.visible_owner_ids(db, user)
        if owner is None or (owners is not None and owner.id not in owners):
            raise ApiError(status.HTTP_404_NOT_FOUND, "no_trainee", trainee=repr(trainee))
    card = ctx.personas.get(transcript.persona_id or "")
    chat, scorecard = import_transcript(db, transcript=transcript, owner_id=owner.id, rubric=ctx.rubric,
                                        hints=card.grading_hints() if card else None)
    return Imported(id=chat.id, scorecard=scorecard)


def import_message(problem: ImportProblem) -> str:
    """`where: 中文 / English`: the import is used from scripts and pages in either language."""
    zh, en = (strings(lang)["import_errors"][problem.code].format(**problem.params) for lang in ("zh", "en"))
    return f"{problem.where}: {zh} / {en}"


@router.get("/{session_id}", summary="A session and its persona's public card")
def read_session(session_id: str, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> SessionRead:
    chat = visible_session(db, user, session_id)
    card = persona_cards.card_for_session(db, ctx.personas, chat)
    owner = db.get(User, chat.user_id) if chat.user_id else None
    return SessionRead(
        id=chat.id, persona_id=chat.persona_id, language=chat.language, status=chat.status, mode=chat.mode,
        trainee=owner.username if owner else None, created_at=chat.created_at,
        persona=card.summary() if card else {},
        retry_of=RetryOf(session_id=chat.retry_of_session, seq=chat.retry_of_seq or 0) if chat.retry_of_session else None,
        scored=repo.get_scorecard(db, session_id=chat.id) is not None,
    )


@router.post("/{session_id}/retry", status_code=status.HTTP_201_CREATED, summary="Practise one turn again")
def retry_turn(session_id: str, body: RetryCreate, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> RetryCreated:
    """Start a new practice session of the same persona and seed, with the customer as it was just
    before trainee turn `seq`: its transcript starts with the earlier turns and names where they came
    from (`retry_of`). Only the trainee of a practice session retries its turns."""
    chat = visible_session(db, user, session_id)
    if chat.user_id != user.id:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="只有练习这场对话的学员可以重练其中的一轮 / only the trainee of this session can retry its turns")
    card = persona_cards.card_for_session(db, ctx.personas, chat)
    if chat.mode != "practice" or card is None:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail="只能重练本系统中的练习对话 / only practice sessions played here can be retried")
    transcript = load_transcript(db, session_id=chat.id)
    assert transcript is not None
    line = next((t for t in transcript["turns"] if t["seq"] == body.seq), None)
    if line is None or line["speaker"] != "trainee":
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            detail=f"seq: 第 {body.seq} 轮不是学员的发言 / turn {body.seq} is not a trainee line")
    try:
        state = retry.state_before(card, int(chat.engine_state.get("seed", 0)), transcript["turns"], body.seq,
                                   ctx.renderer)
    except retry.CannotRestore as exc:
        raise HTTPException(status.HTTP_409_CONFLICT,
                            detail=f"无法还原这一轮之前的对话状态 / cannot restore the conversation before this turn: {exc}"
                            ) from exc
    earlier = [t for t in repo.list_turns(db, session_id=chat.id) if t.seq < body.seq and not half_spoken(t)]
    new = repo.create_retry(db, source=chat, seq=body.seq, engine_state=state.to_json(), earlier=earlier,
                            opened_at=ctx.clock.now())
    return RetryCreated(id=new.id, ws_url=f"/ws/sessions/{new.id}", retry_of=RetryOf(session_id=chat.id, seq=body.seq))


@router.get("/{session_id}/transcript", summary="The transcript JSON (DESIGN 4.1)")
def read_transcript(session_id: str, db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    """Customer turns carry `acts`, the engine's decisions, except in a certification attempt
    whose results HR has not released: those say how the attempt went (concern eased,
    commitment granted)."""
    chat = visible_session(db, user, session_id)
    transcript = load_transcript(db, session_id=session_id)
    assert transcript is not None
    if access.result_hidden(db, user, chat):
        for turn in transcript["turns"]:
            turn.pop("acts", None)
    return transcript


UNRELEASED = "认证成绩在 HR 发布后才能查看 / certification results are shown once HR releases them"


@router.get("/{session_id}/scorecard", summary="The scorecard JSON (DESIGN 4.1b)")
def read_scorecard(session_id: str, db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    """403 for a certification attempt whose results HR has not released yet."""
    chat = visible_session(db, user, session_id)
    if access.result_hidden(db, user, chat):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=UNRELEASED)
    card = repo.get_scorecard(db, session_id=chat.id)
    if card is None:
        if chat.status == "ended":
            raise HTTPException(status.HTTP_409_CONFLICT,
                                detail="学员未发言，本次练习不评分 / the trainee said nothing; this session has no scorecard")
        raise ApiError(status.HTTP_409_CONFLICT, "not_ended")
    return with_figures(db, session_id=chat.id, card=card.data)


@router.get("/{session_id}/facts", summary="Which of the customer's facts the trainee uncovered")
def read_fact_recap(session_id: str, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    """Once the session has ended: the facts uncovered out of the card's, by subject (app/fact_recap.py).
    403 for a certification attempt whose results HR has not released; 404 when the session's
    persona is not a card of this server (an imported transcript)."""
    chat = visible_session(db, user, session_id)
    if access.result_hidden(db, user, chat):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=UNRELEASED)
    if chat.status != "ended":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="会话尚未结束 / the session has not ended yet")
    card = persona_cards.card_for_session(db, ctx.personas, chat)
    if card is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            detail=f"没有这位客户的档案 / no persona card {chat.persona_id!r} on this server")
    transcript = load_transcript(db, session_id=session_id)
    assert transcript is not None
    return {"session_id": chat.id, "persona_id": card.id, **fact_recap(card, transcript["turns"])}


@router.get("/{session_id}/trend", summary="The trainee's scores across their sessions")
def read_trend(session_id: str, db: DbDep, user: CurrentUserDep) -> list[dict[str, Any]]:
    """Every scored session of this session's trainee, oldest first (for the replay's trend chart)."""
    chat = visible_session(db, user, session_id)
    points = library.trend(db, user_id=chat.user_id) if chat.user_id else []
    shown = access.sees_unreleased(user)
    return [{k: v for k, v in p.items() if k != "hidden_result"} for p in points if shown or not p["hidden_result"]]
