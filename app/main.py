"""The FastAPI application: create_app(settings) builds everything once, nothing at import."""

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import CapacityLimiter
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import idle
from app.api.errors import http_error
from app.api.routes import (assignments, auth, cert_pages, certifications, health, pages, personas, reviews, rubrics,
                            sessions, team, users)
from app.accounts.passwords import use_cost
from app.api.routes.pages import SignInRequired, sign_in_redirect
from app.certification import regrade
from app.core.headers import SecurityHeadersMiddleware
from app.core.origin import OriginCheckMiddleware
from app.core.surrogates import LoneSurrogateMiddleware
from app.core.clock import Clock, SystemClock
from app.core.config import Settings, get_settings
from app.core.context import AppContext
from app.core.keys import certificate_key
from app.engine.personas import load_cards
from app.renderers.llm import LlmRenderer
from app.renderers.template import TemplateRenderer, load_banks
from app.storage.db import make_engine, migrate
from app.ws import handler
from scoring import label, load_rubric

STATIC = Path(__file__).resolve().parent / "static"


def build_llm(settings: Settings) -> LlmRenderer | None:
    """The LLM renderer when an endpoint is configured, else None (template renderer only)."""
    if not settings.llm_base_url:
        return None
    return LlmRenderer(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        api_key=settings.llm_api_key,
        timeout_s=settings.llm_timeout_s,
        stream=settings.llm_stream,
        prompts_dir=settings.prompts_dir,
    )


def build_context(settings: Settings, clock: Clock | None = None) -> AppContext:
    """Load and check the cards, phrase banks and rubric; fail fast naming the bad file and field."""
    use_cost(settings.argon2_time_cost, settings.argon2_memory_kib)
    return AppContext(
        settings=settings,
        clock=clock or SystemClock(),
        engine=make_engine(settings.database_url),
        personas=load_cards(settings.personas_dir),
        renderer=TemplateRenderer(load_banks(settings.prompts_dir / "phrases")),
        rubric=load_rubric(settings.rubric),
        certificate_key=certificate_key(settings),
        llm=build_llm(settings),
        db_lane=CapacityLimiter(1 if settings.is_sqlite else settings.db_concurrency),
    )


def settle_heap() -> None:
    """Load the labeller's tables now, then freeze everything start-up built (gc.freeze):
    the garbage collector's full passes under load then walk only what sessions create,
    which takes about 50 ms off each of those pauses."""
    for language in ("zh", "en"):
        label("?", language)
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    context = build_context(settings or get_settings(), clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        migrate(context.engine)
        with context.db() as db:
            regrade.interrupted(db)  # a re-grade cut off when the server last stopped no longer blocks the next
        settle_heap()
        sweeper = asyncio.get_running_loop().create_task(idle.sweep_forever(context))
        yield
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await handler.drain(app)  # replies in flight are produced and stored before the process ends
        context.engine.dispose()

    app = FastAPI(
        title="Peilian (陪练)",
        summary="A sparring partner for B2B sales training: chat with a simulated customer, get a scorecard.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.conversations = set()
    app.add_middleware(LoneSurrogateMiddleware)
    app.add_middleware(OriginCheckMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(SignInRequired, sign_in_redirect)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(personas.router)
    app.include_router(sessions.router)
    app.include_router(reviews.router)
    app.include_router(certifications.router)
    app.include_router(certifications.verify_router)
    app.include_router(rubrics.router)
    app.include_router(users.router)
    app.include_router(assignments.router)
    app.include_router(team.router)
    app.include_router(handler.router)
    if context.settings.bench_echo:
        app.include_router(handler.echo_router)
    app.include_router(pages.router)
    app.include_router(cert_pages.router)
    app.include_router(users.page_router)
    app.include_router(assignments.page_router)
    app.include_router(personas.page_router)
    app.include_router(team.page_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
