"""Drive whole sessions over the real WebSocket with the fake clock, so transcripts carry real pauses.

The server runs with `customer_delay_scale=1`: a customer reply takes a think delay and typing
time on the injected clock. `Driver` reads every frame in one background task and moves the
clock forward in small steps while it waits, so a reply streams as it would for a person and
its `started_at`/`ended_at` differ. Pauses before the trainee's first keystroke are exact.
"""

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from app.storage import repo
from tests.utils.server import LiveServer, open_client

STEP_S = 0.05  # fake seconds per pump step


@dataclass(frozen=True)
class Line:
    """One trainee line: wait `think` s after the customer finished, type for `type_for` s, send.

    `wait_reply=False` sends the next line before the customer answers (a broken silence)."""

    text: str
    think: float = 5.0
    type_for: float = 2.0
    wait_reply: bool = True


class Driver:
    def __init__(self, server: LiveServer, session_id: str, user: str) -> None:
        self.server = server
        self.session_id = session_id
        self.user = user
        self.frames: list[dict[str, Any]] = []
        self._client: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Driver":
        self._client = await open_client(self.server, f"/ws/sessions/{self.session_id}", self.user)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.conn.close()
        if self._reader is not None:
            self._reader.cancel()

    async def _read(self) -> None:
        async for raw in self._client.conn:
            self.frames.append(json.loads(raw))

    def _find(self, kind: str, **match: Any) -> dict[str, Any] | None:
        return next((f for f in self.frames if f["type"] == kind and all(f.get(k) == v for k, v in match.items())),
                    None)

    def _speaking(self) -> bool:
        starts = {f["seq"] for f in self.frames if f["type"] == "customer_start"}
        ends = {f["seq"] for f in self.frames if f["type"] == "customer_end"}
        return bool(starts - ends)

    async def _pump(self, seconds: float) -> None:
        """Let `seconds` pass on the fake clock in small steps (replies and silence watchers run)."""
        steps = round(seconds / STEP_S)
        for _ in range(steps):
            self.server.clock.advance(STEP_S)
            await asyncio.sleep(0.003)

    async def _pump_until(self, kind: str, limit_s: float = 60.0, **match: Any) -> dict[str, Any]:
        for _ in range(round(limit_s / STEP_S)):
            found = self._find(kind, **match)
            if found is not None:
                return found
            self.server.clock.advance(STEP_S)
            await asyncio.sleep(0.003)
        raise AssertionError(f"no {kind} {match} within {limit_s} fake seconds")

    async def _wait(self, kind: str, **match: Any) -> dict[str, Any]:
        for _ in range(2000):
            found = self._find(kind, **match)
            if found is not None:
                return found
            await asyncio.sleep(0.005)
        raise AssertionError(f"no {kind} {match}")

    async def _typing_recorded(self) -> None:
        ctx = self.server.app.state.context
        for _ in range(1000):
            with ctx.db() as db:  # the server's DB lane belongs to its own event loop
                chat = repo.get_session(db, session_id=self.session_id)
            if chat.pending_typing_at is not None:
                return
            await asyncio.sleep(0.005)
        raise AssertionError("the typing frame was not recorded")

    async def say(self, line: Line) -> int:
        """Think, type, send; wait for the reply unless told not to. Returns the line's seq."""
        if line.think >= 4.0:
            await self._pump(line.think)  # a held silence: the customer may add a fact meanwhile
            for _ in range(round(60 / STEP_S)):
                if not self._speaking():
                    break
                await self._pump(STEP_S)
            else:
                raise AssertionError("a customer turn started and never ended")
        else:
            self.server.clock.advance(line.think)
        await self._client.send({"type": "typing"})
        await self._typing_recorded()
        self.server.clock.advance(line.type_for)
        frame_id = str(uuid.uuid4())
        await self._client.send({"type": "message", "id": frame_id, "text": line.text})
        ack = await self._wait("ack", id=frame_id)
        if line.wait_reply:
            await self._pump_until("customer_end", seq=ack["seq"] + 1)
        return ack["seq"]

    async def end(self) -> dict[str, Any]:
        await self._client.send({"type": "end"})
        return await self._pump_until("scorecard")


async def run_session(server: LiveServer, user: str, persona_id: str, lines: list[Line]) -> str:
    """A whole session by `user`: every line, then the end. Returns the session id."""
    session = server.start_session(persona_id, user)
    async with Driver(server, session["id"], user) as driver:
        for line in lines:
            await driver.say(line)
        await driver.end()
    return session["id"]
