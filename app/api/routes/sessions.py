"""Practice sessions over REST (DESIGN 4.2): start one, read its transcript and scorecard."""

import secrets
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from app.api.deps import ContextDep, DbDep
from app.engine.state import initial_state
from app.storage import repo
from app.transcripts import load_transcript

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


class SessionCreate(BaseModel):
    persona_id: str = Field(min_length=1, description="id of a card from GET /api/personas")


class SessionCreated(BaseModel):
    id: str
    ws_url: str


class SessionRead(BaseModel):
    id: str
    persona_id: str
    language: str
    status: str
    persona: dict[str, Any]


def _session_or_404(db: DbDep, session_id: str) -> Any:
    chat = repo.get_session(db, session_id=session_id)
    if chat is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such session")
    return chat


@router.post("", status_code=status.HTTP_201_CREATED, summary="Start a practice session")
def create_session(body: SessionCreate, ctx: ContextDep, db: DbDep) -> SessionCreated:
    """Create a session with the chosen persona; connect to `ws_url` to talk."""
    card = ctx.personas.get(body.persona_id)
    if card is None:
        known = ", ".join(sorted(ctx.personas))
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail=f"no persona {body.persona_id!r}; known personas: {known}"
        )
    seed = secrets.randbelow(1_000_000)
    chat = repo.create_session(
        db, persona_id=card.id, language=card.language, engine_state=initial_state(card, seed).to_json()
    )
    return SessionCreated(id=chat.id, ws_url=f"/ws/sessions/{chat.id}")


@router.get("/{session_id}", summary="A session and its persona's public card")
def read_session(session_id: str, ctx: ContextDep, db: DbDep) -> SessionRead:
    chat = _session_or_404(db, session_id)
    card = ctx.personas.get(chat.persona_id)
    return SessionRead(
        id=chat.id,
        persona_id=chat.persona_id,
        language=chat.language,
        status=chat.status,
        persona=card.summary() if card else {},
    )


@router.get("/{session_id}/transcript", summary="The transcript JSON (DESIGN 4.1)")
def read_transcript(session_id: str, db: DbDep) -> dict[str, Any]:
    transcript = load_transcript(db, session_id=session_id)
    if transcript is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="no such session")
    return transcript


@router.get("/{session_id}/scorecard", summary="The scorecard JSON (DESIGN 4.1b)")
def read_scorecard(session_id: str, db: DbDep) -> dict[str, Any]:
    chat = _session_or_404(db, session_id)
    card = repo.get_scorecard(db, session_id=chat.id)
    if card is None:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="the session has not ended yet; no scorecard")
    return card.data
