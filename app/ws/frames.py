"""The WebSocket frames of DESIGN 4.2: what a client may send, and what the server answers.

Decoding is kept apart from handling: `read_client_frame` turns text into a frame or a
`FrameError` whose `code` goes back to the client in an `error` frame. Whatever a client
sends, decoding ends in one of the two: a frame the handler and the database can take as it
is, or an error (never an exception that would close the socket).
"""

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from app.core.i18n import strings

# The largest turn number the turn table holds (a 32-bit integer column): a larger `last_seq`
# names no turn, and would overflow the database's integer.
MAX_SEQ = 2**31 - 1


def _storable(text: str) -> str:
    """Refuse what no database column takes: NUL (PostgreSQL text) and lone surrogates (not UTF-8)."""
    if "\x00" in text:
        raise ValueError("contains a NUL character (\\u0000)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("contains a lone surrogate (an unpaired \\ud800-\\udfff escape)") from None
    return text


Storable = Annotated[str, AfterValidator(_storable)]


class _Frame(BaseModel):
    # Strict: "3", true or 2.0 is not a turn number, a number is not an id.
    model_config = ConfigDict(extra="ignore", strict=True)


class TypingFrame(_Frame):
    type: Literal["typing"]


class MessageFrame(_Frame):
    type: Literal["message"]
    id: Storable = Field(min_length=1, max_length=64)
    text: Storable = Field(min_length=1)


class EndFrame(_Frame):
    type: Literal["end"]


class ResumeFrame(_Frame):
    type: Literal["resume"]
    last_seq: int = Field(ge=0, le=MAX_SEQ)


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
        data = json.loads(raw, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise FrameError("bad_json", f"not valid JSON: {exc.msg}") from exc
    except FrameError:
        raise
    except RecursionError as exc:
        raise FrameError("bad_json", "not accepted: the JSON is nested too deeply") from exc
    except ValueError as exc:  # Python's limit on integer digits
        raise FrameError("bad_json", "not accepted: a number has more digits than any frame needs") from exc
    if not isinstance(data, dict):
        raise FrameError("bad_frame", "a frame must be a JSON object with a 'type'")
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_TYPES:
        shown = repr(kind[:40]) if isinstance(kind, str) else f"of JSON type {_json_type(kind)}"
        raise FrameError("unknown_type", f"unknown frame type {shown}; expected one of {', '.join(CLIENT_TYPES)}")
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


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (Python's decoder takes them unless told not to)."""
    raise FrameError("bad_json", f"not valid JSON: {name} is not a number")


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), "value")


def ack(client_id: str, seq: int) -> dict[str, Any]:
    return {"type": "ack", "id": client_id, "seq": seq}


def feedback(seq: int, verdict: dict[str, Any]) -> dict[str, Any]:
    """Practice mode only: how the grader labelled the trainee's line, and why."""
    return {"type": "feedback", "seq": seq, **verdict}


def thinking(reply_to: int) -> dict[str, Any]:
    """Sent as soon as a trainee line is taken (after its ack): the customer is thinking about
    the line numbered `reply_to`; the page shows it until the reply's customer_start. Added to
    the frames of DESIGN 4.2; none of those changed."""
    return {"type": "thinking", "reply_to": reply_to}


def customer_start(seq: int) -> dict[str, Any]:
    return {"type": "customer_start", "seq": seq}


def customer_delta(seq: int, text: str) -> dict[str, Any]:
    return {"type": "customer_delta", "seq": seq, "text": text}


def customer_end(seq: int, text: str) -> dict[str, Any]:
    return {"type": "customer_end", "seq": seq, "text": text}


def error(code: str, message: str) -> dict[str, Any]:
    """An error frame; its message is the code's Chinese line (catalogue `ws_errors`), then the English
    detail, so a client that shows `message` shows both. The pages show the line of their own
    language by `code`."""
    chinese = strings("zh")["ws_errors"]
    return {"type": "error", "code": code, "message": f"{chinese.get(code, chinese['other'])} / {message}"}
