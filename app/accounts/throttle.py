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


def _count_since(db: Session, column: object, value: str, since: float) -> list[float]:
    stmt = select(LoginAttempt.at).where(column == value, col(LoginAttempt.at) > since).order_by(col(LoginAttempt.at))
    return list(db.exec(stmt))


def _wait(times: list[float], limit: int, window_s: float, now: float) -> float:
    """Seconds until fewer than `limit` of `times` lie inside the window (0 when that is already so)."""
    if len(times) < limit:
        return 0.0
    return max(0.0, times[len(times) - limit] + window_s - now)


def begin(db: Session, *, username: str, client: str, now: float, limits: Limits) -> tuple[int | None, float]:
    """Count this attempt; (its id, 0) when it may go on, (None, seconds to wait) when it is refused."""
    username, client = _key(username, 200), _key(client, 100)
    db.exec(delete(LoginAttempt).where(col(LoginAttempt.at) <= now - limits.window_s))  # type: ignore[call-overload]
    attempt = LoginAttempt(username=username, client=client, at=now)
    db.add(attempt)
    db.commit()
    since = now - limits.window_s
    by_account = _count_since(db, LoginAttempt.username, username, since)
    by_client = _count_since(db, LoginAttempt.client, client, since)
    if len(by_account) <= limits.per_account and len(by_client) <= limits.per_client:
        return attempt.id, 0.0
    db.delete(attempt)  # a refused attempt checks no password, so it does not lengthen the pause
    db.commit()
    by_account.remove(now)
    by_client.remove(now)
    wait = max(_wait(by_account, limits.per_account, limits.window_s, now),
               _wait(by_client, limits.per_client, limits.window_s, now))
    return None, max(wait, 1.0)


def succeeded(db: Session, *, attempt_id: int, username: str) -> None:
    """The password was right: this attempt was no failure, and the account's count starts again."""
    db.exec(delete(LoginAttempt).where(  # type: ignore[call-overload]
        (col(LoginAttempt.id) == attempt_id) | (col(LoginAttempt.username) == _key(username, 200))))
    db.commit()


def clear_account(db: Session, *, username: str) -> None:
    """A new password set by an admin: earlier failures no longer count against the account."""
    db.exec(delete(LoginAttempt).where(col(LoginAttempt.username) == _key(username, 200)))  # type: ignore[call-overload]
    db.commit()

