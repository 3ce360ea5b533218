"""Who may see and annotate what (teams): the rules in one place.

A trainee sees their own sessions, a coach their trainees' (and their own), HR and admin
all. A session someone may not see does not exist for them (404).
"""

from sqlmodel import Session

from app.accounts.service import trainee_ids_of
from app.storage.models import ChatSession, User

SEE_ALL = ("hr", "admin")


def visible_owner_ids(db: Session, user: User) -> set[int] | None:
    """Owners whose sessions `user` may see; None means every session."""
    if user.role in SEE_ALL:
        return None
    owners = {user.id} if user.id is not None else set()
    if user.role == "coach" and user.id is not None:
        owners |= trainee_ids_of(db, coach_id=user.id)
    return owners


def can_see(db: Session, user: User, chat: ChatSession) -> bool:
    owners = visible_owner_ids(db, user)
    return owners is None or chat.user_id in owners


def can_annotate(db: Session, user: User, chat: ChatSession) -> bool:
    """Coaches comment on and calibrate their trainees' sessions; admins on any. HR only reads."""
    if user.role == "admin":
        return True
    return user.role == "coach" and can_see(db, user, chat)
