"""Accounts and sign-in tokens: keyword-only reads and writes, one commit per call."""

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import Session, select

from app.accounts.passwords import check_strength, hash_password, verify_password
from app.storage.models import ROLES, AuthToken, User, utcnow

TOKEN_LIFETIME = timedelta(days=14)


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def count_users(db: Session) -> int:
    return db.exec(select(func.count()).select_from(User)).one()


def get_user(db: Session, *, username: str) -> User | None:
    return db.exec(select(User).where(User.username == username)).first()


def get_user_by_id(db: Session, *, user_id: int) -> User | None:
    return db.get(User, user_id)


def create_user(
    db: Session, *, username: str, password: str, role: str, coach: str | None = None, must_change: bool = False
) -> User:
    """A new account; the coach, when given, must be an existing coach."""
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("the user name must have 1 to 100 characters")
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    weak = check_strength(password)
    if weak:
        raise AccountError(weak)
    if get_user(db, username=username) is not None:
        raise AccountError(f"a user named {username!r} already exists")
    coach_id = None
    if coach:
        coach_user = get_user(db, username=coach)
        if coach_user is None or coach_user.role != "coach":
            raise AccountError(f"{coach!r} is not a coach")
        coach_id = coach_user.id
    user = User(username=username, password_hash=hash_password(password), role=role, coach_id=coach_id,
                must_change_password=must_change)
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


def authenticate(db: Session, *, username: str, password: str) -> User | None:
    user = get_user(db, username=username.strip())
    if user is None:
        verify_password(_DUMMY_HASH, password)  # same work whether or not the name exists
        return None
    return user if verify_password(user.password_hash, password) else None


def issue_token(db: Session, *, user: User) -> tuple[str, str]:
    """A new sign-in: (cookie token, CSRF token). Only the token's hash is stored."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    db.add(AuthToken(token_hash=_digest(token), user_id=user.id, csrf=csrf, expires_at=utcnow() + TOKEN_LIFETIME))
    db.commit()
    return token, csrf


def resolve_token(db: Session, *, token: str) -> tuple[User, str] | None:
    """The signed-in user and their CSRF token, or None for an unknown or expired token."""
    row = db.get(AuthToken, _digest(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=timezone.utc)
    if expires <= datetime.now(timezone.utc):
        return None
    user = db.get(User, row.user_id)
    return (user, row.csrf) if user is not None else None


def revoke_token(db: Session, *, token: str) -> None:
    row = db.get(AuthToken, _digest(token))
    if row is not None:
        db.delete(row)
        db.commit()


def trainee_ids_of(db: Session, *, coach_id: int) -> set[int]:
    return set(db.exec(select(User.id).where(User.coach_id == coach_id)))


_DUMMY_HASH = hash_password("timing-equaliser")
