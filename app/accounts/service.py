"""Accounts and sign-in tokens: keyword-only reads and writes, one commit per call."""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.accounts import names
from app.accounts.passwords import check_strength, hash_password, verify_nothing, verify_password
from app.storage.models import ROLES, AuthToken, FirstRun, User, utcnow

TOKEN_LIFETIME = timedelta(days=14)


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why ("中文 / English"),
    `code` which rule it broke (for API clients)."""

    def __init__(self, message: str, *, code: str) -> None:
        self.code = code
        super().__init__(message)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def count_users(db: Session) -> int:
    return db.exec(select(func.count()).select_from(User)).one()


def get_user(db: Session, *, username: str) -> User | None:
    if not names.storable(username):  # no account has such a name, and the database cannot even compare it
        return None
    return db.exec(select(User).where(User.username == names.normalize(username))).first()


def get_user_by_id(db: Session, *, user_id: int) -> User | None:
    return db.get(User, user_id)


def find_coach(db: Session, *, coach: str) -> User:
    """The active coach named `coach`."""
    found = get_user(db, username=coach)
    if found is None or found.role != "coach" or not found.active:
        raise AccountError(f"{coach!r} 不是教练 / {coach!r} is not a coach", code="not_a_coach")
    return found


def new_user(
    db: Session, *, username: str, password: str, role: str, coach: str | None = None, must_change: bool = False
) -> User:
    """A checked, not yet stored account: the caller adds it and commits (alone or with more)."""
    username = names.normalize(username)
    bad_name = names.problem(username)
    if bad_name:
        raise AccountError(bad_name, code="bad_username")
    if role not in ROLES:
        raise AccountError(f"角色须为 {', '.join(ROLES)} 之一 / the role must be one of {', '.join(ROLES)}, not {role!r}",
                           code="bad_role")
    weak = check_strength(password)
    if weak:
        raise AccountError(weak, code="weak_password")
    if get_user(db, username=username) is not None:
        raise AccountError(f"用户 {username!r} 已存在 / a user named {username!r} already exists", code="user_exists")
    coach_id = find_coach(db, coach=coach).id if coach else None
    return User(username=username, password_hash=hash_password(password), role=role, coach_id=coach_id,
                must_change_password=must_change)


def create_user(
    db: Session, *, username: str, password: str, role: str, coach: str | None = None, must_change: bool = False
) -> User:
    """A new account; the coach, when given, must be an existing coach."""
    user = new_user(db, username=username, password=password, role=role, coach=coach, must_change=must_change)
    db.add(user)
    try:
        db.commit()
    except IntegrityError as exc:  # the same name, created at the same moment by someone else
        db.rollback()
        raise AccountError(f"用户 {user.username!r} 已存在 / a user named {user.username!r} already exists",
                           code="user_exists") from exc
    db.refresh(user)
    return user


def create_first_admin(db: Session, *, username: str, password: str) -> User:
    """The first-run admin: only while no account exists, and only once even when setups race.

    The admin and the single `first_run` row are written in one transaction; the primary key
    of that row lets exactly one of concurrent setups commit."""
    if count_users(db) > 0:
        raise AccountError("已有账户,请直接登录 / accounts already exist; sign in instead", code="accounts_exist")
    user = new_user(db, username=username, password=password, role="admin")
    db.add(user)
    try:
        db.flush()
        db.add(FirstRun(id=1, user_id=user.id))
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise AccountError("已有账户,请直接登录 / accounts already exist; sign in instead", code="accounts_exist") from exc
    db.refresh(user)
    return user


def authenticate(db: Session, *, username: str, password: str) -> User | None:
    """The user whose password this is (active or not), or None."""
    user = get_user(db, username=username)
    if user is None:
        verify_nothing(password)  # same work whether or not the name exists
        return None
    return user if verify_password(user.password_hash, password) else None


def change_password(db: Session, *, user: User, new_password: str, keep_token: str | None = None) -> User:
    """Set a password the user chose: the one-time flag goes, every other sign-in of theirs ends."""
    weak = check_strength(new_password)
    if weak:
        raise AccountError(weak, code="weak_password")
    if verify_password(user.password_hash, new_password):
        raise AccountError("新密码不能与当前密码相同 / the new password must differ from the current one", code="same_password")
    user.password_hash, user.must_change_password = hash_password(new_password), False
    db.add(user)
    stmt = delete(AuthToken).where(AuthToken.user_id == user.id)
    if keep_token is not None:
        stmt = stmt.where(AuthToken.token_hash != _digest(keep_token))
    db.exec(stmt)  # type: ignore[call-overload]
    db.commit()
    db.refresh(user)
    return user


def issue_token(db: Session, *, user: User) -> tuple[str, str]:
    """A new sign-in: (cookie token, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    db.add(AuthToken(token_hash=_digest(token), user_id=user.id, csrf=csrf, expires_at=utcnow() + TOKEN_LIFETIME))
    db.commit()
    return token, csrf


def resolve_token(db: Session, *, token: str) -> tuple[User, str] | None:
    """The signed-in user and their CSRF token, or None for an unknown, expired or deactivated sign-in."""
    row = db.get(AuthToken, _digest(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        return None
    user = db.get(User, row.user_id)
    return (user, row.csrf) if user is not None and user.active else None


def revoke_token(db: Session, *, token: str) -> None:
    row = db.get(AuthToken, _digest(token))
    if row is not None:
        db.delete(row)
        db.commit()


def revoke_all(db: Session, *, user_id: int) -> None:
    """End every sign-in of this user (password reset, deactivation)."""
    db.exec(delete(AuthToken).where(AuthToken.user_id == user_id))  # type: ignore[call-overload]
    db.commit()


def trainee_ids_of(db: Session, *, coach_id: int) -> set[int]:
    return set(db.exec(select(User.id).where(User.coach_id == coach_id)))

