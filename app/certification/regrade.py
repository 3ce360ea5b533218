"""Re-grading a certification: every graded attempt, with progress, and a before/after comparison
per candidate.

A re-grade never rewrites a scorecard: it keeps the one it replaces as a version
(ScorecardVersion) and adds the next, so a certificate still shows what it was issued on. Once
the results are released, the certificates follow the new results (a pass is reissued, a fail
revokes; see service.sync_certificates). It grades under the certification's rubric; another
rubric only when HR says so, and the switch is audited. Every step goes into the audit log.
"""

import json
from typing import Any

from sqlmodel import Session, col, select

from app.certification import audit, rubrics
from app.certification.service import CertificationError, results, rubric_of, sync_certificates
from app.storage.models import Certification, ChatSession, RegradeRun, Scorecard, ScorecardVersion, User, utcnow
from app.transcripts import grade_transcript, load_transcript


def start(db: Session, *, cert: Certification, rubric: str | None, change_rubric: bool, actor: User) -> RegradeRun:
    """Begin a re-grade under the certification's rubric, or under `rubric` when `change_rubric`
    confirms that it becomes the certification's rubric from now on."""
    target = rubric or cert.rubric
    rubrics.find(db, target)  # names only: shipped or uploaded by HR
    if target != cert.rubric and not change_rubric:
        raise CertificationError(
            "rubric_change_unconfirmed",
            f"the certification is graded under {cert.rubric!r}; to re-grade under {target!r} "
            "and make it the certification's rubric, send change_rubric: true")
    running = db.exec(select(RegradeRun).where(RegradeRun.certification_id == cert.id,
                                                RegradeRun.status == "running")).first()
    if running is not None:
        raise CertificationError("regrade_running", "a re-grade of this certification is already running")
    sessions = _graded(db, cert)
    run = RegradeRun(certification_id=cert.id, rubric=target, total=len(sessions), started_by=actor.id,
                     results=[{"before": json.loads(json.dumps(results(db, cert=cert), default=str))}])
    db.add(run)
    db.commit()
    db.refresh(run)
    if target != cert.rubric:
        previous, cert.rubric, cert.updated_at = cert.rubric, target, utcnow()
        db.add(cert)
        audit.record(db, action="rubric_changed", actor_id=actor.id, certification_id=cert.id, run=run.id,
                     rubric={"from": previous, "to": target})
    audit.record(db, action="regrade_started", actor_id=actor.id, certification_id=cert.id, run=run.id,
                 rubric=target, sessions=len(sessions))
    return run


def _graded(db: Session, cert: Certification) -> list[ChatSession]:
    stmt = (select(ChatSession).join(Scorecard, col(Scorecard.session_id) == ChatSession.id)
            .where(ChatSession.certification_id == cert.id).order_by(col(ChatSession.created_at)))
    return list(db.exec(stmt))


def _next_version(db: Session, stored: Scorecard, data: dict[str, Any], rubric: str, run_id: int) -> dict[str, Any]:
    """Keep `stored` as a version and put the new grading in its place; what changed, for the log."""
    db.add(ScorecardVersion(session_id=stored.session_id, version=stored.version, rubric=stored.rubric,
                            overall=stored.overall, passed=stored.passed, data=stored.data,
                            graded_at=stored.created_at, regrade_run_id=run_id))
    change = {"version": {"from": stored.version, "to": stored.version + 1},
              "overall": {"from": stored.overall, "to": data["overall"]},
              "passed": {"from": stored.passed, "to": data["passed"]}}
    stored.version += 1
    stored.data, stored.overall, stored.passed, stored.rubric = data, data["overall"], data["passed"], rubric
    stored.created_at = utcnow()
    db.add(stored)
    return change


def run(db: Session, *, run_id: int, hints: dict[str, dict[str, Any]], key: bytes) -> RegradeRun:
    """Grade every attempt again, one transaction (and one audit entry) per attempt, then bring the
    certificates of released results in line."""
    job = db.get(RegradeRun, run_id)
    assert job is not None
    cert = db.get(Certification, job.certification_id)
    assert cert is not None
    before = job.results[0]["before"]
    rubric = rubric_of(db, cert=cert)
    for chat in _graded(db, cert):
        transcript = load_transcript(db, session_id=chat.id)
        data = grade_transcript(transcript, rubric, hints.get(chat.persona_id))
        stored = db.get(Scorecard, chat.id)
        assert stored is not None
        change = _next_version(db, stored, data, rubric.name, job.id)
        job.done += 1
        db.add(job)
        audit.record(db, action="scorecard_regraded", actor_id=job.started_by, certification_id=cert.id,
                     session_id=chat.id, run=job.id, rubric=rubric.name, **change)
    certificates = (sync_certificates(db, cert=cert, key=key, actor_id=job.started_by, reason="regrade", run=job.id)
                    if cert.released else [])
    job.results = compare(before, results(db, cert=cert))
    job.status, job.finished_at = "done", utcnow()
    db.add(job)
    db.commit()
    db.refresh(job)
    audit.record(db, action="regrade_finished", actor_id=job.started_by, certification_id=cert.id, run=job.id,
                 rubric=job.rubric, changed=[r["candidate"] for r in job.results if r["changed"]],
                 certificates=[c.code for c in certificates])
    return job


def stop(db: Session, *, run_id: int, status: str, reason: str) -> RegradeRun | None:
    """Close a run that will not finish (`failed`: grading raised; `interrupted`: the server stopped
    during it), so that it no longer blocks the next re-grade. Attempts re-graded before it stopped
    keep their new version; the next run grades every attempt again."""
    job = db.get(RegradeRun, run_id)
    if job is None or job.status != "running":
        return job
    job.status, job.finished_at = status, utcnow()
    db.add(job)
    db.commit()
    db.refresh(job)
    audit.record(db, action=f"regrade_{status}", actor_id=job.started_by, certification_id=job.certification_id,
                 run=job.id, reason=reason, done=job.done, total=job.total)
    return job


def interrupted(db: Session) -> list[int]:
    """At start-up: runs still marked running were cut off when the server last stopped (a run
    lives in the process that started it), so they are closed as interrupted."""
    stale = [job.id for job in db.exec(select(RegradeRun).where(RegradeRun.status == "running"))]
    for run_id in stale:
        stop(db, run_id=run_id, status="interrupted", reason="the server stopped during the re-grade")  # type: ignore[arg-type]
    return stale  # type: ignore[return-value]


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


def progress(db: Session, *, certification_id: str, run_id: int) -> dict[str, Any] | None:
    """A run of this certification's re-grades (another certification's run is not found here)."""
    job = db.get(RegradeRun, run_id)
    if job is None or job.certification_id != certification_id:
        return None
    done = job.status == "done"
    return {"id": job.id, "status": job.status, "rubric": job.rubric, "total": job.total, "done": job.done,
            "comparison": job.results if done else [], "started_at": job.started_at, "finished_at": job.finished_at}
