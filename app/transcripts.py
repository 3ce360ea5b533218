"""Stored turns to the transcript JSON of DESIGN 4.1, and ending a session with its scorecard."""

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row
from sqlmodel import Session

from app.storage import repo
from app.storage.models import ChatSession, Scorecard, Turn, half_spoken, utcnow
from scoring import Rubric, Transcript, display, grade, label


def turn_json(turn: Turn | Row[Any]) -> dict[str, Any]:
    """One turn as DESIGN 4.1 writes it; times the turn does not have are left out."""
    data: dict[str, Any] = {"seq": turn.seq, "speaker": turn.speaker, "text": turn.text}
    fields = ("typing_started_at", "sent_at") if turn.speaker == "trainee" else ("started_at", "ended_at")
    for name in fields:
        value = getattr(turn, name)
        if value is not None:
            data[name] = round(value, 3)
    if turn.renderer:
        data["renderer"] = turn.renderer
    if turn.speaker == "customer" and turn.acts is not None:
        data["acts"] = turn.acts
    return data


def transcript_json(chat: ChatSession | Row[Any], turns: Sequence[Turn | Row[Any]]) -> dict[str, Any]:
    """The session's transcript; a customer reply still being spoken (no words, no end) is not part of it yet."""
    data: dict[str, Any] = {
        "session_id": chat.id,
        "persona_id": chat.persona_id,
        "language": chat.language,
        "turns": [turn_json(t) for t in turns if not half_spoken(t)],
    }
    retry_of = getattr(chat, "retry_of_session", None)
    if retry_of is not None:  # a retry: the earlier turns came from this session, up to this trainee turn
        data["retry_of"] = {"session_id": retry_of, "seq": chat.retry_of_seq}
    return data


def scorable(mode: str, transcript: dict[str, Any]) -> bool:
    """A practice session in which the trainee said nothing gets no scorecard (and no place in the
    trend); a certification attempt is graded whatever was said."""
    return mode != "practice" or any(t["speaker"] == "trainee" for t in transcript["turns"])


def load_transcript(db: Session, *, session_id: str) -> dict[str, Any] | None:
    chat = repo.get_session(db, session_id=session_id)
    if chat is None:
        return None
    return transcript_json(chat, repo.list_turns(db, session_id=session_id))


def with_figures(db: Session, *, session_id: str, card: dict[str, Any]) -> dict[str, Any]:
    """A stored scorecard with the figures pages show (scoring/display.py), filled in from its
    transcript where it was graded before the grader wrote them."""
    if "talk_percent" in card and "question_pauses" in card:
        return card
    transcript = load_transcript(db, session_id=session_id)
    return display.complete(card, Transcript.model_validate(transcript)) if transcript else card


def close_for_grading(db: Session, *, session_id: str) -> tuple[dict[str, Any] | None, dict[str, Any], bool]:
    """End the session (once); return its stored scorecard, if any, its transcript, and whether it
    is to be graded (`scorable`)."""
    stored, head, turns = repo.close_session(db, session_id=session_id)
    transcript = transcript_json(head, turns)
    return stored, transcript, scorable(head.mode, transcript)


def grade_transcript(transcript: dict[str, Any], rubric: Rubric, hints: dict[str, Any] | None = None) -> dict[str, Any]:
    """The scorecard JSON of a transcript (pure CPU work: callers keep it out of the database lane)."""
    return grade(Transcript.model_validate(transcript), rubric, **(hints or {})).model_dump(mode="json")


def end_and_grade(db: Session, *, session_id: str, rubric: Rubric, hints: dict[str, Any] | None = None) -> dict[str, Any]:
    """End the session (once) and store its scorecard; return the scorecard JSON."""
    stored, transcript, _scorable = close_for_grading(db, session_id=session_id)
    if stored is not None:
        return with_figures(db, session_id=session_id, card=stored)
    card = grade_transcript(transcript, rubric, hints)
    return repo.store_scorecard(db, session_id=session_id, rubric=rubric.name, data=card)


def import_transcript(
    db: Session, *, transcript: Transcript, owner_id: int | None, rubric: Rubric, hints: dict[str, Any] | None
) -> tuple[ChatSession, dict[str, Any]]:
    """Store a transcript recorded elsewhere as an ended session, labelled and graded.

    It is graded first and stored in one transaction, so a failure leaves nothing behind;
    callers check it with app.import_checks before."""
    chat = ChatSession(id=uuid.uuid4().hex, persona_id=transcript.persona_id or "imported",
                       language=transcript.language, engine_state={}, user_id=owner_id, mode="imported",
                       status="ended", ended_at=utcnow())
    card = grade(transcript, rubric, **(hints or {})).model_dump(mode="json")
    card["session_id"] = chat.id
    turns = []
    for turn in sorted(transcript.turns, key=lambda t: t.seq):
        verdict = label(turn.text, transcript.language) if turn.speaker == "trainee" else None
        turns.append(Turn(
            session_id=chat.id, seq=turn.seq, speaker=turn.speaker, text=turn.text,
            typing_started_at=turn.typing_started_at, sent_at=turn.sent_at, started_at=turn.started_at,
            ended_at=turn.ended_at, acts=turn.acts if turn.speaker == "customer" else None,
            label=verdict.label if verdict else None, topic=verdict.topic if verdict else None,
            rule=verdict.rule if verdict else None,
        ))
    scorecard = Scorecard(session_id=chat.id, rubric=rubric.name, overall=int(card["overall"]),
                          passed=card.get("passed"), data=card)
    repo.store_imported(db, chat=chat, turns=turns, scorecard=scorecard)
    return chat, card
