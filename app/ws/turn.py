"""One WebSocket connection to a session: the turn flow of DESIGN 4.2.

persist the trainee line -> ack -> thinking (at once) -> (after a think delay that
depends on the reply, app/core/pacing.py) step the customer engine -> render -> stream
customer_start / customer_delta / customer_end -> persist.

Frames go out through one queue and one sender task, so replies and acks never interleave
mid-frame. A reply that has not started yet is dropped when the trainee sends another line
(the customer answers the last thing asked); a reply being spoken always finishes.

One connection or worker at a time produces a reply: it holds the session's reply lease and
renews it while it speaks. A lease left by a killed worker runs out within
`settings.reply_lease_s`; a connection that found it held waits for that and answers then.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread

from scoring import Rubric
from scoring import label as label_line

from app.certification import audit
from app.core.context import AppContext
from app.core.pacing import think_delay, typing_delay
from app.engine.personas import PersonaCard
from app.engine.hearing import hear
from app.engine.state import CustomerMove, CustomerState
from app.engine.step import silence_step, step_lines
from app.renderers.base import chunk_text
from app.storage import repo
from app.storage.models import Turn
from app.transcripts import close_for_grading, grade_transcript
from app.ws import frames
from app.ws.frames import EndFrame, FrameError, MessageFrame, ResumeFrame, TypingFrame

# How long a closing connection waits for a reply in flight to be produced and stored.
DRAIN_S = 15.0
log = logging.getLogger(__name__)


class TokenBucket:
    """Per-connection rate limit: `burst` frames at once, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.at = float(burst), now

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Conversation:
    """The state of one connection; the session's own state lives in the database."""

    def __init__(
        self,
        ctx: AppContext,
        session_id: str,
        card: PersonaCard,
        language: str,
        origin: float,
        ended: bool,
        live_feedback: bool = True,
        rubric: Rubric | None = None,
        deadline: float | None = None,
        certification_id: str | None = None,
    ) -> None:
        self.ctx = ctx
        self.session_id = session_id
        self.card = card
        self.language = language
        self.origin = origin
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reply: asyncio.Task[None] | None = None
        self._speech = asyncio.Lock()  # one customer turn at a time
        self._speaking = False
        self._ended = ended
        self._activity = 0  # typing and message frames seen; a silence watcher checks it did not move
        self._tasks: set[asyncio.Task[None]] = set()
        self.live_feedback = live_feedback  # practice sessions show each line's label; certification never
        self.rubric = rubric or ctx.rubric
        self._bucket = TokenBucket(ctx.settings.rate_limit_per_s, ctx.settings.rate_burst, ctx.clock.now())
        self.deadline = deadline  # certification: seconds from the start when time is up
        self.certification_id = certification_id
        self.lease_s = ctx.settings.reply_lease_s
        self._shown_seq = 0  # the last customer turn this client was sent or said it has

    def now(self) -> float:
        """Seconds since the session started, on the server's clock."""
        return round(self.ctx.clock.now() - self.origin, 3)

    def send(self, frame: dict[str, Any]) -> None:
        self.outbox.put_nowait(frame)

    async def handle(self, raw: str) -> None:
        """Handle one client frame; a bad frame gets an error frame and the socket stays open."""
        if not self._bucket.take(self.ctx.clock.now()):
            self.send(frames.error("rate_limited", "too many frames; slow down (this frame was dropped)"))
            return
        try:
            frame = frames.read_client_frame(raw, self.ctx.settings.max_message_chars)
        except FrameError as exc:
            self.send(frames.error(exc.code, str(exc)))
            return
        if isinstance(frame, TypingFrame | MessageFrame):
            self._activity += 1
        if isinstance(frame, TypingFrame):
            if not self._ended:
                await self.ctx.run(repo.mark_typing, session_id=self.session_id, at=self.now())
        elif isinstance(frame, MessageFrame):
            await self._on_message(frame)
        elif isinstance(frame, EndFrame):
            await self._on_end()
        elif isinstance(frame, ResumeFrame):
            await self._on_resume(frame.last_seq, with_feedback=self.live_feedback)

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.now()

    def start(self, unanswered: list[Turn]) -> None:
        """On (re)connection: answer the lines left unanswered (a dropped connection, a killed
        worker), and begin the server-side time limit of a certification attempt."""
        left = self.time_left()
        if left is not None and not self._ended:
            self._spawn(self._time_limit(left))
        if not self._ended and unanswered:
            self.send(frames.thinking(unanswered[-1].seq))
            self._schedule_reply()

    async def _time_limit(self, left: float) -> None:
        await self.ctx.clock.sleep(max(left, 0.0))
        if not self._ended:
            await self._finish("time_up")

    async def _on_message(self, frame: MessageFrame) -> None:
        if self._ended:
            self.send(frames.error("session_ended", "this session has ended; start a new one"))
            return
        left = self.time_left()
        if left is not None and left <= 0:
            await self._finish("time_up")
            return
        sent_at = self.now()
        verdict = label_line(frame.text, self.language)
        try:
            turn, created = await self.ctx.run(
                repo.append_trainee_turn,
                session_id=self.session_id,
                client_id=frame.id,
                text=frame.text,
                sent_at=sent_at,
                label=verdict.label,
                topic=verdict.topic,
                rule=verdict.rule,
            )
        except repo.SessionEnded:  # ended meanwhile, from another connection
            self._ended = True
            self.send(frames.error("session_ended", "this session has ended; start a new one"))
            return
        self.send(frames.ack(frame.id, turn.seq))
        if self.live_feedback:
            self.send(frames.feedback(turn.seq, verdict.to_dict()))
        if created:
            self.send(frames.thinking(turn.seq))
            self._schedule_reply()

    def _schedule_reply(self) -> None:
        """Answer after a think delay; a reply not yet begun gives way to a newer line."""
        previous = self._reply
        if previous is not None and not previous.done() and not self._speaking:
            previous.cancel()
            previous = None
        self._reply = self._spawn(self._reply_after(previous))

    def _spawn(self, coro: Any) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _reply_after(self, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        await self.ctx.clock.sleep(await self._think_time())
        while (held_until := await self._reply_once()) is not None:
            # Another connection or worker holds the lease. A live holder renews it and answers;
            # a dead one stops renewing, and when the lease runs out this connection answers.
            await self.ctx.clock.sleep(min(max(held_until - self.now(), 0.0), self.lease_s) + 0.05)

    async def _think_time(self) -> float:
        """Seconds the customer thinks before the reply it is about to give: the engine decides it
        now on the lines waiting and the templates word it (the same decision and words the reply
        will have unless another line comes meanwhile), and pacing turns them into a pause."""
        scale = self.ctx.settings.customer_delay_scale
        if scale <= 0:
            return 0.0
        waiting = await self.ctx.run(repo.waiting_lines, session_id=self.session_id)
        if waiting is None:
            return 0.0
        engine_state, pending = waiting
        state = CustomerState.from_json(engine_state)
        _, move = step_lines(self.card, state, [hear(t.text, self.language, self.card) for t in pending])
        words = self.ctx.renderer.render(self.card, state, move).text
        return think_delay(words, self.language, move.record(), pending[-1].text) * scale

    async def _reply_once(self) -> float | None:
        async with self._speech:
            self._speaking = True
            try:
                return await self._reply_pending()
            finally:
                self._speaking = False

    async def _reply_pending(self) -> float | None:
        """Answer the lines the customer has not taken in yet, if this connection wins the reply
        lease; when another holds it, return the time its lease runs to."""
        owner = uuid.uuid4().hex
        begun = await self.ctx.run(repo.claim_and_begin, session_id=self.session_id, now=self.now(),
                                   lease_s=self.lease_s, owner=owner)
        if isinstance(begun, repo.Held):
            return begun.until
        if begun is None:  # nothing waiting (another connection answered), or the session has ended
            await self._on_resume(self._shown_seq)
            return None
        engine_state, pending, said, turn = begun
        for earlier in said:  # spoken by another connection (one closing, or one in another tab)
            if earlier.seq > self._shown_seq and earlier.ended_at is not None:
                self.send(frames.customer_start(earlier.seq))
                self.send(frames.customer_end(earlier.seq, earlier.text))
                self._shown_seq = earlier.seq
        done = False
        try:
            state = CustomerState.from_json(engine_state)
            lines = [hear(t.text, self.language, self.card) for t in pending]
            new_state, move = step_lines(self.card, state, lines)
            new_state = new_state.model_copy(update={"last_seq": pending[-1].seq})
            await self._speak_turn(turn, owner, state, new_state, move, pending[-1].text,
                                   watch_silence=new_state.can_add)
            done = True
        finally:
            if not done:
                await self.ctx.run(repo.release_reply, session_id=self.session_id, owner=owner)
        return None

    async def _say(
        self, owner: str, before: CustomerState, after: CustomerState, move: CustomerMove, trainee_line: str,
        watch_silence: bool,
    ) -> None:
        """Speak one customer turn: reserve its number, stream it, store it with the new state."""
        turn = await self.ctx.run(repo.begin_customer_turn, session_id=self.session_id, started_at=self.now())
        await self._speak_turn(turn, owner, before, after, move, trainee_line, watch_silence)

    @contextlib.asynccontextmanager
    async def _renewing(self, owner: str) -> AsyncIterator[None]:
        """Keep the reply lease while a turn is spoken, however long the words take to come."""

        async def renew() -> None:
            while True:
                await self.ctx.clock.sleep(self.lease_s / 3)
                if not await self.ctx.run(repo.renew_reply, session_id=self.session_id, owner=owner,
                                          until=self.now() + self.lease_s):
                    return

        renewal = asyncio.get_running_loop().create_task(renew())
        try:
            yield
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal

    async def _speak_turn(
        self, turn: Any, owner: str, before: CustomerState, after: CustomerState, move: CustomerMove,
        trainee_line: str, watch_silence: bool,
    ) -> None:
        self.send(frames.customer_start(turn.seq))
        async with self._renewing(owner):
            text, renderer, phrase_keys = await self._voice(turn.seq, before, move, trainee_line)
        final_state = after.model_copy(update={"said": after.said + phrase_keys})
        try:
            stored = await self.ctx.run(
                repo.finish_customer_turn,
                session_id=self.session_id,
                turn_id=turn.id,
                text=text,
                ended_at=self.now(),
                renderer=renderer,
                engine_state=final_state.to_json(),
                owner=owner,
                acts=move.record(),
            )
        except repo.SessionEnded:  # another connection ended the session while this turn was spoken
            self._ended = True
            self.send(frames.error("session_ended", "this session has ended; start a new one"))
            return
        if not stored:
            log.warning("session %s: reply %s outlived its lease and was taken over; not stored", self.session_id,
                        turn.seq)
            return
        self._shown_seq = max(self._shown_seq, turn.seq)
        self.send(frames.customer_end(turn.seq, text))
        if move.ends:  # the customer has closed the conversation: the session ends with it
            self._spawn(self._finish("customer_end"))
        elif watch_silence:
            self._spawn(self._watch_silence(self._activity, trainee_line, self.now()))

    async def _watch_silence(self, activity: int, trainee_line: str, answered_at: float) -> None:
        """If the trainee stays silent for the threshold after an answer, the customer adds a fact. The
        silence counts from the end of the answer, not from when this task first runs (DESIGN 2.4)."""
        await self.ctx.clock.sleep(max(0.0, self.rubric.silence_threshold_s - (self.now() - answered_at)))
        if self._activity != activity or self._ended or self._speech.locked():
            return
        async with self._speech:
            self._speaking = True
            try:
                await self._add_after_silence(activity, trainee_line)
            finally:
                self._speaking = False

    async def _add_after_silence(self, activity: int, trainee_line: str) -> None:
        owner = uuid.uuid4().hex
        chat = await self.ctx.run(repo.claim_reply, session_id=self.session_id, now=self.now(), lease_s=self.lease_s,
                                  owner=owner)
        if chat is None:
            return
        done = False
        try:
            if chat.status != "ended" and chat.pending_typing_at is None and self._activity == activity:
                state = CustomerState.from_json(chat.engine_state)
                new_state, move = silence_step(self.card, state)
                if move is not None:
                    await self._say(owner, state, new_state, move, trainee_line, watch_silence=False)
                    done = True
        except repo.SessionEnded:
            self._ended = True  # ended meanwhile, from another connection: nothing more is said
        finally:
            if not done:
                await self.ctx.run(repo.release_reply, session_id=self.session_id, owner=owner)

    async def _voice(
        self, seq: int, state: CustomerState, move: CustomerMove, trainee_line: str
    ) -> tuple[str, str, tuple[str, ...]]:
        """Word the move and stream it: the LLM when configured, else (or on any failure) the templates.

        Returns the final text, the renderer that spoke, and the phrase-bank entries used.
        """
        streamed = False
        if self.ctx.llm is not None:
            text, streamed = await self._voice_llm(seq, state, move, trainee_line)
            if text and self.ctx.llm.agrees_with(self.card, move, text):
                return text, self.ctx.llm.name, ()
            if text:
                log.warning("session %s: the LLM's words contradict the engine's decision; using templates",
                            self.session_id)
        rendering = self.ctx.renderer.render(self.card, state, move)
        if not streamed:
            scale = self.ctx.settings.customer_delay_scale
            # With no typing delay there is nothing to pace: the reply goes in one piece.
            for chunk in chunk_text(rendering.text, self.language) if scale > 0 else [rendering.text]:
                await self.ctx.clock.sleep(typing_delay(chunk, self.language) * scale)
                self.send(frames.customer_delta(seq, chunk))
        # After a stream cut mid-way, customer_end carries the whole template reply instead.
        return rendering.text, self.ctx.renderer.name, rendering.phrase_keys

    async def _voice_llm(
        self, seq: int, state: CustomerState, move: CustomerMove, trainee_line: str
    ) -> tuple[str | None, bool]:
        """Stream the LLM's words; (text, anything sent) with text None when it failed or timed out."""
        llm = self.ctx.llm
        assert llm is not None
        pieces: list[str] = []
        stream = llm.stream(self.card, state, move, trainee_line)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + llm.timeout_s
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"no complete reply within {llm.timeout_s} s")
                try:
                    piece = await asyncio.wait_for(anext(stream), remaining)
                except StopAsyncIteration:
                    break
                pieces.append(piece)
                self.send(frames.customer_delta(seq, piece))
        except Exception as exc:  # any failure of the endpoint: the template renderer takes the turn
            log.warning("session %s: LLM renderer failed (%s); using templates", self.session_id, exc)
            return None, bool(pieces)
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()
        text = "".join(pieces).strip()
        return (text or None), bool(pieces)

    async def _on_end(self) -> None:
        await self._finish("end")

    async def _finish(self, reason: str) -> None:
        """End the session once: grade it; practice shows the scorecard, certification only that it ended."""
        if self._ended and reason in ("time_up", "customer_end"):
            return
        self._ended = True
        reply = self._reply
        if reply is not None and not reply.done() and not self._speaking:
            reply.cancel()
        async with self._speech:  # a customer turn being spoken finishes and is stored first
            card, transcript, to_grade = await self.ctx.run(close_for_grading, session_id=self.session_id)
        if card is None and not to_grade:  # the trainee said nothing: nothing to score
            self.send({"type": "ended", "reason": reason, "result": "not_scored"})
            return
        if card is None:
            # Grading is CPU work: it runs beside the database lane, so other sessions' turns are not held up.
            fresh = await to_thread.run_sync(grade_transcript, transcript, self.rubric, self.card.grading_hints())
            card = await self.ctx.run(repo.store_scorecard, session_id=self.session_id, rubric=self.rubric.name,
                                      data=fresh)
        if self.certification_id is not None:  # recorded before the candidate is told, so the record is never behind
            await self.ctx.run(audit.record, action="attempt_time_up" if reason == "time_up" else "attempt_ended",
                               certification_id=self.certification_id, session_id=self.session_id)
        if reason == "time_up":
            self.send(frames.error("time_up", "the time limit of this attempt is over; it has been submitted"))
        if self.certification_id is None:
            self.send({"type": "scorecard", **card})
            return
        self.send({"type": "ended", "reason": reason, "result": "released_by_hr"})

    async def _on_resume(self, last_seq: int, with_feedback: bool = False) -> None:
        """Send again every finished customer turn the client has not seen; asked by the client,
        in practice also each later trainee line's label (a reloaded page shows them again)."""
        self._shown_seq = max(self._shown_seq, last_seq)
        turns = await self.ctx.run(repo.list_turns, session_id=self.session_id, after_seq=last_seq)
        for turn in turns:
            if turn.speaker == "customer" and turn.ended_at is not None:
                self.send(frames.customer_start(turn.seq))
                self.send(frames.customer_end(turn.seq, turn.text))
                self._shown_seq = max(self._shown_seq, turn.seq)
            elif turn.speaker == "trainee" and with_feedback:
                self.send(frames.feedback(turn.seq, label_line(turn.text, self.language).to_dict()))

    async def close(self) -> None:
        """The socket is gone: stop the watchers, but let the reply to the trainee's last line be
        produced and stored (the client gets it on resume); give up after DRAIN_S."""
        reply = self._reply
        for task in list(self._tasks):
            if task is not reply:
                task.cancel()
        if reply is not None and not reply.done():
            _done, pending = await asyncio.wait([reply], timeout=DRAIN_S)
            for task in pending:
                task.cancel()
