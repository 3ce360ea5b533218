"""Sign-in throttling: too many wrong passwords for one account, or from one client, pause sign-ins there.

Every attempt is written down *before* its password is checked and removed again when the
password was right, so a burst of simultaneous guesses is counted as it happens, not after.
The rows live in the database (every worker sees the same count) and carry the app clock's
reading, so a test moves time instead of waiting.
"""

from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.accounts import names
from app.storage.models import LoginAttempt


def _key(text: str, length: int) -> str:
    """What a typed name or an address is counted under, storable whatever was typed (NUL, lone surrogates)."""
    return names.normalize(text).replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")[:length]


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_client: int
    window_s: float


def _times(db: Session, column: object, value: str, since: float, leave_out: int | None) -> list[float]:
    stmt = select(LoginAttempt.at).where(column == value, col(LoginAttempt.at) > since)
    if leave_out is not None:
        stmt = stmt.where(col(LoginAttempt.id) != leave_out)
    return list(db.exec(stmt.order_by(col(LoginAttempt.at))))


def _wait(times: list[float], limit: int, window_s: float, now: float) -> float:
    """Seconds until one more attempt fits: fewer than `limit` of `times` inside the window (0: it fits now)."""
    if len(times) < limit:
        return 0.0
    return max(1.0, times[len(times) - limit] + window_s - now)


def _refused_for(db: Session, username: str, client: str, now: float, limits: Limits,
                 leave_out: int | None = None) -> float:
    """Seconds to wait before one more attempt (besides `leave_out`) may be made; 0 when it may be made now."""
    since = now - limits.window_s
    return max(_wait(_times(db, LoginAttempt.username, username, since, leave_out), limits.per_account,
                     limits.window_s, now),
               _wait(_times(db, LoginAttempt.client, client, since, leave_out), limits.per_client,
                     limits.window_s, now))


def begin(db: Session, *, username: str, client: str, now: float, limits: Limits) -> tuple[int | None, float]:
    """Count this attempt; (its id, 0) when it may go on, (None, seconds to wait) when it is refused.

    A refused attempt checks no password and is not kept, so it does not lengthen the pause."""
    username, client = _key(username, 200), _key(client, 100)
    wait = _refused_for(db, username, client, now, limits)
    if wait:
        return None, wait
    db.exec(delete(LoginAttempt).where(col(LoginAttempt.at) <= now - limits.window_s))  # type: ignore[call-overload]
    attempt = LoginAttempt(username=username, client=client, at=now)
    db.add(attempt)
    db.commit()
    wait = _refused_for(db, username, client, now, limits, leave_out=attempt.id)  # others may have come meanwhile
    if wait:
        db.delete(attempt)
        db.commit()
        return None, wait
    return attempt.id, 0.0


def succeeded(db: Session, *, attempt_id: int, username: str) -> None:
    """The password was right: this attempt was no failure, and the account's count starts again."""
    db.exec(delete(LoginAttempt).where(  # type: ignore[call-overload]
        (col(LoginAttempt.id) == attempt_id) | (col(LoginAttempt.username) == _key(username, 200))))
    db.commit()


def clear_account(db: Session, *, username: str) -> None:
    """A new password set by an admin: earlier failures no longer count against the account."""
    db.exec(delete(LoginAttempt).where(col(LoginAttempt.username) == _key(username, 200)))  # type: ignore[call-overload]
    db.commit()

