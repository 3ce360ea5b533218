"""Dependencies as Annotated aliases: handlers declare the type and get the value."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, WebSocket
from sqlmodel import Session

from app.core.context import AppContext


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
