"""JSON bodies with a lone UTF-16 surrogate ("\\ud800") are refused with 422.

JSON may escape half of a surrogate pair on its own; Python decodes it into a string that cannot
be encoded as UTF-8, so it would fail later, where it is stored or echoed back (a 500). Pairs,
as emoji are escaped, are text like any other."""

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SURROGATE = re.compile("[\ud800-\udfff]")
_REFUSAL = (b'{"detail":"\\u6587\\u672c\\u91cc\\u6709\\u65e0\\u6548\\u7684\\u5b57\\u7b26 / the text holds an '
            b'invalid character (a lone UTF-16 surrogate)","code":"bad_text"}')


def has_lone_surrogate(body: bytes) -> bool:
    """Whether a JSON body decodes to a string (or key) holding half a surrogate pair; a body
    that is not JSON is left to the route to refuse."""
    if b"\\u" not in body:
        return False
    try:
        return _holds(json.loads(body))
    except ValueError:
        return False


def _holds(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds(k) or _holds(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v) for v in value)
    return False


class LoneSurrogateMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if has_lone_surrogate(body):
            await send({"type": "http.response.start", "status": 422,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(_REFUSAL)).encode())]})
            await send({"type": "http.response.body", "body": _REFUSAL})
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _is_json(scope: Scope) -> bool:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return b"json" in value.lower()
    return False
