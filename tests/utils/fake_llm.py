"""A small OpenAI-compatible chat endpoint for the tests, run on localhost.

The requested model name picks the behaviour: `stream` (the usual), `plain` (a whole JSON
answer), `slow`, `fail500`, `rate429`, `malformed`, `cut` (a stream that breaks off), `yes`
(a stream that accepts whatever is asked).
Every request body is kept, so tests can read exactly what the model was shown.
"""

import asyncio
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

REPLY = ["这个嘛,", "我得想想。", " Fine by me."]
# `yes`: a model that agrees to anything, whatever the engine decided.
YES = ["好的,", "下周二我请院长参加。"]


def _chunk(content: str) -> str:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "test",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": None}],
    }
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def build_fake_llm() -> tuple[FastAPI, list[dict[str, Any]]]:
    app = FastAPI()
    requests: list[dict[str, Any]] = []

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Any:
        body = await request.json()
        requests.append(body)
        mode = body.get("model", "stream")
        if mode == "fail500":
            return JSONResponse({"error": {"message": "boom", "type": "server_error"}}, status_code=500)
        if mode == "rate429":
            return JSONResponse({"error": {"message": "slow down", "type": "rate_limit"}}, status_code=429)
        if mode == "malformed":
            return PlainTextResponse("data: {this is not json\n\n", media_type="text/event-stream")
        if mode == "plain":
            return JSONResponse({
                "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(REPLY)},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            })

        async def events() -> Any:
            if mode == "slow":
                await asyncio.sleep(5)
            for index, piece in enumerate(YES if mode == "yes" else REPLY):
                if mode == "cut" and index == 1:
                    raise ConnectionError("the stream breaks off")
                yield _chunk(piece)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app, requests
