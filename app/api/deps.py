"""Dependencies as Annotated aliases: handlers declare the type and get the value."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request, WebSocket, WebSocketException, status
from sqlmodel import Session

from app.accounts import service
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


def get_current_user(signed_in: MaybeSignedInDep) -> User:
    if signed_in is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="sign in first: POST /api/auth/login")
    return signed_in.user


CurrentUserDep = Annotated[User, Depends(get_current_user)]


def require_role(*roles: str) -> Callable[[User], User]:
    """A dependency that lets only these roles through (403 for the others)."""

    def check(user: CurrentUserDep) -> User:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"only {', '.join(roles)} may do this")
        return user

    return check


def same_origin(origin: str | None, host: str | None) -> bool:
    """A browser's Origin must name this server; requests without one (non-browsers) pass."""
    return origin is None or (host is not None and urlsplit(origin).netloc == host)


async def get_ws_user(websocket: WebSocket, ctx: ContextWsDep) -> User:
    """The WebSocket needs the same sign-in cookie, from a page of this server (no cross-site sockets)."""
    if not same_origin(websocket.headers.get("origin"), websocket.headers.get("host")):
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="cross-origin socket refused")
    token = websocket.cookies.get(COOKIE)
    found = await ctx.run(service.resolve_token, token=token) if token else None
    if found is None:
        raise WebSocketException(code=status.WS_1008_POLICY_VIOLATION, reason="sign in first")
    return found[0]


WsUserDep = Annotated[User, Depends(get_ws_user)]
