"""What an admin does to accounts (page, API and CLI alike): list them, change a role or a coach,
reset a password, deactivate or reactivate.

Every change keeps at least one active admin, leaves no trainee with a coach who is no longer
one, and goes to the audit log.
"""

import secrets
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts import throttle
from app.accounts.passwords import check_strength, hash_password
from app.accounts.service import AccountError, find_coach, revoke_all, trainee_ids_of
from app.certification import audit
from app.storage.models import ROLES, User


def describe(db: Session, user: User) -> dict[str, Any]:
    coach = db.get(User, user.coach_id) if user.coach_id else None
    return {"id": user.id, "username": user.username, "role": user.role, "coach": coach.username if coach else None,
            "active": user.active, "must_change_password": user.must_change_password, "created_at": user.created_at}


def list_users(db: Session) -> list[dict[str, Any]]:
    return [describe(db, user) for user in db.exec(select(User).order_by(col(User.username)))]


def _other_active_admins(db: Session, user: User) -> int:
    stmt = select(func.count()).select_from(User).where(User.role == "admin", User.active == True,  # noqa: E712
                                                        User.id != user.id)
    return db.exec(stmt).one()


def _keep_an_admin(db: Session, user: User) -> None:
    if user.role == "admin" and user.active and _other_active_admins(db, user) == 0:
        raise AccountError(f"{user.username!r} 是唯一的在用管理员 / {user.username!r} is the only active admin",
                           code="only_admin")


def set_role(db: Session, *, user: User, role: str, actor_id: int | None) -> User:
    if role not in ROLES:
        raise AccountError(f"角色须为 {', '.join(ROLES)} 之一 / the role must be one of {', '.join(ROLES)}, not {role!r}",
                           code="bad_role")
    if role == user.role:
        return user
    if role != "admin":
        _keep_an_admin(db, user)
    if user.role == "coach" and user.id is not None and trainee_ids_of(db, coach_id=user.id):
        raise AccountError(f"{user.username!r} 还带着学员,请先为他们换教练 / {user.username!r} still coaches "
                           "trainees; give them another coach first", code="still_coaching")
    before, user.role = user.role, role
    db.add(user)
    db.commit()
    audit.record(db, action="user_role_changed", actor_id=actor_id, user=user.username, role={"from": before, "to": role})
    return user


def set_coach(db: Session, *, user: User, coach: str | None, actor_id: int | None) -> User:
    """Put `user` in `coach`'s team, or in none (coach None)."""
    found = find_coach(db, coach=coach) if coach else None
    if found is not None and found.id == user.id:
        raise AccountError("不能做自己的教练 / nobody coaches themselves", code="self_coach")
    before = db.get(User, user.coach_id) if user.coach_id else None
    user.coach_id = found.id if found else None
    db.add(user)
    db.commit()
    audit.record(db, action="user_coach_changed", actor_id=actor_id, user=user.username,
                 coach={"from": before.username if before else None, "to": found.username if found else None})
    return user


def set_active(db: Session, *, user: User, active: bool, actor_id: int | None) -> User:
    """Deactivating ends every sign-in of the account at once; reactivating lets it sign in again."""
    if active == user.active:
        return user
    if not active:
        _keep_an_admin(db, user)
    user.active = active
    db.add(user)
    db.commit()
    if not active and user.id is not None:
        revoke_all(db, user_id=user.id)
    audit.record(db, action="user_activated" if active else "user_deactivated", actor_id=actor_id, user=user.username)
    return user


def reset_password(db: Session, *, user: User, actor_id: int | None, password: str | None = None) -> str:
    """A new one-time password (generated unless given): the user must change it at the next sign-in,
    and every sign-in of theirs ends now."""
    password = password if password is not None else secrets.token_urlsafe(9)
    weak = check_strength(password)
    if weak:
        raise AccountError(weak, code="weak_password")
    user.password_hash, user.must_change_password = hash_password(password), True
    db.add(user)
    db.commit()
    if user.id is not None:
        revoke_all(db, user_id=user.id)
    throttle.clear_account(db, username=user.username)
    audit.record(db, action="user_password_reset", actor_id=actor_id, user=user.username)
    return password
