"""HR certifications: definition, candidates, locked-down attempts, results, release, certificates.

Fairness: every candidate meets the same persona (attempt k uses the k-th persona of the
set, cyclically) with the same seed, under the same rubric, pass mark and time limit, all
enforced on the server.
"""

import hmac
import json
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts import names
from app.accounts.service import AccountError, get_user, new_user
from app.certification import audit, csvfiles, rubrics, signing
from app.certification.errors import CertificationError
from app.engine.personas import PersonaCard
from app.engine.state import initial_state
from app.storage import repo
from app.storage.models import (
    Candidate, Certificate, Certification, ChatSession, Scorecard, ScorecardVersion, User, utcnow,
)
from app.transcripts import end_and_grade, load_transcript
from scoring import Rubric
from scoring.models import DIMENSIONS


class Definition(BaseModel):
    """What HR sets for a certification (the body of POST/PUT /api/certifications)."""

    name: str = Field(min_length=1, max_length=200)
    persona_ids: list[str] = Field(min_length=1, description="attempt k meets the k-th persona (cyclically)")
    rubric: str = Field(default="certification", min_length=1,
                        description="a shipped rubric's name, or one HR uploaded (GET /api/rubrics)")
    pass_mark: int = Field(ge=0, le=100)
    time_limit_s: int = Field(ge=30, le=4 * 3600, description="seconds per attempt, enforced by the server")
    attempts: int = Field(ge=1, le=20)
    opens_at: datetime
    closes_at: datetime


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without a zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def rubric_of(db: Session, *, cert: Certification) -> Rubric:
    """The certification's rubric with the certification's own pass mark."""
    return rubrics.find(db, cert.rubric).model_copy(update={"pass_mark": cert.pass_mark})


def minimums_of(db: Session, cert: Certification) -> dict[str, int]:
    """The rubric's minimum per dimension, in the scorecard's order ({} if the rubric cannot be read:
    listing certifications must not fail on one broken rubric)."""
    try:
        minimums = rubrics.find(db, cert.rubric).min_dimension
    except CertificationError:
        return {}
    return {d: minimums[d] for d in DIMENSIONS if d in minimums}


def check_definition(db: Session, definition: Definition, personas: dict[str, PersonaCard]) -> None:
    unknown = [p for p in definition.persona_ids if p not in personas]
    if not definition.persona_ids or unknown:
        raise CertificationError("bad_personas", f"persona_ids: unknown or empty: {', '.join(unknown) or '[]'}")
    rubrics.find(db, definition.rubric)  # names only; the error says which exist
    if aware(definition.closes_at) <= aware(definition.opens_at):
        raise CertificationError("bad_window", "closes_at must be after opens_at")


def create(db: Session, *, definition: Definition, personas: dict[str, PersonaCard], actor: User) -> Certification:
    check_definition(db, definition, personas)
    cert = Certification(id=uuid.uuid4().hex, seed=secrets.randbelow(1_000_000), created_by=actor.id,
                         **definition.model_dump())
    db.add(cert)
    db.commit()
    db.refresh(cert)
    audit.record(db, action="certification_created", actor_id=actor.id, certification_id=cert.id,
                 **_jsonable(definition.model_dump()))
    return cert


def update(db: Session, *, cert: Certification, definition: Definition, personas: dict[str, PersonaCard],
           actor: User) -> Certification:
    check_definition(db, definition, personas)
    values = definition.model_dump()
    before = {k: getattr(cert, k) for k in values}
    for key, value in values.items():
        setattr(cert, key, value)
    cert.updated_at = utcnow()
    db.add(cert)
    db.commit()
    db.refresh(cert)
    changed = {k: {"from": before[k], "to": v} for k, v in values.items() if before[k] != v}
    audit.record(db, action="certification_updated", actor_id=actor.id, certification_id=cert.id,
                 **_jsonable(changed))
    return cert


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


def get(db: Session, *, cert_id: str) -> Certification | None:
    return db.get(Certification, cert_id)


def list_all(db: Session) -> list[Certification]:
    return list(db.exec(select(Certification).order_by(col(Certification.created_at).desc())))


def for_candidate(db: Session, *, user: User) -> list[Certification]:
    stmt = (select(Certification).join(Candidate, col(Candidate.certification_id) == Certification.id)
            .where(Candidate.user_id == user.id).order_by(col(Certification.opens_at)))
    return list(db.exec(stmt))


def is_candidate(db: Session, *, cert: Certification, user: User) -> bool:
    stmt = select(Candidate).where(Candidate.certification_id == cert.id, Candidate.user_id == user.id)
    return db.exec(stmt).first() is not None


def enrol(db: Session, *, cert: Certification, usernames: list[str], actor: User) -> dict[str, list[str]]:
    """Enrol existing accounts; names that do not exist are reported, not created."""
    out: dict[str, list[str]] = {"enrolled": [], "already": [], "unknown": []}
    for name in dict.fromkeys(n.strip() for n in usernames if n.strip()):
        user = get_user(db, username=name)
        if user is None:
            out["unknown"].append(name)
        elif is_candidate(db, cert=cert, user=user):
            out["already"].append(name)
        else:
            db.add(Candidate(certification_id=cert.id, user_id=user.id))
            db.commit()
            out["enrolled"].append(name)
    audit.record(db, action="candidates_enrolled", actor_id=actor.id, certification_id=cert.id, **out)
    return out


def enrol_csv(db: Session, *, cert: Certification, data: bytes, actor: User) -> dict[str, Any]:
    """Enrol the names of a CSV file (first column; a header `username`/`姓名`… is skipped), in any
    encoding Excel writes. Names without an account get one, with a one-time password returned here
    only, once. All or nothing: one bad row and nothing is created or enrolled; the error names every
    bad row (up to ten)."""
    rows = csvfiles.first_column(csvfiles.decode(data))
    wanted: dict[str, int] = {}
    problems = []
    for line, raw in rows:
        name = names.normalize(raw)
        problem = names.problem(name)
        if problem:
            problems.append(f"第 {line} 行 / row {line}: {problem}")
        wanted.setdefault(name, line)
    if problems:
        more = f" (+{len(problems) - 10})" if len(problems) > 10 else ""
        raise CertificationError("bad_csv", "; ".join(problems[:10]) + more + " — 未创建任何账户 / nothing was created")
    if not wanted:
        raise CertificationError("bad_csv", "文件里没有名字 / the file holds no names")
    created: list[dict[str, str]] = []
    out: dict[str, list[str]] = {"enrolled": [], "already": [], "unknown": []}
    try:
        for name, line in wanted.items():
            user = get_user(db, username=name)
            if user is None:
                password = secrets.token_urlsafe(9)
                try:
                    user = new_user(db, username=name, password=password, role="trainee", must_change=True)
                except AccountError as exc:
                    raise CertificationError("bad_csv", f"第 {line} 行 / row {line}: {exc} — 未创建任何账户 / "
                                                        "nothing was created") from exc
                db.add(user)
                db.flush()
                created.append({"username": name, "one_time_password": password})
            if is_candidate(db, cert=cert, user=user):
                out["already"].append(name)
            else:
                db.add(Candidate(certification_id=cert.id, user_id=user.id))
                out["enrolled"].append(name)
        db.commit()
    except IntegrityError as exc:  # someone created one of these names meanwhile
        db.rollback()
        raise CertificationError("csv_conflict", "名单中的账户刚被别处创建,请重新上传 / an account of the list was "
                                                 "created meanwhile; upload the file again") from exc
    except CertificationError:
        db.rollback()
        raise
    audit.record(db, action="accounts_created", actor_id=actor.id, certification_id=cert.id,
                 usernames=[c["username"] for c in created])
    audit.record(db, action="candidates_enrolled", actor_id=actor.id, certification_id=cert.id, **out)
    return {**out, "created": created}


def attempts_of(db: Session, *, cert: Certification, user_id: int) -> list[ChatSession]:
    stmt = (select(ChatSession).where(ChatSession.certification_id == cert.id, ChatSession.user_id == user_id)
            .order_by(col(ChatSession.attempt_no)))
    return list(db.exec(stmt))


def start_attempt(
    db: Session, *, cert: Certification, user: User, personas: dict[str, PersonaCard], now: datetime, clock_now: float
) -> ChatSession:
    """A locked-down session, if the candidate is enrolled, the window is open and attempts remain."""
    if not is_candidate(db, cert=cert, user=user):
        raise CertificationError("not_enrolled", "you are not a candidate of this certification")
    if now < aware(cert.opens_at):
        raise CertificationError("not_open", f"the certification opens at {aware(cert.opens_at).isoformat()}")
    if now > aware(cert.closes_at):
        raise CertificationError("closed", f"the certification closed at {aware(cert.closes_at).isoformat()}")
    for _race in range(3):
        previous = attempts_of(db, cert=cert, user_id=user.id)
        if any(s.status == "active" and s.origin is not None and clock_now - s.origin < (s.deadline or 0)
               for s in previous):
            raise CertificationError("attempt_running", "finish the attempt in progress first")
        if len(previous) >= cert.attempts:
            raise CertificationError("no_attempts_left", f"all {cert.attempts} attempts have been used")
        number = len(previous) + 1
        card = personas[cert.persona_ids[(number - 1) % len(cert.persona_ids)]]
        chat = repo.create_attempt(db, persona_id=card.id, language=card.language,
                                   engine_state=initial_state(card, cert.seed).to_json(), user_id=user.id,
                                   certification_id=cert.id, attempt_no=number, deadline=float(cert.time_limit_s),
                                   origin=clock_now)
        if chat is not None:
            audit.record(db, action="attempt_started", actor_id=user.id, certification_id=cert.id,
                         session_id=chat.id, attempt=number, persona_id=card.id)
            return chat
        # Another request stored attempt `number` first: look again at what it left.
    raise CertificationError("attempt_running", "finish the attempt in progress first")


def finalize_expired(db: Session, *, cert: Certification, clock_now: float, hints: dict[str, dict[str, Any]]) -> int:
    """End and grade every attempt whose time is up but that nobody ended (the candidate left)."""
    stmt = select(ChatSession).where(ChatSession.certification_id == cert.id, ChatSession.status == "active")
    count = 0
    for chat in db.exec(stmt).all():
        if chat.origin is not None and chat.deadline is not None and clock_now - chat.origin >= chat.deadline:
            end_and_grade(db, session_id=chat.id, rubric=rubric_of(db, cert=cert), hints=hints.get(chat.persona_id))
            audit.record(db, action="attempt_time_up", certification_id=cert.id, session_id=chat.id)
            count += 1
    return count


def results(db: Session, *, cert: Certification) -> list[dict[str, Any]]:
    """One row per candidate: attempts used, the best graded attempt's scores, and the dimensions
    below the rubric's minimum (a reason to fail whatever the overall score)."""
    minimums = minimums_of(db, cert)
    rows = []
    stmt = (select(User).join(Candidate, col(Candidate.user_id) == User.id)
            .where(Candidate.certification_id == cert.id).order_by(col(User.username)))
    for user in db.exec(stmt).all():
        sessions = attempts_of(db, cert=cert, user_id=user.id)
        graded = [(db.get(Scorecard, s.id), s) for s in sessions]
        graded = [(card, s) for card, s in graded if card is not None]
        best = max(graded, key=lambda item: (item[0].overall, -(item[1].attempt_no or 0)), default=None)
        row: dict[str, Any] = {"candidate": user.username, "attempts": len(sessions), "session_id": None,
                               "dimensions": None, "overall": None, "passed": None, "date": None,
                               "below_minimum": []}
        if best is not None:
            card, chat = best
            dims = card.data["dimensions"]
            row.update(session_id=chat.id, dimensions=dims, overall=card.overall, passed=card.passed,
                       date=chat.ended_at or chat.created_at,
                       below_minimum=[d for d in DIMENSIONS if d in minimums and dims.get(d, 0) < minimums[d]])
        rows.append(row)
    return rows


def scorecard_version(db: Session, *, session_id: str, version: int) -> Scorecard | ScorecardVersion | None:
    """The scorecard of a session as it was at `version`: the current one, or one a re-grade replaced."""
    current = db.get(Scorecard, session_id)
    if current is not None and current.version == version:
        return current
    return db.exec(select(ScorecardVersion).where(ScorecardVersion.session_id == session_id,
                                                  ScorecardVersion.version == version)).first()


def active_certificate(db: Session, *, cert: Certification, user_id: int) -> Certificate | None:
    """The candidate's certificate that is neither revoked nor superseded, if any."""
    stmt = select(Certificate).where(Certificate.certification_id == cert.id, Certificate.user_id == user_id,
                                     col(Certificate.revoked_at).is_(None), col(Certificate.superseded_at).is_(None))
    return db.exec(stmt).first()


def _issue(db: Session, *, cert: Certification, user: User, card: Scorecard, key: bytes) -> Certificate:
    issued = Certificate(code=secrets.token_hex(5).upper(), certification_id=cert.id, user_id=user.id,
                         session_id=card.session_id, overall=card.overall, version=card.version,
                         pass_mark=cert.pass_mark, issued_at=utcnow().replace(microsecond=0), digest="")
    issued.digest = signing.signature(key, issued, load_transcript(db, session_id=card.session_id) or {})
    db.add(issued)
    return issued


def _legacy_still_true(db: Session, found: Certificate, card: Scorecard) -> bool:
    """An unsigned certificate that still states the current result and whose old digest still holds."""
    transcript = load_transcript(db, session_id=found.session_id) or {}
    return (found.session_id == card.session_id and card.version == 1 and found.overall == card.overall
            and hmac.compare_digest(signing.legacy_digest(transcript, found.overall), found.digest))


def sync_certificates(db: Session, *, cert: Certification, key: bytes, actor_id: int | None,
                      **why: Any) -> list[Certificate]:
    """Make the certificates state the current results: a pass without one gets one; a pass whose
    best attempt or scorecard version changed gets a new one that supersedes the old; a fail
    revokes. Nothing a certificate states is ever changed. Every step is audited; returns the
    certificates in force."""
    in_force = []
    for row in results(db, cert=cert):
        user = get_user(db, username=row["candidate"])
        assert user is not None
        current = active_certificate(db, cert=cert, user_id=user.id)
        card = db.get(Scorecard, row["session_id"]) if row["session_id"] else None
        now = utcnow()
        if not row["passed"] or card is None:
            if current is not None:
                current.revoked_at = now
                db.add(current)
                audit.record(db, action="certificate_revoked", actor_id=actor_id, certification_id=cert.id,
                             session_id=current.session_id, code=current.code, candidate=user.username,
                             overall=row["overall"], passed=row["passed"], **why)
            continue
        if current is not None and current.version is None and _legacy_still_true(db, current, card):
            current.version, current.pass_mark = card.version, cert.pass_mark
            current.digest = signing.signature(key, current, load_transcript(db, session_id=card.session_id) or {})
            db.add(current)
            audit.record(db, action="certificate_signed", actor_id=actor_id, certification_id=cert.id,
                         session_id=current.session_id, code=current.code, candidate=user.username, **why)
        elif current is None or (current.session_id, current.version) != (card.session_id, card.version):
            issued = _issue(db, cert=cert, user=user, card=card, key=key)
            detail = {"code": issued.code, "candidate": user.username, "version": card.version,
                      "overall": card.overall, **why}
            if current is None:
                audit.record(db, action="certificate_issued", actor_id=actor_id, certification_id=cert.id,
                             session_id=card.session_id, **detail)
            else:
                current.superseded_at, current.superseded_by = now, issued.code
                db.add(current)
                audit.record(db, action="certificate_reissued", actor_id=actor_id, certification_id=cert.id,
                             session_id=card.session_id, replaces=current.code, **detail)
            current = issued
        in_force.append(current)
    return in_force


def release(db: Session, *, cert: Certification, actor: User, key: bytes) -> list[Certificate]:
    """Show candidates their results, and give a certificate to each who passed (see sync_certificates)."""
    issued = sync_certificates(db, cert=cert, key=key, actor_id=actor.id, reason="release")
    cert.released = True
    db.add(cert)
    db.commit()
    audit.record(db, action="results_released", actor_id=actor.id, certification_id=cert.id,
                 certificates=[c.code for c in issued])
    return issued


def certificates_of(db: Session, *, cert: Certification) -> list[Certificate]:
    return list(db.exec(select(Certificate).where(Certificate.certification_id == cert.id)))


def certificate(db: Session, *, code: str) -> Certificate | None:
    return db.get(Certificate, code.strip().upper())


def _state(db: Session, found: Certificate, key: bytes) -> str:
    """valid, revoked or superseded, as HR decided; tampered when the record no longer matches its
    signature, or says it is in force while the audit log records it revoked or replaced; unsigned for a certificate issued before signing and not released again since."""
    if found.version is None:
        return "revoked" if found.revoked_at else "superseded" if found.superseded_at else "unsigned"
    card = scorecard_version(db, session_id=found.session_id, version=found.version)
    transcript = load_transcript(db, session_id=found.session_id)
    if card is None or transcript is None or card.overall != found.overall or not signing.genuine(key, found, transcript):
        return "tampered"
    if found.revoked_at is not None:
        return "revoked"
    if found.superseded_at is not None:
        return "superseded"
    if audit.ended(db, certification_id=found.certification_id, code=found.code):
        return "tampered"
    return "valid"


def verify(db: Session, *, code: str, key: bytes) -> dict[str, Any] | None:
    """What anyone may know of a certificate: who, what, when, score, and whether it is in force."""
    found = certificate(db, code=code)
    if found is None:
        return None
    cert = db.get(Certification, found.certification_id)
    user = db.get(User, found.user_id)
    state = _state(db, found, key)
    pass_mark = found.pass_mark if found.pass_mark is not None else (cert.pass_mark if cert else None)
    return {"code": found.code, "candidate": user.username if user else None, "certification": cert.name if cert else None,
            "overall": found.overall, "pass_mark": pass_mark, "issued_at": found.issued_at, "version": found.version,
            "state": state, "valid": state == "valid", "revoked_at": found.revoked_at,
            "superseded_at": found.superseded_at, "superseded_by": found.superseded_by}
