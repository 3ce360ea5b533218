"""HR certifications over REST: define, enrol, take locked-down attempts, report, release, verify.

HR and admins manage; trainees and coaches get 403. A candidate sees only their own
certifications, and their result only after HR releases it.
"""

import logging
from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Body, Depends, HTTPException, Path, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from app.accounts import access
from app.api.deps import ContextDep, CurrentUserDep, DbDep, require_role
from app.api.errors import ApiError
from app.certification import audit, csvfiles, regrade, service
from app.certification.service import CertificationError, Definition
from app.core.context import AppContext
from app.storage.models import Certification, User
from scoring.models import DIMENSIONS

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/certifications", tags=["certifications"])
HrDep = Annotated[User, Depends(require_role(*access.SEE_ALL))]
ERROR_STATUS = {"not_enrolled": 403, "bad_personas": 422, "bad_window": 422, "bad_rubric": 422, "bad_csv": 422,
                "csv_conflict": 409}


class CertificationOut(BaseModel):
    id: str
    name: str
    persona_ids: list[str]
    rubric: str
    pass_mark: int
    time_limit_s: int
    attempts: int
    opens_at: datetime
    closes_at: datetime
    released: bool
    min_dimension: dict[str, int] = Field(description="the rubric's minimum per dimension: below one fails")


class Enrolment(BaseModel):
    usernames: list[str] = Field(min_length=1)


class Attempt(BaseModel):
    id: str
    ws_url: str
    attempt: int
    time_limit_s: int
    persona_id: str


class RegradeIn(BaseModel):
    rubric: str | None = Field(default=None, min_length=1, description="default: the certification's rubric")
    change_rubric: bool = Field(default=False, description="confirms that `rubric` becomes the certification's rubric")


def out(db: Session, cert: Certification) -> CertificationOut:
    return CertificationOut(**{k: getattr(cert, k) for k in CertificationOut.model_fields if k != "min_dimension"},
                            min_dimension=service.minimums_of(db, cert))


def fail(exc: CertificationError) -> HTTPException:
    return HTTPException(ERROR_STATUS.get(exc.code, status.HTTP_409_CONFLICT), detail={"code": exc.code,
                                                                                       "message": str(exc)})


def cert_or_404(db: DbDep, cert_id: str) -> Certification:
    cert = service.get(db, cert_id=cert_id)
    if cert is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_certification")
    return cert


def hints(ctx: AppContext) -> dict[str, dict[str, str]]:
    """Each persona's motive and concern level, for the grader."""
    return {card.id: card.grading_hints() for card in ctx.personas.values()}


def finalize(ctx: AppContext, db: DbDep, cert: Certification) -> None:
    service.finalize_expired(db, cert=cert, clock_now=ctx.clock.now(), hints=hints(ctx))


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a certification (HR)")
def create_certification(body: Definition, ctx: ContextDep, db: DbDep, user: HrDep) -> CertificationOut:
    try:
        return out(db, service.create(db, definition=body, personas=ctx.personas, actor=user))
    except CertificationError as exc:
        raise fail(exc) from exc


@router.get("", summary="Certifications: all for HR, one's own for a candidate")
def list_certifications(db: DbDep, user: CurrentUserDep) -> list[dict[str, Any]]:
    if user.role in access.SEE_ALL:
        return [out(db, c).model_dump(mode="json") for c in service.list_all(db)]
    rows = []
    for cert in service.for_candidate(db, user=user):
        used = service.attempts_of(db, cert=cert, user_id=user.id)
        rows.append({**out(db, cert).model_dump(mode="json"), "attempts_used": len(used)})
    return rows


@router.get("/{cert_id}", summary="One certification")
def read_certification(cert_id: str, db: DbDep, user: CurrentUserDep) -> CertificationOut:
    cert = cert_or_404(db, cert_id)
    if user.role not in access.SEE_ALL and not service.is_candidate(db, cert=cert, user=user):
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_certification")
    return out(db, cert)


@router.put("/{cert_id}", summary="Edit a certification (HR)")
def edit_certification(cert_id: str, body: Definition, ctx: ContextDep, db: DbDep, user: HrDep) -> CertificationOut:
    cert = cert_or_404(db, cert_id)
    try:
        return out(db, service.update(db, cert=cert, definition=body, personas=ctx.personas, actor=user))
    except CertificationError as exc:
        raise fail(exc) from exc


@router.post("/{cert_id}/candidates", summary="Enrol existing accounts (HR)")
def enrol(cert_id: str, body: Enrolment, db: DbDep, user: HrDep) -> dict[str, list[str]]:
    return service.enrol(db, cert=cert_or_404(db, cert_id), usernames=body.usernames, actor=user)


@router.post("/{cert_id}/candidates.csv", summary="Enrol the names of a CSV, creating accounts (HR)")
def enrol_csv(
    cert_id: str, db: DbDep, user: HrDep,
    body: Annotated[bytes, Body(media_type="text/csv",
                                description="one name per line (first column); UTF-8, UTF-16 or GBK")],
) -> dict[str, Any]:
    """New names get an account with a one-time password, returned in this answer only. One bad row
    and nothing happens: the answer (422) names the rows."""
    try:
        return service.enrol_csv(db, cert=cert_or_404(db, cert_id), data=body, actor=user)
    except CertificationError as exc:
        raise fail(exc) from exc


@router.get("/{cert_id}/candidates", summary="The candidates (HR)")
def list_candidates(cert_id: str, db: DbDep, user: HrDep) -> list[dict[str, Any]]:
    return [{"candidate": r["candidate"], "attempts": r["attempts"]} for r in service.results(db, cert=cert_or_404(db, cert_id))]


@router.post("/{cert_id}/attempts", status_code=status.HTTP_201_CREATED, summary="Start a locked-down attempt")
def start_attempt(cert_id: str, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> Attempt:
    """For an enrolled candidate, inside the window, while attempts remain; the time limit runs
    from now on the server."""
    cert = cert_or_404(db, cert_id)
    finalize(ctx, db, cert)
    try:
        chat = service.start_attempt(db, cert=cert, user=user, personas=ctx.personas,
                                     now=datetime.now(timezone.utc), clock_now=ctx.clock.now())
    except CertificationError as exc:
        raise fail(exc) from exc
    return Attempt(id=chat.id, ws_url=f"/ws/sessions/{chat.id}", attempt=chat.attempt_no or 1,
                   time_limit_s=cert.time_limit_s, persona_id=chat.persona_id)


@router.get("/{cert_id}/results", summary="Results per candidate (HR)")
def read_results(cert_id: str, ctx: ContextDep, db: DbDep, user: HrDep) -> list[dict[str, Any]]:
    cert = cert_or_404(db, cert_id)
    finalize(ctx, db, cert)
    audit.record(db, action="results_viewed", actor_id=user.id, certification_id=cert.id)
    return service.results(db, cert=cert)


@router.get("/{cert_id}/results.csv", summary="Results per candidate as CSV (HR)")
def export_results(cert_id: str, ctx: ContextDep, db: DbDep, user: HrDep) -> Response:
    cert = cert_or_404(db, cert_id)
    finalize(ctx, db, cert)
    audit.record(db, action="results_exported", actor_id=user.id, certification_id=cert.id)
    return Response(results_csv(service.results(db, cert=cert)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="certification-{cert.id}.csv"'})


def excel_time(moment: datetime | None) -> str:
    """UTC to the second, as Excel reads a date and time (no microseconds, no zone suffix)."""
    return service.aware(moment).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def results_csv(rows: list[dict[str, Any]]) -> bytes:
    """The results table for Excel (see csvfiles.write); times are UTC."""
    table = []
    for row in rows:
        dims = row["dimensions"] or {}
        passed = "" if row["passed"] is None else ("yes" if row["passed"] else "no")
        table.append([row["candidate"], row["attempts"], *(dims.get(d, "") for d in DIMENSIONS),
                      "" if row["overall"] is None else row["overall"], passed, excel_time(row["date"])])
    return csvfiles.write(["candidate", "attempts", *DIMENSIONS, "overall", "passed", "date"], table)


@router.get("/{cert_id}/my-result", summary="The candidate's own result, once released")
def my_result(cert_id: str, ctx: ContextDep, db: DbDep, user: CurrentUserDep) -> dict[str, Any]:
    cert = cert_or_404(db, cert_id)
    if not service.is_candidate(db, cert=cert, user=user):
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_certification")
    used = len(service.attempts_of(db, cert=cert, user_id=user.id))
    if not cert.released:
        return {"released": False, "attempts": used, "attempts_allowed": cert.attempts}
    row = next(r for r in service.results(db, cert=cert) if r["candidate"] == user.username)
    found = service.active_certificate(db, cert=cert, user_id=user.id)
    return {"released": True, **row, "attempts_allowed": cert.attempts, "certificate": found.code if found else None}


@router.post("/{cert_id}/release", summary="Release the results to the candidates (HR)")
def release(cert_id: str, ctx: ContextDep, db: DbDep, user: HrDep) -> dict[str, Any]:
    cert = cert_or_404(db, cert_id)
    finalize(ctx, db, cert)
    issued = service.release(db, cert=cert, actor=user, key=ctx.certificate_key)
    return {"released": True, "certificates": [{"code": c.code, "session_id": c.session_id} for c in issued]}


@router.get("/{cert_id}/audit", summary="The audit log of a certification (HR)")
def read_audit(cert_id: str, db: DbDep, user: HrDep) -> list[dict[str, Any]]:
    return audit.events(db, certification_id=cert_or_404(db, cert_id).id)


@router.post("/{cert_id}/regrade", status_code=status.HTTP_202_ACCEPTED, summary="Re-grade after a rubric change (HR)")
def start_regrade(cert_id: str, body: RegradeIn, background: BackgroundTasks, ctx: ContextDep,
                  db: DbDep, user: HrDep) -> dict[str, Any]:
    """Grades every attempt again under the certification's rubric (another one only with
    `change_rubric`: it then becomes the certification's rubric); each scorecard keeps its earlier
    versions. Released certificates follow: a pass is reissued, a fail revokes. Poll GET
    …/regrade/{run_id} for progress and the comparison."""
    cert = cert_or_404(db, cert_id)
    try:
        job = regrade.start(db, cert=cert, rubric=body.rubric, change_rubric=body.change_rubric, actor=user)
    except CertificationError as exc:
        raise fail(exc) from exc
    background.add_task(_run_regrade, ctx, job.id)
    return {"run_id": job.id, "total": job.total}


def _run_regrade(ctx: AppContext, run_id: int) -> None:
    """A run that raises is closed as failed (logged, audited), not left running to block the next."""
    try:
        with ctx.db() as db:
            regrade.run(db, run_id=run_id, hints=hints(ctx), key=ctx.certificate_key)
    except Exception as exc:
        log.exception("re-grade %s failed", run_id)
        with ctx.db() as db:
            regrade.stop(db, run_id=run_id, status="failed", reason=f"{type(exc).__name__}: {exc}"[:300])


@router.get("/{cert_id}/regrade/{run_id}", summary="Progress and before/after of a re-grade (HR)")
def regrade_progress(cert_id: str, run_id: Annotated[int, Path(ge=1, le=2**31 - 1)], db: DbDep, user: HrDep) -> dict[str, Any]:
    found = regrade.progress(db, certification_id=cert_or_404(db, cert_id).id, run_id=run_id)
    if found is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_regrade")
    return found


verify_router = APIRouter(tags=["certifications"])


@verify_router.get("/api/verify/{code}", summary="Check a certificate's verification code (public)")
def verify_code(code: str, ctx: ContextDep, db: DbDep) -> dict[str, Any]:
    """`state`: valid, revoked, superseded (by `superseded_by`), tampered (the record no longer
    matches its signature) or unsigned (issued before signing); `valid` is state == valid."""
    found = service.verify(db, code=code, key=ctx.certificate_key)
    if found is None:
        raise ApiError(status.HTTP_404_NOT_FOUND, "no_certificate")
    return found
