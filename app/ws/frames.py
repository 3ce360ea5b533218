"""The WebSocket frames of DESIGN 4.2: what a client may send, and what the server answers.

Decoding is kept apart from handling: `read_client_frame` turns text into a frame or a
`FrameError` whose `code` goes back to the client in an `error` frame.
"""

import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _Frame(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TypingFrame(_Frame):
    type: Literal["typing"]


class MessageFrame(_Frame):
    type: Literal["message"]
    id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1)


class EndFrame(_Frame):
    type: Literal["end"]


class ResumeFrame(_Frame):
    type: Literal["resume"]
    last_seq: int = Field(ge=0)


ClientFrame = Annotated[TypingFrame | MessageFrame | EndFrame | ResumeFrame, Field(discriminator="type")]
_CLIENT = TypeAdapter(ClientFrame)
CLIENT_TYPES = ("typing", "message", "end", "resume")


class FrameError(ValueError):
    """A frame the server will not handle; `code` is sent back in an error frame."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def read_client_frame(raw: str, max_message_chars: int) -> ClientFrame:
    """Decode one client frame or raise FrameError(bad_json | unknown_type | bad_frame | too_large)."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FrameError("bad_json", f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise FrameError("bad_frame", "a frame must be a JSON object with a 'type'")
    kind = data.get("type")
    if kind not in CLIENT_TYPES:
        raise FrameError("unknown_type", f"unknown frame type {kind!r}; expected one of {', '.join(CLIENT_TYPES)}")
    if kind == "message" and isinstance(data.get("text"), str):
        if not data["text"].strip():
            raise FrameError("bad_frame", "message text is empty")
        if len(data["text"]) > max_message_chars:
            raise FrameError("too_large", f"message text is longer than {max_message_chars} characters")
    try:
        return _CLIENT.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "frame"
        raise FrameError("bad_frame", f"{where}: {first['msg']}") from exc


def ack(client_id: str, seq: int) -> dict[str, Any]:
    return {"type": "ack", "id": client_id, "seq": seq}


def feedback(seq: int, verdict: dict[str, Any]) -> dict[str, Any]:
    """Practice mode only: how the grader labelled the trainee's line, and why."""
    return {"type": "feedback", "seq": seq, **verdict}


def customer_start(seq: int) -> dict[str, Any]:
    return {"type": "customer_start", "seq": seq}


def customer_delta(seq: int, text: str) -> dict[str, Any]:
    return {"type": "customer_delta", "seq": seq, "text": text}


def customer_end(seq: int, text: str) -> dict[str, Any]:
    return {"type": "customer_end", "seq": seq, "text": text}


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}
