"""Reads and writes of sessions, turns and scorecards; keyword-only, one commit per call.

Every write that the WebSocket acknowledges goes through here and is committed before the
acknowledgement is sent.
"""

import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Row, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col
from sqlmodel import select as select_models

from app.storage.models import ChatSession, Scorecard, Turn, half_spoken, utcnow


class SessionEnded(Exception):
    """The session has ended: it takes no more lines, whichever connection sends them."""


def create_session(
    db: Session,
    *,
    persona_id: str,
    language: str,
    engine_state: dict[str, Any],
    user_id: int | None = None,
    mode: str = "practice",
    opened_at: float | None = None,
    persona_version_id: int | None = None,
) -> ChatSession:
    row = ChatSession(
        id=uuid.uuid4().hex, persona_id=persona_id, language=language, engine_state=engine_state, user_id=user_id,
        mode=mode, opened_at=opened_at, persona_version_id=persona_version_id,
    )
    db.add(row)
    db.commit()
    db.refresh(row)
    return row


def create_retry(
    db: Session, *, source: ChatSession, seq: int, engine_state: dict[str, Any], earlier: list[Turn], opened_at: float,
) -> ChatSession:
    """A new practice session of `source`'s persona that starts with its turns before `seq` and the
    engine state they left, in one commit; it records where it came from."""
    row = ChatSession(
        id=uuid.uuid4().hex, persona_id=source.persona_id, language=source.language, engine_state=engine_state,
        user_id=source.user_id, opened_at=opened_at, retry_of_session=source.id, retry_of_seq=seq,
        persona_version_id=source.persona_version_id,
    )
    db.add(row)
    db.flush()  # the session row first: the turns refer to it
    fields = ("seq", "speaker", "text", "typing_started_at", "sent_at", "started_at", "ended_at", "label", "topic",
              "rule", "renderer", "acts")
    db.add_all([Turn(session_id=row.id, **{name: getattr(turn, name) for name in fields}) for turn in earlier])
    db.commit()
    db.refresh(row)
    return row


def _carried_over_until(db: Session, session_id: str) -> float:
    """The latest time among turns a session started with (a retry's earlier turns), else 0."""
    latest = db.connection().execute(
        select(func.max(func.coalesce(TURN.c.ended_at, TURN.c.sent_at, TURN.c.started_at, 0.0)))
        .where(TURN.c.session_id == session_id)).scalar()
    return float(latest or 0.0)


def create_attempt(
    db: Session,
    *,
    persona_id: str,
    language: str,
    engine_state: dict[str, Any],
    user_id: int,
    certification_id: str,
    attempt_no: int,
    deadline: float,
    origin: float,
) -> ChatSession | None:
    """Store a certification attempt whole, in one commit; None when this candidate's attempt
    `attempt_no` already exists (another request took it first: the unique index decides)."""
    row = ChatSession(
        id=uuid.uuid4().hex, persona_id=persona_id, language=language, engine_state=engine_state, user_id=user_id,
        mode="certification", certification_id=certification_id, attempt_no=attempt_no, deadline=deadline,
        origin=origin,
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return None
    db.refresh(row)
    return row


def get_session(db: Session, *, session_id: str) -> ChatSession | None:
    return db.get(ChatSession, session_id)


def open_session(
    db: Session, *, session_id: str, user_id: int | None, now: float
) -> tuple[ChatSession, list[Turn]] | None:
    """What a connecting socket needs, in one call: the session if it is this user's, with its
    time origin fixed by the first connection, and the trainee lines the customer has not yet
    taken in (a dropped connection or a killed worker left them unanswered)."""
    chat = db.get(ChatSession, session_id)
    if chat is None or chat.user_id != user_id:
        return None
    if chat.origin is None:
        # A retry starts with earlier turns: its clock goes on from the last of them.
        chat.origin = now - _carried_over_until(db, session_id)
        db.add(chat)
        db.commit()
    last_seq = int((chat.engine_state or {}).get("last_seq", 0))
    unanswered = db.exec(select_models(Turn).where(Turn.session_id == session_id, Turn.speaker == "trainee",
                                            Turn.seq > last_seq).order_by(col(Turn.seq)))
    return chat, list(unanswered)


def list_turns(db: Session, *, session_id: str, after_seq: int = 0) -> list[Turn]:
    stmt = select_models(Turn).where(Turn.session_id == session_id, Turn.seq > after_seq).order_by(Turn.seq)
    return list(db.exec(stmt))


# The turn path (a line in, a reply out) runs these statements hundreds of times a second:
# they are Core statements on the tables, built once, so each call skips the ORM's unit of
# work and reuses the compiled SQL.
TURN: Table = Turn.__table__  # type: ignore[attr-defined]
CHAT: Table = ChatSession.__table__  # type: ignore[attr-defined]

_MARK_TYPING = (update(CHAT).where(CHAT.c.id == bindparam("sid"), CHAT.c.pending_typing_at.is_(None),
                                   CHAT.c.status != "ended")
                .values(pending_typing_at=bindparam("at")))
# Writing a turn starts by holding the session row while it is open: ending the session waits
# for the turn (and then grades it), or the turn sees the end and is refused. On PostgreSQL this
# is the row lock; on SQLite the database write lock.
_HOLD_OPEN = update(CHAT).where(CHAT.c.id == bindparam("sid"), CHAT.c.status != "ended").values(status=CHAT.c.status)
_LINE_CONTEXT = select(
    select(TURN.c.id).where(TURN.c.session_id == bindparam("sid"), TURN.c.client_id == bindparam("cid"))
    .scalar_subquery(),
    CHAT.c.pending_typing_at,
    select(func.max(TURN.c.seq)).where(TURN.c.session_id == bindparam("sid")).scalar_subquery(),
).where(CHAT.c.id == bindparam("sid"))
_LAST_SEQ = select(func.max(TURN.c.seq)).where(TURN.c.session_id == bindparam("sid"))
_INSERT_TURN = insert(TURN).returning(TURN.c.id)
_CLEAR_TYPING = update(CHAT).where(CHAT.c.id == bindparam("sid")).values(pending_typing_at=None)
_TAKE_LEASE = (
    update(CHAT)
    .where(CHAT.c.id == bindparam("sid"), or_(CHAT.c.reply_lease.is_(None), CHAT.c.reply_lease < bindparam("now")))
    .values(reply_lease=bindparam("until"), reply_owner=bindparam("owner"))
    .returning(CHAT.c.engine_state, CHAT.c.status, CHAT.c.pending_typing_at)
)
_LEASE_UNTIL = select(CHAT.c.reply_lease).where(CHAT.c.id == bindparam("sid"))
_OWNED = (CHAT.c.id == bindparam("sid")) & (CHAT.c.reply_owner == bindparam("owner"))
_RENEW_LEASE = update(CHAT).where(_OWNED).values(reply_lease=bindparam("until"))
# Every turn of the session that models.half_spoken names.
_DROP_HALF_SPOKEN = delete(TURN).where(TURN.c.session_id == bindparam("sid"), TURN.c.speaker == "customer",
                                       TURN.c.ended_at.is_(None), TURN.c.text == "")
_TURNS_AFTER = (select(TURN).where(TURN.c.session_id == bindparam("sid"), TURN.c.seq > bindparam("after"))
                .order_by(TURN.c.seq))
_RELEASE_LEASE = update(CHAT).where(_OWNED).values(reply_lease=None, reply_owner=None)
_FINISH_TURN = (update(TURN).where(TURN.c.id == bindparam("tid"))
                .values(text=bindparam("words"), ended_at=bindparam("at"), renderer=bindparam("by"),
                        acts=bindparam("acts", type_=TURN.c.acts.type)))
_SAVE_STATE = (update(CHAT).where(_OWNED)
               .values(engine_state=bindparam("state", type_=CHAT.c.engine_state.type), reply_lease=None,
                       reply_owner=None))


def mark_typing(db: Session, *, session_id: str, at: float) -> bool:
    """Record the first keystroke of the line being typed; later keystrokes change nothing."""
    marked = db.connection().execute(_MARK_TYPING, {"sid": session_id, "at": at}).rowcount
    db.commit()
    return bool(marked)


def _insert_turn(db: Session, **values: Any) -> Turn:
    """Insert one turn (Core, no unit of work) and return it as a detached row object."""
    values.setdefault("created_at", utcnow())
    turn_id = db.connection().execute(_INSERT_TURN, values).scalar_one()
    return Turn(id=turn_id, **values)


def _hold_open(db: Session, session_id: str) -> bool:
    """Begin a turn's transaction holding the session row; False when the session has ended."""
    return bool(db.connection().execute(_HOLD_OPEN, {"sid": session_id}).rowcount)


def append_trainee_turn(
    db: Session,
    *,
    session_id: str,
    client_id: str,
    text: str,
    sent_at: float,
    label: str | None = None,
    topic: str | None = None,
    rule: str | None = None,
) -> tuple[Turn, bool]:
    """Store a trainee line once per client id; return (turn, created).

    The pending first keystroke becomes the line's `typing_started_at` and is cleared. A line
    already stored under this client id is returned as it is; a new one in an ended session
    raises SessionEnded.
    """
    for _attempt in range(5):
        is_open = _hold_open(db, session_id)
        # One read: the line already stored under this client id, the pending keystroke, the last seq.
        known = db.connection().execute(_LINE_CONTEXT, {"sid": session_id, "cid": client_id}).one()
        existing_id, typing, last_seq = known
        if existing_id is not None:
            db.rollback()
            existing = db.get(Turn, existing_id)
            assert existing is not None
            return existing, False
        if not is_open:
            db.rollback()
            raise SessionEnded(session_id)
        try:
            turn = _insert_turn(
                db, session_id=session_id, seq=(last_seq or 0) + 1, speaker="trainee", text=text,
                client_id=client_id, typing_started_at=typing if typing is not None and typing <= sent_at else None,
                sent_at=sent_at, label=label, topic=topic, rule=rule,
            )
            if typing is not None:
                db.connection().execute(_CLEAR_TYPING, {"sid": session_id})
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return turn, True
    raise RuntimeError(f"could not allocate a turn number in session {session_id}")


@dataclass(frozen=True)
class Held:
    """Someone else holds the reply lease until `until` (seconds from the session start)."""

    until: float


def _take_lease(db: Session, *, session_id: str, now: float, lease_s: float, owner: str) -> Row[Any] | Held:
    """Take the right to produce the next customer turn, for every worker at once (not committed).

    Succeeds when nobody holds an unexpired lease: its holder renews it while it speaks, so a
    worker that died holds it no longer than one lease. Returns the session's (engine_state,
    status, pending_typing_at); Held, rolled back, when another holds it.
    """
    conn = db.connection()
    claimed = conn.execute(_TAKE_LEASE, {"sid": session_id, "now": now, "until": now + lease_s, "owner": owner}).first()
    if claimed is not None:
        return claimed
    until = conn.execute(_LEASE_UNTIL, {"sid": session_id}).scalar()
    db.rollback()
    return Held(now if until is None else float(until))


def claim_reply(db: Session, *, session_id: str, now: float, lease_s: float, owner: str) -> Row[Any] | None:
    """Take the reply lease for `owner`, drop a turn a dead worker left half-spoken, and return
    the session's (engine_state, status, pending_typing_at) as they are now; None when held."""
    claimed = _take_lease(db, session_id=session_id, now=now, lease_s=lease_s, owner=owner)
    if isinstance(claimed, Held):
        return None
    db.connection().execute(_DROP_HALF_SPOKEN, {"sid": session_id})
    db.commit()
    return claimed


def renew_reply(db: Session, *, session_id: str, owner: str, until: float) -> bool:
    """Extend the lease while its reply is being spoken; False when `owner` no longer holds it."""
    renewed = db.connection().execute(_RENEW_LEASE, {"sid": session_id, "owner": owner, "until": until}).rowcount
    db.commit()
    return bool(renewed)


def release_reply(db: Session, *, session_id: str, owner: str) -> None:
    """Give up the lease, if `owner` still holds it."""
    db.connection().execute(_RELEASE_LEASE, {"sid": session_id, "owner": owner})
    db.commit()


def _next_seq(db: Session, session_id: str) -> int:
    return int(db.connection().execute(_LAST_SEQ, {"sid": session_id}).scalar() or 0) + 1


def begin_customer_turn(db: Session, *, session_id: str, started_at: float) -> Turn:
    """Reserve the customer's turn number when it starts speaking (customer_start names it);
    SessionEnded when the session has ended."""
    for _attempt in range(5):
        if not _hold_open(db, session_id):
            db.rollback()
            raise SessionEnded(session_id)
        try:
            turn = _insert_turn(db, session_id=session_id, seq=_next_seq(db, session_id), speaker="customer", text="",
                                started_at=started_at)
            db.commit()
        except IntegrityError:
            db.rollback()
            continue
        return turn
    raise RuntimeError(f"could not allocate a turn number in session {session_id}")


class Begun(NamedTuple):
    """A reply this caller now produces, under its lease."""

    engine_state: dict[str, Any]
    pending: list[Turn]  # the trainee lines the customer has not taken in
    said: list[Turn]  # finished customer turns since the last line taken in (another connection spoke them)
    turn: Turn  # the customer turn reserved for the reply


def claim_and_begin(
    db: Session, *, session_id: str, now: float, lease_s: float, owner: str
) -> Begun | Held | None:
    """In one transaction for the reply path: take the reply lease for `owner`, read the turns
    after the last line the customer took in, drop one a dead worker left half-spoken, and
    reserve the customer's turn after the last. Held when someone else holds the lease; None
    when the session has ended or nothing is waiting for an answer."""
    claimed = _take_lease(db, session_id=session_id, now=now, lease_s=lease_s, owner=owner)
    if isinstance(claimed, Held):
        return claimed
    engine_state, status = claimed.engine_state, claimed.status
    conn = db.connection()
    after = list(conn.execute(_TURNS_AFTER, {"sid": session_id, "after": int((engine_state or {}).get("last_seq", 0))}))
    kept = [t for t in after if not half_spoken(t)]
    if len(kept) < len(after):
        conn.execute(_DROP_HALF_SPOKEN, {"sid": session_id})
    pending = [Turn(**t._mapping) for t in kept if t.speaker == "trainee"]
    if not pending or status == "ended":
        conn.execute(_RELEASE_LEASE, {"sid": session_id, "owner": owner})
        db.commit()
        return None
    said = [Turn(**t._mapping) for t in kept if t.speaker == "customer"]
    turn = _insert_turn(db, session_id=session_id, seq=kept[-1].seq + 1, speaker="customer", text="", started_at=now)
    db.commit()
    return Begun(engine_state, pending, said, turn)


_STATE = select(CHAT.c.engine_state, CHAT.c.status).where(CHAT.c.id == bindparam("sid"))


def waiting_lines(db: Session, *, session_id: str) -> tuple[dict[str, Any], list[Turn]] | None:
    """Read only: the engine state and the trainee lines the customer has not taken in yet, as
    `claim_and_begin` would find them now (for pacing the reply before it is produced); None
    when nothing waits or the session has ended."""
    conn = db.connection()
    head = conn.execute(_STATE, {"sid": session_id}).first()
    if head is None or head.status == "ended":
        return None
    after = conn.execute(_TURNS_AFTER, {"sid": session_id, "after": int((head.engine_state or {}).get("last_seq", 0))})
    pending = [Turn(**t._mapping) for t in after if t.speaker == "trainee"]
    return (head.engine_state, pending) if pending else None


def finish_customer_turn(
    db: Session, *, session_id: str, turn_id: int, text: str, ended_at: float, renderer: str,
    engine_state: dict[str, Any], owner: str, acts: list[dict[str, Any]] | None = None,
) -> bool:
    """Store the customer's finished words together with the decisions they word and the
    engine state that chose them, and give up the reply lease. Stores nothing and answers
    False when `owner` lost the lease (it stalled past it and another took over the reply).

    When the session ended while the turn was being spoken (another connection ended it), the
    turn was graded as not yet said: it is dropped, and SessionEnded raised."""
    conn = db.connection()
    if not _hold_open(db, session_id):
        conn.execute(delete(TURN).where(TURN.c.id == turn_id, TURN.c.ended_at.is_(None)))
        conn.execute(_RELEASE_LEASE, {"sid": session_id, "owner": owner})
        db.commit()
        raise SessionEnded(session_id)
    if not conn.execute(_SAVE_STATE, {"sid": session_id, "owner": owner, "state": engine_state}).rowcount:
        db.rollback()
        return False
    conn.execute(_FINISH_TURN, {"tid": turn_id, "words": text, "at": ended_at, "by": renderer, "acts": acts})
    db.commit()
    return True


SCORE: Table = Scorecard.__table__  # type: ignore[attr-defined]
_END = (update(CHAT).where(CHAT.c.id == bindparam("sid"), CHAT.c.status != "ended")
        .values(status="ended", ended_at=bindparam("at")))
_HEAD = select(CHAT.c.id, CHAT.c.persona_id, CHAT.c.language, CHAT.c.mode, CHAT.c.retry_of_session,
               CHAT.c.retry_of_seq).where(CHAT.c.id == bindparam("sid"))
_CARD = select(SCORE.c.data).where(SCORE.c.session_id == bindparam("sid"))
_INSERT_CARD = insert(SCORE)


def close_session(db: Session, *, session_id: str) -> tuple[dict[str, Any] | None, Row[Any], list[Row[Any]]]:
    """End the session (once) and read, in the same transaction, what grading it needs:
    (its stored scorecard or None, its id/persona/language, its turns in order)."""
    conn = db.connection()
    conn.execute(_END, {"sid": session_id, "at": utcnow()})
    stored = conn.execute(_CARD, {"sid": session_id}).scalar()
    head = conn.execute(_HEAD, {"sid": session_id}).one()
    turns = list(conn.execute(_TURNS_AFTER, {"sid": session_id, "after": 0}))
    db.commit()
    return stored, head, turns


def store_scorecard(db: Session, *, session_id: str, rubric: str, data: dict[str, Any]) -> dict[str, Any]:
    """Store a session's first scorecard and return it; when another connection stored one
    first (both graded the same transcript), that one is kept and returned."""
    try:
        db.connection().execute(_INSERT_CARD, {
            "session_id": session_id, "rubric": rubric, "overall": int(data["overall"]), "passed": data.get("passed"),
            "data": data, "created_at": utcnow(),
        })
        db.commit()
    except IntegrityError:
        db.rollback()
        stored = db.connection().execute(_CARD, {"sid": session_id}).scalar_one()
        db.commit()
        return stored
    return data


def store_imported(db: Session, *, chat: ChatSession, turns: list[Turn], scorecard: Scorecard) -> None:
    """Store an imported session whole, in one transaction: all of it or, on any error, nothing."""
    try:
        db.add(chat)
        db.flush()  # the session row first: the turns and the scorecard refer to it
        db.add_all([*turns, scorecard])
        db.commit()
    except Exception:
        db.rollback()
        raise


def get_scorecard(db: Session, *, session_id: str) -> Scorecard | None:
    return db.get(Scorecard, session_id)
