"""Closing practice sessions nobody came back to: after `settings.idle_close_s` without a line,
a keystroke or a reply, an open practice session is ended and graded (or, when the trainee said
nothing, ended without a score), so the library does not keep it "in progress" for ever.

`close_idle` is one sweep on the app's clock (tests call it after moving their fake clock);
`sweep_forever` runs it on a timer for the app's lifespan.
"""

import asyncio
import logging
from datetime import timezone

from anyio import to_thread
from sqlalchemy import func, select
from sqlmodel import Session

from app.core.context import AppContext
from app.storage import persona_cards, repo
from app.storage.models import ChatSession, Turn
from app.transcripts import close_for_grading, grade_transcript

log = logging.getLogger(__name__)


def idle_session_ids(db: Session, *, now: float, idle_s: float) -> list[str]:
    """Open practice sessions whose last sign of life is `idle_s` or more before `now` (clock seconds)."""
    turn = Turn.__table__  # type: ignore[attr-defined]
    latest = (select(turn.c.session_id,
                     func.max(func.coalesce(turn.c.ended_at, turn.c.sent_at, turn.c.started_at)).label("at"))
              .group_by(turn.c.session_id).subquery())
    chat = ChatSession.__table__  # type: ignore[attr-defined]
    rows = db.connection().execute(
        select(chat.c.id, chat.c.origin, chat.c.opened_at, chat.c.created_at, chat.c.pending_typing_at, latest.c.at)
        .join(latest, latest.c.session_id == chat.c.id, isouter=True)
        .where(chat.c.status != "ended", chat.c.mode == "practice")
    )
    idle = []
    for session_id, origin, opened_at, created_at, typing_at, turn_at in rows:
        # Times of turns and keystrokes count from the origin; a session never connected has only its creation.
        marks = [opened_at] if opened_at is not None else []
        if origin is not None:
            marks += [origin] + [origin + t for t in (typing_at, turn_at) if t is not None]
        if not marks:  # a row from before the clock reading was kept: its wall-clock creation (stored in UTC)
            marks = [(created_at if created_at.tzinfo else created_at.replace(tzinfo=timezone.utc)).timestamp()]
        if now - max(marks) >= idle_s:
            idle.append(session_id)
    db.commit()
    return idle


def close_idle(ctx: AppContext) -> list[str]:
    """End every idle practice session, grading those in which the trainee said something; return their ids."""
    with ctx.db() as db:
        ids = idle_session_ids(db, now=ctx.clock.now(), idle_s=ctx.settings.idle_close_s)
    for session_id in ids:
        with ctx.db() as db:
            stored, transcript, to_grade = close_for_grading(db, session_id=session_id)
            if stored is not None or not to_grade:
                continue
            chat = repo.get_session(db, session_id=session_id)
            card = persona_cards.card_for_session(db, ctx.personas, chat) if chat is not None else None
            fresh = grade_transcript(transcript, ctx.rubric, card.grading_hints() if card else None)
            repo.store_scorecard(db, session_id=session_id, rubric=ctx.rubric.name, data=fresh)
    if ids:
        log.info("closed %d idle practice session(s)", len(ids))
    return ids


async def sweep_forever(ctx: AppContext) -> None:
    """Sweep every `settings.idle_sweep_s` seconds of real time until cancelled. The timer is real
    time on purpose: tests move their fake clock by hours, and a sweep they did not ask for would
    end their sessions under them; they call `close_idle` themselves."""
    while True:
        await asyncio.sleep(ctx.settings.idle_sweep_s)
        try:
            await to_thread.run_sync(close_idle, ctx, limiter=ctx.db_lane)
        except Exception:  # a failed sweep is logged; the next one tries again
            log.exception("idle session sweep failed")
