"""One WebSocket connection to a session: the turn flow of DESIGN 4.2.

persist the trainee line -> ack -> (after a think delay) step the customer engine ->
render -> stream customer_start / customer_delta / customer_end -> persist.

Frames go out through one queue and one sender task, so replies and acks never interleave
mid-frame. A reply that has not started yet is dropped when the trainee sends another line
(the customer answers the last thing asked); a reply being spoken always finishes.
"""

import asyncio
from typing import Any

from scoring import label as label_line

from app.core.context import AppContext
from app.engine.personas import PersonaCard
from app.engine.state import CustomerState, TraineeLine
from app.engine.step import step_lines
from app.renderers.base import chunk_text
from app.storage import repo
from app.transcripts import end_and_grade
from app.ws import frames
from app.ws.frames import EndFrame, FrameError, MessageFrame, ResumeFrame, TypingFrame

MAX_MESSAGE_CHARS = 2000


def think_delay(text: str) -> float:
    """Seconds a customer takes before answering: longer lines take longer to read."""
    return min(0.8 + 0.03 * len(text), 3.0)


def typing_delay(chunk: str, language: str) -> float:
    """Seconds to 'type' one shown piece of the reply."""
    return 0.06 * len(chunk.strip()) if language == "zh" else 0.09


class Conversation:
    """The state of one connection; the session's own state lives in the database."""

    def __init__(
        self, ctx: AppContext, session_id: str, card: PersonaCard, language: str, origin: float, ended: bool
    ) -> None:
        self.ctx = ctx
        self.session_id = session_id
        self.card = card
        self.language = language
        self.origin = origin
        self.outbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._reply: asyncio.Task[None] | None = None
        self._speaking = False
        self._ended = ended
        self._tasks: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        """Seconds since the session started, on the server's clock."""
        return round(self.ctx.clock.now() - self.origin, 3)

    def send(self, frame: dict[str, Any]) -> None:
        self.outbox.put_nowait(frame)

    async def handle(self, raw: str) -> None:
        """Handle one client frame; a bad frame gets an error frame and the socket stays open."""
        try:
            frame = frames.read_client_frame(raw, MAX_MESSAGE_CHARS)
        except FrameError as exc:
            self.send(frames.error(exc.code, str(exc)))
            return
        if isinstance(frame, TypingFrame):
            if not self._ended:
                await self.ctx.run(repo.mark_typing, session_id=self.session_id, at=self.now())
        elif isinstance(frame, MessageFrame):
            await self._on_message(frame)
        elif isinstance(frame, EndFrame):
            await self._on_end()
        elif isinstance(frame, ResumeFrame):
            await self._on_resume(frame.last_seq)

    async def _on_message(self, frame: MessageFrame) -> None:
        if self._ended:
            self.send(frames.error("session_ended", "this session has ended; start a new one"))
            return
        sent_at = self.now()
        verdict = label_line(frame.text, self.language)
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
        self.send(frames.ack(frame.id, turn.seq))
        if created:
            self._schedule_reply()

    def _schedule_reply(self) -> None:
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
        turns = await self.ctx.run(repo.list_turns, session_id=self.session_id)
        chat = await self.ctx.run(repo.get_session, session_id=self.session_id)
        assert chat is not None
        state = CustomerState.from_json(chat.engine_state)
        pending = [t for t in turns if t.speaker == "trainee" and t.seq > state.last_seq]
        if not pending:
            return
        scale = self.ctx.settings.customer_delay_scale
        await self.ctx.clock.sleep(think_delay(pending[-1].text) * scale)
        self._speaking = True
        try:
            await self._speak(state, pending)
        finally:
            self._speaking = False

    async def _speak(self, state: CustomerState, pending: list[Any]) -> None:
        lines = [self._understand(t.text) for t in pending]
        new_state, move = step_lines(self.card, state, lines)
        rendering = self.ctx.renderer.render(self.card, state, move)
        turn = await self.ctx.run(repo.begin_customer_turn, session_id=self.session_id, started_at=self.now())
        self.send(frames.customer_start(turn.seq))
        scale = self.ctx.settings.customer_delay_scale
        for chunk in chunk_text(rendering.text, self.language):
            await self.ctx.clock.sleep(typing_delay(chunk, self.language) * scale)
            self.send(frames.customer_delta(turn.seq, chunk))
        final_state = new_state.model_copy(
            update={"said": new_state.said + rendering.phrase_keys, "last_seq": pending[-1].seq}
        )
        await self.ctx.run(
            repo.finish_customer_turn,
            turn_id=turn.id,
            text=rendering.text,
            ended_at=self.now(),
            renderer=self.ctx.renderer.name,
            engine_state=final_state.to_json(),
        )
        self.send(frames.customer_end(turn.seq, rendering.text))

    def _understand(self, text: str) -> TraineeLine:
        """The customer hears a line the way the grader labels it (one labeller for both)."""
        verdict = label_line(text, self.language)
        return TraineeLine(text=text, label=verdict.label, topic=verdict.topic, pitch=verdict.pitch)

    async def _on_end(self) -> None:
        reply = self._reply
        if reply is not None and not reply.done():
            if self._speaking:
                await asyncio.wait([reply])
            else:
                reply.cancel()
        self._ended = True
        card = await self.ctx.run(
            end_and_grade, session_id=self.session_id, rubric=self.ctx.rubric, motive=self.card.motive
        )
        self.send({"type": "scorecard", **card})

    async def _on_resume(self, last_seq: int) -> None:
        """Send again every finished customer turn the client has not seen."""
        turns = await self.ctx.run(repo.list_turns, session_id=self.session_id, after_seq=last_seq)
        for turn in turns:
            if turn.speaker == "customer" and turn.ended_at is not None:
                self.send(frames.customer_start(turn.seq))
                self.send(frames.customer_end(turn.seq, turn.text))

    async def close(self) -> None:
        """Stop replies that have not started; let one being spoken finish and be stored."""
        for task in list(self._tasks):
            if task is self._reply and self._speaking:
                continue
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
