"""HTML pages of HR certifications: manage (HR), take (candidates), certificate and public verification.

The HR pages and the candidate list are shells: static/cert_admin.js and static/cert_my.js read and
write the JSON API of app/api/routes/certifications.py. The attempt page talks over the session
WebSocket (DESIGN 4.2) without feedback or scorecard; the server keeps the time. The certificate
is rendered here, without script, so it prints as it is. /verify (a form) and /verify/{code} need no sign-in.
"""

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from app.accounts import access
from app.api.deps import ContextDep, DbDep, MaybeSignedInDep, SignedIn
from app.api.routes.pages import PageUserDep, page_language, render
from app.certification import rubrics, service
from app.core.i18n import strings
from app.storage import repo
from scoring.models import DIMENSIONS

router = APIRouter(include_in_schema=False)


def _rubrics(db: Session) -> list[dict[str, Any]]:
    """The rubrics HR may pick (shipped or uploaded), each with its pass mark and per-dimension
    minimums, so the form proposes the rubric's own pass mark and says what else it requires."""
    choices = []
    for name in rubrics.names(db):
        rubric = rubrics.find(db, name)
        choices.append({"name": name, "pass_mark": rubric.pass_mark,
                        "min_dimension": {d: rubric.min_dimension[d] for d in DIMENSIONS if d in rubric.min_dimension}})
    return choices


def _error(request: Request, ctx: ContextDep, signed_in: SignedIn | None, status_code: int) -> Response:
    text = strings(page_language(request, ctx.settings.default_language))["cert"]
    key = "not_found" if status_code == 404 else "forbidden"
    return render(request, ctx, "error.html", signed_in, status_code=status_code,
                  heading=text[key], message=text[f"{key}_hint"])


def _is_hr(signed_in: SignedIn) -> bool:
    return signed_in.user.role in access.SEE_ALL


@router.get("/certifications", response_class=HTMLResponse)
def certifications_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """HR: every certification, the form to define a new one, and the rubrics with an upload form."""
    if not _is_hr(signed_in):
        return _error(request, ctx, signed_in, 403)
    return render(request, ctx, "certifications.html", signed_in, rubrics=_rubrics(db), dims=DIMENSIONS)


@router.get("/certifications/{cert_id}", response_class=HTMLResponse)
def certification_page(cert_id: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """HR: one certification: definition, enrolment, results, release, re-grade, audit log."""
    if not _is_hr(signed_in):
        return _error(request, ctx, signed_in, 403)
    cert = service.get(db, cert_id=cert_id)
    if cert is None:
        return _error(request, ctx, signed_in, 404)
    return render(request, ctx, "certification.html", signed_in, cert_id=cert.id, cert_name=cert.name,
                  rubrics=_rubrics(db), dims=DIMENSIONS)


@router.get("/my/certifications", response_class=HTMLResponse)
def my_certifications_page(request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """A candidate's certifications: window, attempts, a start button, the released result.

    The list comes from the API (static/cert_my.js); the page adds only the attempt still
    running per certification, so a candidate who left it can go back to it."""
    now = ctx.clock.now()
    running: dict[str, str] = {}
    for cert in service.for_candidate(db, user=signed_in.user):
        for chat in service.attempts_of(db, cert=cert, user_id=signed_in.user.id):
            if chat.status == "active" and chat.origin is not None and now - chat.origin < (chat.deadline or 0):
                running[cert.id] = chat.id
    return render(request, ctx, "my_certifications.html", signed_in, is_hr=_is_hr(signed_in), running=running)


@router.get("/certifications/{cert_id}/attempt/{session_id}", response_class=HTMLResponse)
def attempt_page(cert_id: str, session_id: str, request: Request, ctx: ContextDep, db: DbDep,
                 signed_in: PageUserDep) -> Response:
    """The locked-down chat of one attempt, for its own candidate only."""
    chat = repo.get_session(db, session_id=session_id)
    cert = service.get(db, cert_id=cert_id)
    if chat is None or cert is None or chat.certification_id != cert.id or chat.user_id != signed_in.user.id:
        return _error(request, ctx, signed_in, 404)
    card = ctx.personas.get(chat.persona_id)
    seconds_left: float | None = None
    if chat.deadline is not None:
        elapsed = ctx.clock.now() - chat.origin if chat.origin is not None else 0.0
        seconds_left = max(0.0, chat.deadline - elapsed)
    page: dict[str, Any] = {
        "session_id": chat.id,
        "ws_url": f"/ws/sessions/{chat.id}",
        "ended": chat.status == "ended",
        "seconds_left": seconds_left,
        "time_limit_s": cert.time_limit_s,
    }
    return render(request, ctx, "cert_attempt.html", signed_in, cert_name=cert.name, attempt_no=chat.attempt_no or 1,
                  attempts_allowed=cert.attempts, persona=card.summary() if card else None, page=page)


@router.get("/certificates/{code}", response_class=HTMLResponse)
def certificate_page(code: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: PageUserDep) -> Response:
    """The printable certificate, for its holder and for HR."""
    found = service.certificate(db, code=code)
    if found is None or not (_is_hr(signed_in) or found.user_id == signed_in.user.id):
        return _error(request, ctx, signed_in, 404)
    info = service.verify(db, code=found.code, key=ctx.certificate_key)
    verify_url = str(request.url_for("verify_page", code=found.code))
    return render(request, ctx, "certificate.html", signed_in, info=info, verify_url=verify_url)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, ctx: ContextDep, signed_in: MaybeSignedInDep, code: str = "") -> Response:
    """Public: a form to type the code printed on a certificate; a typed code goes to its page."""
    typed = code.strip().upper()
    if typed:
        target = request.url_for("verify_page", code=typed).path
        return RedirectResponse(f"{target}?{urlencode({'lang': page_language(request, ctx.settings.default_language)})}",
                                status_code=status.HTTP_303_SEE_OTHER)
    return render(request, ctx, "verify.html", signed_in, info=None, code="")


@router.get("/verify/{code}", response_class=HTMLResponse, name="verify_page")
def verify_page(code: str, request: Request, ctx: ContextDep, db: DbDep, signed_in: MaybeSignedInDep) -> Response:
    """Public: is this code a certificate in force (valid), or revoked, superseded (by which), or
    tampered with, and whose."""
    info = service.verify(db, code=code, key=ctx.certificate_key)
    return render(request, ctx, "verify.html", signed_in, info=info, code=code.strip().upper(),
                  status_code=200 if info is not None else 404)
