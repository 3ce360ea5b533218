"""Persona cards built in the app: versions, who sees and edits them, and the card a session plays.

The shipped files in personas/ are the built-in set (a session on one has no version id). A card
built here keeps every saved state as a new version row; a session records the version it was
played on, so the engine, replay and grading of a past session never see a later edit.
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.engine.personas import PersonaCard, check_card
from app.storage.models import ChatSession, PersonaCardRow, PersonaVersion, User, utcnow

EDITORS = ("coach", "admin")

# Validated cards by their data: versions never change, and several databases (tests) may share ids.
_cards: dict[str, PersonaCard] = {}


def card_from_data(data: dict[str, Any]) -> PersonaCard | None:
    """The validated card of a version's data, built once; None when the data is not a valid card."""
    key = json.dumps(data, sort_keys=True, ensure_ascii=False)
    if key not in _cards:
        card, _ = check_card(data)
        if card is None:
            return None
        _cards[key] = card
    return _cards[key]


def card_for_session(db: Session, builtins: dict[str, PersonaCard], chat: ChatSession) -> PersonaCard | None:
    """The card the session is played on: its recorded version, or the shipped file."""
    if chat.persona_version_id is None:
        return builtins.get(chat.persona_id)
    version = db.get(PersonaVersion, chat.persona_version_id)
    return card_from_data(version.data) if version is not None else None


def may_edit(user: User, row: PersonaCardRow) -> bool:
    """Admins edit every built card; a coach edits their own."""
    return user.role == "admin" or (user.role == "coach" and row.owner_id == user.id)


def may_see(db: Session, user: User, row: PersonaCardRow) -> bool:
    """`all`: everyone; `team`: the owner, the owner coach's trainees, HR and admins."""
    if row.visibility == "all" or may_edit(user, row) or user.role in ("hr", "admin"):
        return True
    return row.owner_id is not None and user.coach_id == row.owner_id


def latest(db: Session, card_id: str, *, published: bool = False) -> PersonaVersion | None:
    query = select(PersonaVersion).where(PersonaVersion.card_id == card_id)
    if published:
        query = query.where(PersonaVersion.status == "published")
    return db.exec(query.order_by(col(PersonaVersion.number).desc()).limit(1)).first()


def version(db: Session, card_id: str, number: int) -> PersonaVersion | None:
    return db.exec(select(PersonaVersion).where(PersonaVersion.card_id == card_id, PersonaVersion.number == number)).first()


def versions(db: Session, card_id: str) -> list[PersonaVersion]:
    return list(db.exec(select(PersonaVersion).where(PersonaVersion.card_id == card_id)
                        .order_by(col(PersonaVersion.number))))


def create(db: Session, *, card_id: str, owner: User, visibility: str, data: dict[str, Any],
           now: datetime | None = None) -> tuple[PersonaCardRow, PersonaVersion]:
    """A new card with its first draft (version 1)."""
    row = PersonaCardRow(id=card_id, owner_id=owner.id, visibility=visibility, created_at=now or utcnow())
    db.add(row)
    db.flush()
    version = PersonaVersion(card_id=card_id, number=1, data=data, created_by=owner.id, created_at=now or utcnow())
    db.add(version)
    db.commit()
    return row, version


def save_draft(db: Session, *, row: PersonaCardRow, user: User, data: dict[str, Any],
               visibility: str | None = None) -> PersonaVersion:
    """Every edit is a new version: the one before may have been played and must stay as it was."""
    number = db.exec(select(func.max(PersonaVersion.number)).where(PersonaVersion.card_id == row.id)).one() or 0
    version = PersonaVersion(card_id=row.id, number=number + 1, data=data, created_by=user.id)
    if visibility is not None:
        row.visibility = visibility
        db.add(row)
    db.add(version)
    db.commit()
    return version


def publish(db: Session, version: PersonaVersion) -> PersonaVersion:
    version.status = "published"
    db.add(version)
    db.commit()
    return version


def visible_published(db: Session, user: User) -> list[tuple[PersonaCardRow, PersonaVersion, PersonaCard]]:
    """The published cards `user` may practise, each at its latest published version."""
    query = select(PersonaCardRow).order_by(col(PersonaCardRow.id))
    if user.role not in ("hr", "admin"):
        owners = {user.coach_id} if user.coach_id is not None else set()
        if user.id is not None:
            owners.add(user.id)
        query = query.where((col(PersonaCardRow.visibility) == "all") | col(PersonaCardRow.owner_id).in_(owners))
    out = []
    for row in db.exec(query):
        version = latest(db, row.id, published=True)
        card = card_from_data(version.data) if version is not None else None
        if version is not None and card is not None:
            out.append((row, version, card))
    return out


def practice_cards(db: Session, builtins: dict[str, PersonaCard], user: User) -> dict[str, PersonaCard]:
    """Every card `user` may practise or assign, by id: the shipped ones and the published built ones."""
    return {**builtins, **{row.id: card for row, _, card in visible_published(db, user)}}


def summaries(db: Session, builtins: dict[str, PersonaCard], user: User) -> list[dict[str, Any]]:
    """The public side of every card `user` may practise: the shipped ones, then the published built
    ones (with their `version`)."""
    built = [{**card.summary(), "version": version.number, "built": True}
             for _, version, card in visible_published(db, user)]
    return [card.summary() for card in builtins.values()] + built


def editable(db: Session, user: User) -> list[PersonaCardRow]:
    query = select(PersonaCardRow).order_by(col(PersonaCardRow.id))
    if user.role != "admin":
        query = query.where(PersonaCardRow.owner_id == user.id)
    return list(db.exec(query)) if user.role in EDITORS else []
