"""The audit log: every HR action and every certification session event, appended, never changed."""

from typing import Any

from sqlmodel import Session, col, select

from app.storage.models import AuditEvent, User


def record(
    db: Session,
    *,
    action: str,
    actor_id: int | None = None,
    certification_id: str | None = None,
    session_id: str | None = None,
    **detail: Any,
) -> None:
    db.add(AuditEvent(action=action, actor_id=actor_id, certification_id=certification_id, session_id=session_id,
                      detail=detail))
    db.commit()


def ended(db: Session, *, certification_id: str, code: str) -> bool:
    """Whether the log records the certificate `code` revoked or replaced. A certificate whose own row
    says it is in force while the log says otherwise had its row written to after the fact."""
    ending = {"certificate_revoked": "code", "certificate_reissued": "replaces"}  # the field naming the ended one
    stmt = select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.certification_id == certification_id,
                                                              col(AuditEvent.action).in_(tuple(ending)))
    return any(detail.get(ending[action]) == code for action, detail in db.exec(stmt))


def events(db: Session, *, certification_id: str) -> list[dict[str, Any]]:
    stmt = (
        select(AuditEvent, User.username)
        .join(User, col(AuditEvent.actor_id) == User.id, isouter=True)
        .where(AuditEvent.certification_id == certification_id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return [
        {"at": e.at, "actor": name, "action": e.action, "session_id": e.session_id, "detail": e.detail}
        for e, name in db.exec(stmt)
    ]
