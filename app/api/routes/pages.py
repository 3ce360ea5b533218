"""HTML pages (Jinja2), in Chinese or English: sign-in, password change, practice chat, catalogue,
library, replay.

Pages need a signed-in user (else a redirect to /login); with no account at all, the first
visit goes to /setup to create the admin; a user with a one-time password is sent to /password
until they have changed it. Forms carry a CSRF token.
"""

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import col, select

from app import calibration
from app.accounts import access, service
from app.accounts.signin import SignInRefused, check_password
from app.api.deps import COOKIE, ContextDep, DbDep, MaybeSignedInDep, SignedIn, cookie_secure
from app.api.errors import one_language
from app.api.routes.auth import client_of, limits, set_cookie
from app.core.headers import csp_nonce
from app.core.i18n import LANGUAGES, choose_language, strings
from app.storage import library, persona_cards, repo, reviews
from app.storage.models import ChatSession, User
from app.transcripts import load_transcript, with_figures
from scoring.models import LABELS

APP_DIR = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=APP_DIR / "templates")
router = APIRouter(include_in_schema=False)
FORM_CSRF_COOKIE = "peilian_form_csrf"


class SignInRequired(Exception):
    """A page was asked for without a sign-in: the app answers with a redirect."""

    def __init__(self, location: str) -> None:
        self.location = location


def sign_in_redirect(_request: Request, exc: SignInRequired) -> RedirectResponse:
    return RedirectResponse(exc.location, status_code=status.HTTP_303_SEE_OTHER)


def page_language(request: Request, default: str) -> str:
    """?lang= wins, then the cookie (the last choice), then the browser's Accept-Language, then the
    configured default."""
    return choose_language((request.query_params.get("lang"), request.cookies.get("lang")),
                           request.headers.get("accept-language"), default)


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def require_page_user(request: Request, db: DbDep, signed_in: MaybeSignedInDep) -> SignedIn:
    # A language asked for in the link (?lang=) holds on the sign-in page it leads to.
    asked = request.query_params.get("lang")
    lang = f"&lang={asked}" if asked in LANGUAGES else ""
    if signed_in is not None:
        if signed_in.user.must_change_password:
            raise SignInRequired(f"/password?next={quote(_here(request))}{lang}")
        return signed_in
    if service.count_users(db) == 0:
        raise SignInRequired(f"/setup{lang.replace('&', '?')}")
    raise SignInRequired(f"/login?next={quote(_here(request))}{lang}")


PageUserDep = Annotated[SignedIn, Depends(require_page_user)]


def render(request: Request, ctx: ContextDep, name: str, signed_in: SignedIn | None, **extra: Any) -> Response:
    status_code = extra.pop("status_code", 200)
    lang = page_language(request, ctx.settings.default_language)
    query = dict(request.query_params) | {"lang": "en" if lang == "zh" else "zh"}
    context = {
        "lang": lang,
        "t": strings(lang),
        "me": signed_in.user if signed_in else None,
        "csrf": signed_in.csrf if signed_in else "",
        "switch_query": urlencode(query),
        "threshold_s": ctx.rubric.silence_threshold_s,
        "max_message_chars": ctx.settings.max_message_chars,
        "csp_nonce": csp_nonce(request.state),
        **extra,
    }
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.set_cookie("lang", lang, samesite="lax", secure=cookie_secure(request, ctx.settings))
    return response


def _safe_next(target: str | None) -> str:
    """Only a path of this site: no open redirect."""
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_form(request: Request, ctx: ContextDep, *, setup: bool, error: str = "", username: str = "",
                next_url: str = "/", status_code: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, ctx, "login.html", None, setup=setup, error=error, username=username,
                      next=next_url, form_csrf=token, status_code=status_code)
    response.set_cookie(FORM_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=cookie_secure(request, ctx.settings))
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
    t = strings(page_language(request, ctx.settings.default_language))
    if not _form_token_ok(request, csrf_token):
        return _login_form(request, ctx, setup=False, error=t["form_expired"], username=username,
                           next_url=_safe_next(next), status_code=400)
    try:
        user = check_password(db, username=username, password=password, client=client_of(request),
                              now=ctx.clock.now(), limits=limits(ctx))
    except SignInRefused as exc:
        error = {"wrong": t["wrong_login"], "inactive": t["account_inactive"]}.get(exc.reason) \
            or t["too_many_logins"].format(minutes=exc.minutes)
        return _login_form(request, ctx, setup=False, error=error, username=username, next_url=_safe_next(next),
                           status_code={"wrong": 401, "inactive": 403}.get(exc.reason, 429))
    token, _csrf = service.issue_token(db, user=user)
    target = _safe_next(next)
    if user.must_change_password:
        target = f"/password?next={quote(target)}"
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    set_cookie(response, token, secure=cookie_secure(request, ctx.settings))
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
    t = strings(page_language(request, ctx.settings.default_language))
    if not _form_token_ok(request, csrf_token):
        return _login_form(request, ctx, setup=True, error=t["form_expired"], username=username, status_code=400)
    try:
        user = service.create_first_admin(db, username=username, password=password)
    except service.AccountError as exc:
        if service.count_users(db) > 0:  # another setup won the race
            return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
        error = one_language(str(exc), page_language(request, ctx.settings.default_language))
        return _login_form(request, ctx, setup=True, error=error, username=username, status_code=422)
    token, _csrf = service.issue_token(db, user=user)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    set_cookie(response, token, secure=cookie_secure(request, ctx.settings))
    return response


def _password_form(request: Request, ctx: ContextDep, signed_in: SignedIn, *, next_url: str, error: str = "",
                   status_code: int = 200) -> Response:
    return render(request, ctx, "password.html", signed_in, error=error, next=next_url, status_code=status_code,
                  forced=signed_in.user.must_change_password)


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, ctx: ContextDep, signed_in: MaybeSignedInDep, next: str = "/") -> Response:  # noqa: A002
    """Change one's password; the only page a user with a one-time password may open."""
    if signed_in is None:
        return RedirectResponse(f"/login?next={quote(_here(request))}", status_code=status.HTTP_303_SEE_OTHER)
    return _password_form(request, ctx, signed_in, next_url=_safe_next(next))


@router.post("/password")
def password_submit(
    request: Request, ctx: ContextDep, db: DbDep, signed_in: MaybeSignedInDep,
    current_password: Annotated[str, Form()], new_password: Annotated[str, Form()],
    confirm_password: Annotated[str, Form()], csrf_token: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",  # noqa: A002
) -> Response:
    if signed_in is None:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    t = strings(page_language(request, ctx.settings.default_language))
    next_url = _safe_next(next)
    if not secrets.compare_digest(signed_in.csrf, csrf_token):
        return _password_form(request, ctx, signed_in, next_url=next_url, error=t["form_expired"], status_code=400)
    if new_password != confirm_password:
        return _password_form(request, ctx, signed_in, next_url=next_url, error=t["password_page"]["mismatch"],
                              status_code=422)
    try:
        check_password(db, username=signed_in.user.username, password=current_password, client=client_of(request),
                       now=ctx.clock.now(), limits=limits(ctx))
    except SignInRefused as exc:
        error = t["password_page"]["wrong_current"] if exc.reason == "wrong" \
            else t["too_many_logins"].format(minutes=exc.minutes)
        return _password_form(request, ctx, signed_in, next_url=next_url, error=error,
                              status_code=403 if exc.reason == "wrong" else 429)
    try:
        service.change_password(db, user=signed_in.user, new_password=new_password, keep_token=signed_in.token)
    except service.AccountError as exc:
        return _password_form(request, ctx, signed_in, next_url=next_url,
                              error=one_language(str(exc), page_language(request, ctx.settings.default_language)),
                              status_code=422)
    return RedirectResponse(next_url, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/logout")
def logout_submit(request: Request, ctx: ContextDep, db: DbDep, signed_in: MaybeSignedInDep,
                  csrf_token: Annotated[str, Form()] = "") -> Response:
    if signed_in is not None and secrets.compare_digest(signed_in.csrf, csrf_token):
        service.revoke_token(db, token=signed_in.token)
    elif signed_in is not None:
        return Response("the form has expired; reload the page and sign out again", status_code=400)
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/", secure=cookie_secure(request, ctx.settings), httponly=True)
    return response


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page links: answer with the icon, not a 404."""
    return FileResponse(APP_DIR / "static" / "favicon.ico", media_type="image/x-icon",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/", response_class=HTMLResponse)
def chat_page(request: Request, ctx: ContextDep, signed_in: PageUserDep) -> Response:
    return render(request, ctx, "chat.html", signed_in)


@router.get("/practice/{session_id}", response_class=HTMLResponse)
def practice_page(session_id: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """One practice session's own address: a reload, Back/Forward or the language switch come back
    to it, with the conversation so far (or its scorecard once it has ended). Only its trainee opens it."""
    chat = repo.get_session(db, session_id=session_id)
    if chat is None or chat.user_id != signed_in.user.id or chat.mode != "practice":
        return _error_page(request, ctx, signed_in, 404)
    return render(request, ctx, "chat.html", signed_in, session_id=chat.id)


@router.get("/personas", response_class=HTMLResponse)
def catalogue_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """Every persona card the user may practise (shipped, and published built ones) with its motive,
    concern level, difficulty and language, and a start button; coaches and admins also get the cards
    they build, to edit."""
    lang = page_language(request, ctx.settings.default_language)
    cards = sorted(persona_cards.summaries(db, ctx.personas, signed_in.user),
                   key=lambda c: (c["language"] != lang, c["id"]))
    return render(request, ctx, "personas.html", signed_in, cards=cards,
                  editable=[row.id for row in persona_cards.editable(db, signed_in.user)])


# ---- review pages: the session library, replay, printable transcript, calibration report ----

LIBRARY_SORTS = ("created_at", "overall", "trainee", "persona")
NAME_SORTS = ("trainee", "persona")  # sorted A→Z first; dates and scores newest/highest first


def _error_page(request: Request, ctx: ContextDep, signed_in: SignedIn, status_code: int) -> Response:
    t = strings(page_language(request, ctx.settings.default_language))
    key = "not_found" if status_code == 404 else "forbidden"
    return render(request, ctx, "error.html", signed_in, status_code=status_code,
                  heading=t["error_page"][key], message=t["error_page"][f"{key}_hint"])


def _int_param(raw: str | None, low: int, high: int) -> int | None:
    try:
        value = int(raw) if raw not in (None, "") else None
    except ValueError:
        return None
    return value if value is not None and low <= value <= high else None


def _date_param(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LibraryFilters:
    """The library's query string, checked: a bad value is dropped, never an error page."""

    trainee: str = ""
    persona: str = ""
    date_from: date | None = None
    date_to: date | None = None
    score_min: int | None = None
    score_max: int | None = None
    passed: str = ""  # "", "yes", "no"
    sort: str = "created_at"
    order: str = "desc"
    page: int = 1
    page_size: int = 20

    @classmethod
    def parse(cls, params: Any, *, trainee_allowed: bool) -> "LibraryFilters":
        sort = params.get("sort") if params.get("sort") in LIBRARY_SORTS else "created_at"
        return cls(
            trainee=(params.get("trainee") or "").strip() if trainee_allowed else "",
            persona=(params.get("persona") or "").strip(),
            date_from=_date_param(params.get("date_from")),
            date_to=_date_param(params.get("date_to")),
            score_min=_int_param(params.get("score_min"), 0, 100),
            score_max=_int_param(params.get("score_max"), 0, 100),
            passed=params.get("passed") if params.get("passed") in ("yes", "no") else "",
            sort=sort,
            order=params.get("order") if params.get("order") in ("asc", "desc") else "desc",
            page=_int_param(params.get("page"), 1, 1_000_000) or 1,
            page_size=_int_param(params.get("page_size"), 1, 100) or 20,
        )

    def query(self, owners: set[int] | None, *, hide_unreleased: bool) -> library.LibraryQuery:
        return library.LibraryQuery(
            owners=owners, hide_unreleased=hide_unreleased, trainee=self.trainee or None, persona=self.persona or None,
            date_from=datetime.combine(self.date_from, time.min, timezone.utc) if self.date_from else None,
            date_to=datetime.combine(self.date_to, time.max, timezone.utc) if self.date_to else None,  # whole day
            score_min=self.score_min, score_max=self.score_max,
            passed={"yes": True, "no": False}.get(self.passed), sort=self.sort,  # type: ignore[arg-type]
            order=self.order, page=self.page, page_size=self.page_size,  # type: ignore[arg-type]
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The non-empty parameters, with `changes` applied: for sort links and pagination."""
        values = {
            "trainee": self.trainee, "persona": self.persona,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "score_min": self.score_min, "score_max": self.score_max, "passed": self.passed,
            "sort": self.sort, "order": self.order, "page": self.page,
            "page_size": self.page_size if self.page_size != 20 else "",
        } | changes
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


def _visible_trainees(db: DbDep, owners: set[int] | None) -> list[str]:
    """User names the trainee filter may offer: the coach's trainees, or every trainee for HR and admin."""
    stmt = select(User.username).where(User.role == "trainee").order_by(User.username)
    if owners is not None:
        stmt = stmt.where(col(User.id).in_(owners or {-1}))
    return list(db.exec(stmt))


@router.get("/sessions", response_class=HTMLResponse)
def library_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """The session library: filters in the query string (a reload keeps them), sortable columns, pages."""
    user = signed_in.user
    is_trainee = user.role == "trainee"
    filters = LibraryFilters.parse(request.query_params, trainee_allowed=not is_trainee)
    owners = access.visible_owner_ids(db, user)
    items, total = library.list_sessions(db, filters.query(owners, hide_unreleased=not access.sees_unreleased(user)))
    pages = max(1, -(-total // filters.page_size))
    lang = page_language(request, ctx.settings.default_language)
    personas = sorted(persona_cards.summaries(db, ctx.personas, user), key=lambda c: (c["language"] != lang, c["id"]))

    def link(**changes: Any) -> str:
        return "/sessions?" + urlencode(filters.params(**changes) | {"lang": lang})

    sort_links = {}
    for key in LIBRARY_SORTS:
        if filters.sort == key:
            order = "asc" if filters.order == "desc" else "desc"
        else:
            order = "asc" if key in NAME_SORTS else "desc"
        sort_links[key] = link(sort=key, order=order, page=1)
    # Everyone but HR may reply on every session they see (access.can_reply): for them, what is new.
    new_comments = {} if user.role == "hr" else reviews.new_comment_counts(
        db, reader_id=user.id, session_ids=[item["id"] for item in items])
    return render(
        request, ctx, "library.html", signed_in, filters=filters, items=items, total=total, pages=pages,
        new_comments=new_comments,
        personas=personas, persona_names={c["id"]: c["name"] for c in personas},
        persona_languages={c["id"]: c["language"] for c in personas}, show_trainee=not is_trainee,
        trainees=_visible_trainees(db, owners) if not is_trainee else [], sort_links=sort_links,
        prev_link=link(page=filters.page - 1) if filters.page > 1 else None,
        next_link=link(page=filters.page + 1) if filters.page < pages else None,
    )


def _visible_chat(db: DbDep, user: User, session_id: str) -> ChatSession | None:
    chat = repo.get_session(db, session_id=session_id)
    return chat if chat is not None and access.can_see(db, user, chat) else None


def _session_header(ctx: ContextDep, db: DbDep, user: User, chat: ChatSession) -> dict[str, Any]:
    """Who, which customer, and how it went; how it went stays out while HR has not released
    a certification attempt's results (`unreleased`)."""
    owner = db.get(User, chat.user_id) if chat.user_id else None
    card = persona_cards.card_for_session(db, ctx.personas, chat)
    unreleased = access.result_hidden(db, user, chat)
    scorecard = None if unreleased else repo.get_scorecard(db, session_id=chat.id)
    return {
        "chat": chat,
        "trainee": owner.username if owner else None,
        "persona": card.summary() if card else None,
        "unreleased": unreleased,
        "scorecard": with_figures(db, session_id=chat.id, card=scorecard.data) if scorecard else None,
        "overall": scorecard.overall if scorecard else None,
        "passed": scorecard.passed if scorecard else None,
    }


@router.get("/sessions/{session_id}/replay", response_class=HTMLResponse)
def replay_page(session_id: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """The replay with real timing, the timeline of silences, labels, scorecard, trend and comments.

    The page is a shell; static/replay.js reads the session's JSON APIs."""
    chat = _visible_chat(db, signed_in.user, session_id)
    if chat is None:
        return _error_page(request, ctx, signed_in, 404)
    header = _session_header(ctx, db, signed_in.user, chat)
    can_retry = chat.user_id == signed_in.user.id and chat.mode == "practice" and header["scorecard"] is not None
    return render(request, ctx, "replay.html", signed_in, can_annotate=access.can_annotate(db, signed_in.user, chat),
                  can_retry=can_retry, can_reply=access.can_reply(db, signed_in.user, chat), **header)


def _clock(seconds: float | None) -> str:
    """mm:ss.s as the replay's clock shows it (ties round up, as JavaScript's toFixed does)."""
    if seconds is None:
        return ""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    tenths = Decimal(rest).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if tenths >= 60:
        minutes, tenths = minutes + 1, tenths - 60
    return f"{int(minutes):02d}:{tenths:04}"


def _silence_marks(card: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    """Each trainee line's silences as the replay shows them (static/replay.js computeMarks): the
    grader's verdicts and figures."""
    norm = card["silence"]["threshold_s"]
    marks: dict[int, list[dict[str, Any]]] = {}
    for q in card.get("question_pauses", []):
        if q["verdict"]:
            marks.setdefault(q["seq"], []).append({"kind": f"question_{q['verdict']}", "cls": q["verdict"],
                                                    "s": f"{q['shown_s']:.1f}", "norm": f"{norm:g}"})
    for p in card.get("pauses", []):
        kind = "answer_held" if p["held"] else "answer_missed"
        marks.setdefault(p["seq"], []).append({"kind": kind, "cls": "held" if p["held"] else "missed",
                                                "s": f"{p['shown_s']:.1f}", "norm": f"{norm:g}"})
    return marks


@router.get("/sessions/{session_id}/print", response_class=HTMLResponse)
def print_page(session_id: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """The session on paper: transcript with labels, scorecard with its points, comments. No script."""
    chat = _visible_chat(db, signed_in.user, session_id)
    if chat is None:
        return _error_page(request, ctx, signed_in, 404)
    header = _session_header(ctx, db, signed_in.user, chat)
    transcript = load_transcript(db, session_id=chat.id) or {"turns": []}
    card = header["scorecard"] or {}
    corrections = {"labels": [], "scores": []} if header["unreleased"] else reviews.list_corrections(db, session_id=chat.id)
    # Each reply right under its comment.
    comments = sorted(reviews.list_comments(db, session_id=chat.id), key=lambda c: (c["parent_id"] or c["id"], c["id"]))
    turns = []
    for turn in transcript["turns"]:
        at = turn.get("sent_at") if turn["speaker"] == "trainee" else turn.get("started_at")
        turns.append(turn | {"clock": _clock(at)})
    return render(
        request, ctx, "print.html", signed_in, turns=turns,
        labels={t["seq"]: t for t in card.get("turns", [])},
        fixes={c["seq"]: c for c in corrections["labels"]},
        score_fixes={c["dimension"]: c for c in corrections["scores"]},
        points=card.get("points", []),
        silences=_silence_marks(card) if card else {},
        turn_comments={seq: [c for c in comments if c["seq"] == seq]
                       for seq in {c["seq"] for c in comments} if seq is not None},
        session_comments=[c for c in comments if c["seq"] is None],
        **header,
    )


@router.get("/calibration", response_class=HTMLResponse)
def calibration_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """How far coaches agree with the automatic labels and scores (coaches, HR and admins only)."""
    if signed_in.user.role == "trainee":
        return _error_page(request, ctx, signed_in, 403)
    pairs, scores, sessions = reviews.calibration_rows(db, owners=access.visible_owner_ids(db, signed_in.user))
    report = calibration.report(pairs, scores, sessions)
    return render(request, ctx, "calibration.html", signed_in, report=report, label_names=list(LABELS))
