"""The WebSocket endpoint /ws/sessions/{id}: accept, then a receive loop and a send loop.

Both loops run in one task group; when the client goes, the group is cancelled and the
conversation closes, so nothing outlives the socket except a reply already being spoken,
which finishes and is stored.
"""

import asyncio
import contextlib
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, WebSocketException, status

from app.api.deps import ContextWsDep, WsUserDep
from app.certification import audit
from app.certification import service as certifications
from app.storage import persona_cards, repo
from app.ws import frames
from app.ws.turn import Conversation

log = logging.getLogger(__name__)
router = APIRouter()


async def _send_loop(ws: WebSocket, conversation: Conversation) -> None:
    while True:
        frame = await conversation.outbox.get()
        if frame is None:
            return
        await ws.send_json(frame)


async def _receive_loop(ws: WebSocket, conversation: Conversation) -> None:
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", status.WS_1000_NORMAL_CLOSURE))
        text = message.get("text")
        if text is None:
            conversation.send(frames.error("bad_frame", "frames are JSON text; binary frames are not accepted"))
            continue
        await conversation.handle(text)


@router.websocket("/ws/sessions/{session_id}")
async def session_socket(ws: WebSocket, session_id: str, ctx: ContextWsDep, user: WsUserDep) -> None:
    """Only the session's own trainee talks in it; anyone else is refused as if it did not exist."""
    opened = await ctx.run(repo.open_session, session_id=session_id, user_id=user.id, now=ctx.clock.now())
    card = await ctx.run(persona_cards.card_for_session, builtins=ctx.personas, chat=opened[0]) if opened else None
    if opened is None or card is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="no such session")
    chat, unanswered = opened
    assert chat.origin is not None  # open_session fixed it
    await ws.accept()
    cert = await ctx.run(certifications.get, cert_id=chat.certification_id) if chat.certification_id else None
    conversation = Conversation(
        ctx,
        session_id,
        card,
        chat.language,
        chat.origin,
        ended=chat.status == "ended",
        live_feedback=chat.mode == "practice",
        rubric=await ctx.run(certifications.rubric_of, cert=cert) if cert else None,
        deadline=chat.deadline if cert else None,
        certification_id=cert.id if cert else None,
    )
    live: set[Conversation] = ws.app.state.conversations
    live.add(conversation)
    if cert is not None:
        await ctx.run(audit.record, action="attempt_connected", actor_id=user.id, certification_id=cert.id,
                      session_id=session_id)
    conversation.start(unanswered if chat.engine_state else [])
    try:
        async with asyncio.TaskGroup() as group:
            sender = group.create_task(_send_loop(ws, conversation))
            try:
                await _receive_loop(ws, conversation)
            finally:
                sender.cancel()
    except* WebSocketDisconnect:
        pass
    except* Exception:
        log.exception("session %s: connection failed", session_id)
        with contextlib.suppress(Exception):
            await ws.close(code=status.WS_1011_INTERNAL_ERROR)
    finally:
        await conversation.close()
        live.discard(conversation)


async def drain(app: Any) -> None:
    """At shutdown: let every connection's reply in flight finish and be stored."""
    closing = [conversation.close() for conversation in list(app.state.conversations)]
    if closing:
        await asyncio.gather(*closing, return_exceptions=True)


echo_router = APIRouter()


@echo_router.websocket("/ws/echo")
async def echo_socket(ws: WebSocket) -> None:
    """A bare echo over the same server: the load benchmark's baseline (PEILIAN_BENCH_ECHO=true)."""
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect:
        pass
