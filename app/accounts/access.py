"""Who may see and annotate what (teams): the rules in one place.

A trainee sees their own sessions, a coach their trainees' (and their own), HR and admin
all. A session someone may not see does not exist for them (404). The result of a
certification attempt (score, pass, labels, the engine's record) is HR's until HR releases it.
"""

from sqlmodel import Session

from app.accounts.service import trainee_ids_of
from app.storage.models import Certification, ChatSession, User

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


def can_reply(db: Session, user: User, chat: ChatSession) -> bool:
    """Replies to comments come from those who comment and from the trainee whose session it is;
    the same people see which comments are new to them."""
    return can_annotate(db, user, chat) or (chat.user_id is not None and chat.user_id == user.id)


def sees_unreleased(user: User) -> bool:
    """HR and admins see certification results before release; nobody else does."""
    return user.role in SEE_ALL


def result_hidden(db: Session, user: User, chat: ChatSession) -> bool:
    """Whether everything `chat` says about how the attempt went is withheld from `user`."""
    if chat.certification_id is None or sees_unreleased(user):
        return False
    cert = db.get(Certification, chat.certification_id)
    return cert is None or not cert.released
