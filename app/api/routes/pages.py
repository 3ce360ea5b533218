"""HTML pages (Jinja2), in Chinese or English: sign-in, practice chat, catalogue, library, replay.

Pages need a signed-in user (else a redirect to /login); with no account at all, the first
visit goes to /setup to create the admin. Forms carry a CSRF token.
"""

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app.accounts import service
from app.api.deps import COOKIE, ContextDep, DbDep, MaybeSignedInDep, SignedIn
from app.api.routes.auth import set_cookie

APP_DIR = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=APP_DIR / "templates")
router = APIRouter(include_in_schema=False)
LANGUAGES = ("zh", "en")
FORM_CSRF_COOKIE = "peilian_form_csrf"


class SignInRequired(Exception):
    """A page was asked for without a sign-in: the app answers with a redirect."""

    def __init__(self, location: str) -> None:
        self.location = location


def sign_in_redirect(_request: Request, exc: SignInRequired) -> RedirectResponse:
    return RedirectResponse(exc.location, status_code=status.HTTP_303_SEE_OTHER)


@lru_cache
def ui_text() -> dict[str, dict[str, Any]]:
    """UI strings per language, from app/static/i18n.json (data, not code)."""
    return json.loads((APP_DIR / "static" / "i18n.json").read_text(encoding="utf-8"))


def page_language(request: Request, default: str) -> str:
    """?lang= wins, then the cookie, then the configured default."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang"), default):
        if candidate in LANGUAGES:
            return candidate
    return "zh"


def require_page_user(request: Request, db: DbDep, signed_in: MaybeSignedInDep) -> SignedIn:
    if signed_in is not None:
        return signed_in
    if service.count_users(db) == 0:
        raise SignInRequired("/setup")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInRequired(f"/login?next={quote(target)}")


PageUserDep = Annotated[SignedIn, Depends(require_page_user)]


def render(request: Request, ctx: ContextDep, name: str, signed_in: SignedIn | None, **extra: Any) -> Response:
    status_code = extra.pop("status_code", 200)
    lang = page_language(request, ctx.settings.default_language)
    query = dict(request.query_params) | {"lang": "en" if lang == "zh" else "zh"}
    context = {
        "lang": lang,
        "t": ui_text()[lang],
        "me": signed_in.user if signed_in else None,
        "csrf": signed_in.csrf if signed_in else "",
        "switch_query": urlencode(query),
        "threshold_s": ctx.rubric.silence_threshold_s,
        **extra,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.set_cookie("lang", lang, samesite="lax")
    return response


def _safe_next(target: str | None) -> str:
    """Only a path of this site: no open redirect."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_form(request: Request, ctx: ContextDep, *, setup: bool, error: str = "", username: str = "",
                next_url: str = "/", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, ctx, "login.html", None, setup=setup, error=error, username=username,
                      next=next_url, form_csrf=token, status_code=status_code)
    response.set_cookie(FORM_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


def _form_token_ok(request: Request, csrf_token: str) -> bool:
    expected = request.cookies.get(FORM_CSRF_COOKIE)
    return bool(expected) and secrets.compare_digest(expected, csrf_token)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: ContextDep, db: DbDep, next: str = "/") -> Response:  # noqa: A002
    if service.count_users(db) == 0:
        return RedirectResponse("/setup", status_code=status.HTTP_303_SEE_OTHER)
    return _login_form(request, ctx, setup=False, next_url=_safe_next(next))


@router.post("/login")
def login_submit(
    request: Request, ctx: ContextDep, db: DbDep,
    username: Annotated[str, Form()], password: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    t = ui_text()[page_language(request, ctx.settings.default_language)]
    if not _form_token_ok(request, csrf_token):
        return _login_form(request, ctx, setup=False, error=t["form_expired"], username=username,
                           next_url=_safe_next(next), status_code=400)
    user = service.authenticate(db, username=username, password=password)
    if user is None:
        return _login_form(request, ctx, setup=False, error=t["wrong_login"], username=username,
                           next_url=_safe_next(next), status_code=401)
    token, _csrf = service.issue_token(db, user=user)
    response = RedirectResponse(_safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    set_cookie(response, token)
    return response


@router.get("/setup", response_class=HTMLResponse)
def setup_page(request: Request, ctx: ContextDep, db: DbDep) -> Response:
    if service.count_users(db) > 0:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    return _login_form(request, ctx, setup=True)


@router.post("/setup")
def setup_submit(
    request: Request, ctx: ContextDep, db: DbDep,
    username: Annotated[str, Form()], password: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
) -> Response:
    if service.count_users(db) > 0:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    t = ui_text()[page_language(request, ctx.settings.default_language)]
    if not _form_token_ok(request, csrf_token):
        return _login_form(request, ctx, setup=True, error=t["form_expired"], username=username, status_code=400)
    try:
        user = service.create_user(db, username=username, password=password, role="admin")
    except service.AccountError as exc:
        return _login_form(request, ctx, setup=True, error=str(exc), username=username, status_code=422)
    token, _csrf = service.issue_token(db, user=user)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    set_cookie(response, token)
    return response


@router.post("/logout")
def logout_submit(request: Request, db: DbDep, signed_in: MaybeSignedInDep,
                  csrf_token: Annotated[str, Form()] = "") -> Response:
    if signed_in is not None and secrets.compare_digest(signed_in.csrf, csrf_token):
        service.revoke_token(db, token=signed_in.token)
    elif signed_in is not None:
        return Response("the form has expired; reload the page and sign out again", status_code=400)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, ctx: ContextDep, signed_in: PageUserDep) -> Response:
    return render(request, ctx, "chat.html", signed_in)


@router.get("/personas", response_class=HTMLResponse)
def catalogue_page(request: Request, ctx: ContextDep, signed_in: PageUserDep) -> Response:
    """Every persona card with its motive, concern level, difficulty and language, and a start button."""
    lang = page_language(request, ctx.settings.default_language)
    cards = sorted((c.summary() for c in ctx.personas.values()), key=lambda c: (c["language"] != lang, c["id"]))
    return render(request, ctx, "personas.html", signed_in, cards=cards)
