"""HTML pages (Jinja2): the trainee's chat page, in Chinese or English."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import ContextDep

APP_DIR = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=APP_DIR / "templates")
router = APIRouter(include_in_schema=False)
LANGUAGES = ("zh", "en")


@lru_cache
def ui_text() -> dict[str, dict[str, str]]:
    """UI strings per language, from app/static/i18n.json (data, not code)."""
    return json.loads((APP_DIR / "static" / "i18n.json").read_text(encoding="utf-8"))


def page_language(request: Request, default: str) -> str:
    """?lang= wins, then the cookie, then the configured default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang"), default):
        if candidate in LANGUAGES:
            return candidate
    return "zh"


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, ctx: ContextDep) -> Any:
    lang = page_language(request, ctx.settings.default_language)
    response = templates.TemplateResponse(
        request,
        "chat.html",
        {"lang": lang, "t": ui_text()[lang], "ui_text": ui_text()[lang], "threshold_s": ctx.rubric.silence_threshold_s},
    )
    response.set_cookie("lang", lang, samesite="lax")
    return response


@router.get("/personas", response_class=HTMLResponse)
def catalogue_page(request: Request, ctx: ContextDep) -> Any:
    """Every persona card with its motive, concern level, difficulty and language, and a start button."""
    lang = page_language(request, ctx.settings.default_language)
    cards = sorted((c.summary() for c in ctx.personas.values()), key=lambda c: (c["language"] != lang, c["id"]))
    return templates.TemplateResponse(request, "personas.html", {"lang": lang, "t": ui_text()[lang], "cards": cards})
