"""Re-grading a certification after a rubric change: every graded attempt, with progress, and a
before/after comparison per candidate. The old scorecards are replaced only through here, and
the audit log says so."""

import json
from typing import Any

from sqlmodel import Session, col, select

from app.certification import audit, rubrics
from app.certification.service import results, rubric_of
from app.storage.models import Certification, ChatSession, RegradeRun, Scorecard, User, utcnow
from app.transcripts import grade_transcript, load_transcript


def start(db: Session, *, cert: Certification, rubric: str, actor: User) -> RegradeRun:
    rubrics.find(db, rubric)  # names only: shipped or uploaded by HR
    running = db.exec(select(RegradeRun).where(RegradeRun.certification_id == cert.id,
                                                RegradeRun.status == "running")).first()
    if running is not None:
        raise CertificationError("regrade_running", "a re-grade of this certification is already running")
    sessions = _graded(db, cert)
    run = RegradeRun(certification_id=cert.id, rubric=rubric, total=len(sessions), started_by=actor.id,
                     results=[{"before": json.loads(json.dumps(results(db, cert=cert), default=str))}])
    db.add(run)
    db.commit()
    db.refresh(run)
    audit.record(db, action="regrade_started", actor_id=actor.id, certification_id=cert.id, run=run.id,
                 rubric_from=cert.rubric, rubric_to=rubric, sessions=len(sessions))
    return run


def _graded(db: Session, cert: Certification) -> list[ChatSession]:
    stmt = (select(ChatSession).join(Scorecard, col(Scorecard.session_id) == ChatSession.id)
            .where(ChatSession.certification_id == cert.id).order_by(col(ChatSession.created_at)))
    return list(db.exec(stmt))


def run(db: Session, *, run_id: int, hints: dict[str, dict[str, Any]]) -> RegradeRun:
    """Grade every attempt again under the new rubric, committing progress after each one."""
    job = db.get(RegradeRun, run_id)
    assert job is not None
    cert = db.get(Certification, job.certification_id)
    assert cert is not None
    before = job.results[0]["before"]
    cert.rubric = job.rubric
    rubric = rubric_of(db, cert=cert)
    for chat in _graded(db, cert):
        transcript = load_transcript(db, session_id=chat.id)
        data = grade_transcript(transcript, rubric, hints.get(chat.persona_id))
        stored = db.get(Scorecard, chat.id)
        assert stored is not None
        stored.data, stored.overall, stored.passed, stored.rubric = data, data["overall"], data["passed"], rubric.name
        job.done += 1
        db.add(stored)
        db.add(job)
        db.commit()
    db.add(cert)
    after = results(db, cert=cert)
    job.results = compare(before, after)
    job.status, job.finished_at = "done", utcnow()
    db.add(job)
    db.commit()
    db.refresh(job)
    audit.record(db, action="regrade_finished", certification_id=cert.id, run=job.id, rubric=job.rubric,
                 changed=[r["candidate"] for r in job.results if r["changed"]])
    return job


def compare(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per candidate: overall and passed before and after."""
    old = {row["candidate"]: row for row in before}
    rows = []
    for row in after:
        prior = old.get(row["candidate"], {})
        rows.append({
            "candidate": row["candidate"],
            "before": prior.get("overall"), "after": row["overall"],
            "passed_before": prior.get("passed"), "passed_after": row["passed"],
            "changed": (prior.get("overall"), prior.get("passed")) != (row["overall"], row["passed"]),
        })
    return rows


def progress(db: Session, *, run_id: int) -> dict[str, Any] | None:
    job = db.get(RegradeRun, run_id)
    if job is None:
        return None
    done = job.status == "done"
    return {"id": job.id, "status": job.status, "rubric": job.rubric, "total": job.total, "done": job.done,
            "comparison": job.results if done else [], "started_at": job.started_at, "finished_at": job.finished_at}
