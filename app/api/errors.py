"""API errors in the reader's language, each with a stable machine `code`.

Every error answer is `{"detail": …, "code": "…"}`: `code` never changes with the language (a
client branches on it); `detail` is what a page shows. A request that names its language (?lang=,
the `lang` cookie every page sets, or Accept-Language) gets `detail` in that language alone; one
that names none gets it as before (both languages, "中文 / English", or English), so existing
clients read what they always read. A `detail` that is an object (`{"code", "message"}`) keeps
its shape and its `message` is localised the same way.
"""

import re
from http import HTTPStatus
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import CJK, LANGUAGES, accept_language, message, to_full_width

_HAS_CJK = re.compile(f"[{CJK}]")


class ApiError(HTTPException):
    """An error with a machine `code`, its words from the catalogue (`errors.<code>`, `{placeholders}`
    from params) or, with `text`, a "中文 / English" message built elsewhere (an account rule, a sign-in).
    Without a language, `detail` is both languages."""

    def __init__(self, status_code: int, code: str, *, text: str | None = None,
                 headers: dict[str, str] | None = None, **params: Any) -> None:
        self.code, self.params, self.from_catalogue = code, params, text is None
        detail = " / ".join(localised(code, lang, params) for lang in LANGUAGES) if text is None else text
        super().__init__(status_code, detail=detail, headers=headers)


def localised(code: str, lang: str, params: dict[str, Any]) -> str:
    return message(lang, f"errors.{code}", **params)


def stated_language(request: Request) -> str | None:
    """The language the request names, or None: ?lang=, then the cookie, then Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    return accept_language(request.headers.get("accept-language"))


def one_language(text: str, lang: str) -> str:
    """One half of a "中文 / English" message (a location before it, `turns.0.speaker: `, kept);
    the text as it is when it is not such a pair."""
    head, sep, tail = text.partition(" / ")
    if not sep or not _HAS_CJK.search(head) or _HAS_CJK.search(tail):
        return text
    where = re.match(r"^[\w.\[\]-]+: ", head)
    if lang == "zh":
        return to_full_width(head)
    return (where.group(0) if where and not tail.startswith(where.group(0)) else "") + tail


def _code_of(exc: StarletteHTTPException) -> str:
    if isinstance(exc, ApiError):
        return exc.code
    if isinstance(exc.detail, dict) and isinstance(exc.detail.get("code"), str):
        return exc.detail["code"]
    return HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")


def _detail(exc: StarletteHTTPException, lang: str | None) -> Any:
    if lang is None:
        return exc.detail
    if isinstance(exc, ApiError) and exc.from_catalogue:
        return localised(exc.code, lang, exc.params)
    if isinstance(exc.detail, str):
        return one_language(exc.detail, lang)
    if isinstance(exc.detail, dict) and isinstance(exc.detail.get("message"), str):
        return exc.detail | {"message": one_language(exc.detail["message"], lang)}
    return exc.detail


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """The app's handler of HTTPException: FastAPI's answer plus `code`, `detail` localised."""
    headers = getattr(exc, "headers", None)
    if not is_body_allowed_for_status_code(exc.status_code):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": _detail(exc, stated_language(request)), "code": _code_of(exc)},
                        status_code=exc.status_code, headers=headers)
