"""GET /api/personas: the shipped persona cards, public side only."""

from typing import Any

from fastapi import APIRouter

from app.api.deps import ContextDep, CurrentUserDep

router = APIRouter(prefix="/api/personas", tags=["personas"])


@router.get("", summary="List the persona cards")
def list_personas(ctx: ContextDep, _user: CurrentUserDep) -> list[dict[str, Any]]:
    """Every card's public fields (id, name, language, motive, concern level, difficulty, brief)."""
    return [card.summary() for card in ctx.personas.values()]
