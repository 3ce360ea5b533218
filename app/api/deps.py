"""Dependencies as Annotated aliases: handlers declare the type and get the value."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, WebSocket, WebSocketException, status
from sqlmodel import Session
from starlette.requests import HTTPConnection

from app.accounts import service
from app.api.errors import ApiError
from app.core.config import Settings
from app.core.context import AppContext
from app.storage.models import User

COOKIE = "peilian_session"


def get_context(request: Request) -> AppContext:
    return request.app.state.context


def get_ws_context(websocket: WebSocket) -> AppContext:
    return websocket.app.state.context


def get_db(ctx: Annotated[AppContext, Depends(get_context)]) -> Iterator[Session]:
    with ctx.db() as db:
        yield db


ContextDep = Annotated[AppContext, Depends(get_context)]
ContextWsDep = Annotated[AppContext, Depends(get_ws_context)]
DbDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class SignedIn:
    """The user behind the request's cookie, and the CSRF token that goes with their sign-in."""

    user: User
    csrf: str
    token: str


def get_signed_in(request: Request, db: DbDep) -> SignedIn | None:
    token = request.cookies.get(COOKIE)
    found = service.resolve_token(db, token=token) if token else None
    return SignedIn(user=found[0], csrf=found[1], token=token) if found and token else None


MaybeSignedInDep = Annotated[SignedIn | None, Depends(get_signed_in)]

MUST_CHANGE = "请先修改密码 / change your password first: POST /api/auth/password"


def get_signed_in_any(signed_in: MaybeSignedInDep) -> SignedIn:
    """Signed in, even with a one-time password still to change (for changing it, and little else)."""
    if signed_in is None:
        raise ApiError(status.HTTP_401_UNAUTHORIZED, "sign_in_first")
    return signed_in


SignedInAnyDep = Annotated[SignedIn, Depends(get_signed_in_any)]


def get_current_user(signed_in: SignedInAnyDep) -> User:
    """The signed-in user; one who must still change a one-time password gets nothing else done."""
    if signed_in.user.must_change_password:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail={"code": "must_change_password", "message": MUST_CHANGE})
    return signed_in.user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency that lets only these roles through (403 for the others)."""

    def check(user: CurrentUserDep) -> User:
        if user.role not in roles:
            raise ApiError(status.HTTP_403_FORBIDDEN, "role_required", roles=", ".join(roles))
        return user

    return check


_DEFAULT_PORTS = {"http": 80, "https": 443}
_PAGE_SCHEME = {"ws": "http", "wss": "https"}  # a socket opened by a page of http://host speaks ws://host


def same_origin(origin: str | None, host: str | None, scheme: str) -> bool:
    """A browser's Origin must name this server: scheme, host and port (a page served over http is not
    the https one). Requests without an Origin (non-browsers) pass. `scheme` is the request's own."""
    if origin is None:
        return True
    if host is None:
        return False
    ours = _PAGE_SCHEME.get(scheme, scheme)
    try:
        theirs, served = urlsplit(origin), urlsplit(f"//{host}")
        their_port, our_port = theirs.port or _DEFAULT_PORTS.get(theirs.scheme), served.port or _DEFAULT_PORTS.get(ours)
    except ValueError:
        return False
    return (theirs.scheme == ours and theirs.hostname is not None and theirs.hostname == served.hostname
            and their_port == our_port)


def cookie_secure(conn: HTTPConnection, settings: Settings) -> bool:
    """The Secure flag: as configured, else set when this request came over HTTPS (directly or via a trusted proxy)."""
    return settings.cookie_secure if settings.cookie_secure is not None else conn.url.scheme in ("https", "wss")


async def get_ws_user(websocket: WebSocket, ctx: ContextWsDep) -> User:
    """The WebSocket needs the same sign-in cookie, from a page of this server (no cross-site sockets)."""
    if not same_origin(websocket.headers.get("origin"), websocket.headers.get("host"), websocket.url.scheme):
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="cross-origin socket refused")
    token = websocket.cookies.get(COOKIE)
    found = await ctx.run(service.resolve_token, token=token) if token else None
    if found is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="sign in first")
    if found[0].must_change_password:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="change your password first")
    return found[0]


WsUserDep = Annotated[User, Depends(get_ws_user)]
